// libFuzzer target: the incremental HTTP/1.1 request parser (heads, Content-Length and chunked
// bodies, pipelining). The first byte picks where the rest is split in two deliveries, so
// requests cut at every point are tried. Run with scripts/fuzz http.
import Wire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTP(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let cut = min(Int(data[0]), bytes.count)
    var parser = HTTPRequestParser(limits: HTTPLimits())
    for part in [bytes[..<cut], bytes[cut...]] {
        parser.append(part)
        // Each request consumes bytes, so this ends; the bound is only a guard against a parser
        // that returns requests without consuming.
        for _ in 0...bytes.count {
            guard let request = try? parser.nextRequest() else { break }
            _ = request.keepAlive
        }
    }
    return 0
}
