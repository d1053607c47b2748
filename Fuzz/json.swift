// libFuzzer target: the JSON parser (RFC 8259), then the writer on what it accepts; the written
// text must parse again. Run with scripts/fuzz json.
import Wire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard let value = try? JSONParser.parse(Array(UnsafeBufferPointer(start: data, count: size))) else { return 0 }
    let written = value.encoded()
    guard (try? JSONParser.parse(written)) != nil else { fatalError("the writer's output does not parse: \(written)") }
    return 0
}
