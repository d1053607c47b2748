import Boot
import Testing

@Suite("Asset paths") struct AssetPathTests {
    @Test(arguments: [("a", ["a"]), ("a/b.gz", ["a", "b.gz"]), ("a//b/", ["a", "b"]), ("ipxe.efi", ["ipxe.efi"]), ("..a/b..", ["..a", "b.."])])
    func accepts(path: String, components: [String]) {
        #expect(AssetPath.components(path) == components)
    }

    @Test(arguments: ["", "/", "/etc/passwd", "..", "../x", "a/../b", "a/./b", ".", "a\\b", "..\\..\\x", "a\u{0}b", "a\nb", "//"])
    func refuses(path: String) {
        #expect(AssetPath.components(path) == nil)
    }
}
