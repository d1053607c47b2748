import Testing
import Wire

@Suite("NetasciiEncoder (RFC 764 / RFC 1350)")
struct NetasciiEncoderTests {
    @Test("LF becomes CR LF, CR becomes CR NUL, everything else passes", arguments: [
        ([], []),
        (bytes("abc"), bytes("abc")),
        (bytes("a\nb"), bytes("a\r\nb")),
        (bytes("a\rb"), [0x61, 0x0D, 0x00, 0x62]),
        (bytes("\r\n"), [0x0D, 0x00, 0x0D, 0x0A]),
        (bytes("\n\n"), bytes("\r\n\r\n")),
        (bytes("\r"), [0x0D, 0x00]),
        (bytes("\n"), bytes("\r\n")),
        (bytes("\n\r"), [0x0D, 0x0A, 0x0D, 0x00]),
        ([0x00, 0xFF, 0x09, 0x7F, 0x80], [0x00, 0xFF, 0x09, 0x7F, 0x80]),
        (bytes("#!ipxe\nchain http://x/boot.ipxe\n"), bytes("#!ipxe\r\nchain http://x/boot.ipxe\r\n")),
    ] as [([UInt8], [UInt8])])
    func encodes(_ input: [UInt8], _ expected: [UInt8]) {
        var encoder = NetasciiEncoder()
        #expect(encoder.encode(input) == expected)
        #expect(NetasciiEncoder.encodedLength(of: input) == expected.count)
        #expect(encoder.consumedCount == input.count)
        #expect(encoder.producedCount == expected.count)
    }

    @Test("a CR ending one chunk and an LF starting the next")
    func crLfAcrossChunks() {
        var encoder = NetasciiEncoder()
        let first = encoder.encode(bytes("line1\r"))
        let second = encoder.encode(bytes("\nline2\n"))
        #expect(first + second == bytes("line1\r") + [0] + bytes("\r\nline2\r\n"))
        #expect(encoder.producedCount == first.count + second.count)
    }

    @Test("splitting the input anywhere gives the same output")
    func everySplit() {
        let text = bytes("a\r\nb\n\rc\r\r\n\nd\re\n") + [0, 0x0D]
        var whole = NetasciiEncoder()
        let expected = whole.encode(text)
        for first in 0...text.count {
            for second in first...text.count {
                var encoder = NetasciiEncoder()
                let output = encoder.encode(text[..<first]) + encoder.encode(text[first..<second]) + encoder.encode(text[second...])
                #expect(output == expected, "split at \(first), \(second)")
            }
        }
        var byteWise = NetasciiEncoder()
        #expect(text.flatMap { byteWise.encode([$0]) } == expected)
        var empty = NetasciiEncoder()
        #expect(empty.encode([UInt8]()) == [])
    }

    @Test("encodedLength matches encode on random data, and decoding restores the input")
    func randomData() {
        var generator = Xorshift64(seed: 42)
        for _ in 0..<200 {
            let input = (0..<Int.random(in: 0...300, using: &generator)).map { _ in
                [0x0A, 0x0D, 0x00, 0x41, UInt8.random(in: 0...255, using: &generator)].randomElement(using: &generator)!
            }
            var encoder = NetasciiEncoder()
            let output = encoder.encode(input)
            #expect(NetasciiEncoder.encodedLength(of: input) == output.count)
            #expect(Self.decode(output) == input)
        }
    }

    /// The client's side (RFC 1350): CR LF → LF, CR NUL → CR.
    static func decode(_ bytes: [UInt8]) -> [UInt8]? {
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0x0D {
                guard index + 1 < bytes.count else { return nil }
                switch bytes[index + 1] {
                case 0x0A: output.append(0x0A)
                case 0x00: output.append(0x0D)
                default: return nil
                }
                index += 2
            } else if bytes[index] == 0x0A {
                return nil
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return output
    }
}
