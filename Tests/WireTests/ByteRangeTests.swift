import Testing
import Wire

@Suite("Range header") struct ByteRangeTests {
    @Test(arguments: [
        (String?.none, 100, ByteRange.whole),
        ("bytes=0-9", 100, .partial(first: 0, last: 9)),
        ("bytes=90-", 100, .partial(first: 90, last: 99)),
        ("bytes=90-500", 100, .partial(first: 90, last: 99)),
        ("bytes=-10", 100, .partial(first: 90, last: 99)),
        ("bytes=-500", 100, .partial(first: 0, last: 99)),
        ("bytes=99-99", 100, .partial(first: 99, last: 99)),
        ("bytes=100-", 100, .unsatisfiable),
        ("bytes=-0", 100, .unsatisfiable),
        ("bytes=0-", 0, .unsatisfiable),
        ("bytes=-5", 0, .unsatisfiable),
        ("bytes=9-0", 100, .whole),
        ("bytes=0-1,5-6", 100, .whole),
        ("items=0-1", 100, .whole),
        ("bytes=a-b", 100, .whole),
        ("bytes=-", 100, .whole),
        ("BYTES=1-2", 100, .partial(first: 1, last: 2)),
    ])
    func resolves(header: String?, size: Int, expected: ByteRange) {
        #expect(ByteRange.resolve(header, size: size) == expected)
    }
}
