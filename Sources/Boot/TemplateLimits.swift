/// How much one render may do (DESIGN.md §11: user-data is rendered on unauthenticated GETs, so a
/// template with nested loops must not be a way to burn the server's CPU). The budget counts work,
/// not wall time: the same template and context fail the same way on a busy or an idle machine.
public struct TemplateLimits: Equatable, Sendable {
    /// Loop bodies rendered, over all loops of one render (nested loops multiply).
    public var iterations: Int
    /// Bytes of output.
    public var outputBytes: Int

    public init(iterations: Int, outputBytes: Int) {
        self.iterations = iterations
        self.outputBytes = outputBytes
    }

    /// Far above any real cloud-config (the shipped ones loop a few dozen times and render a
    /// few KiB), far below what would stall a request: 10,000 small bodies render in about 75 ms
    /// in a debug build here, less in release.
    public static let standard = TemplateLimits(iterations: 10_000, outputBytes: 1 << 20)
}
