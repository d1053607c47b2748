// libFuzzer target: the template lexer, parser and renderer (compiled with the Boot target's
// Template*.swift), rendering what parses against a small context under tight limits.
// Run with scripts/fuzz template.
import Wire

let context: [String: TemplateValue] = [
    "a": "x y", "b": false, "e": "", "keys": ["k1", "k 2", "k3", "k4"],
    "machine": ["hostname": "node1", "mac": "52:54:00:12:34:56", "ip": "10.77.0.5", "role": "server"],
    "ssh_keys": ["ssh-ed25519 AAAA one", "ssh-ed25519 BBBB two"],
]
// Tight, so the rate stays high: the limits themselves are what is fuzzed, not their size.
let limits = TemplateLimits(iterations: 200, outputBytes: 8 << 10)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTemplate(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let source = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let template = try? Template(name: "fuzz", source: source) else { return 0 }
    // The first input byte picks the escaping, so both are tried.
    _ = try? template.render(context, escaping: size > 0 && data[0] & 1 == 1 ? .yamlDoubleQuoted : .none, limits: limits)
    return 0
}
