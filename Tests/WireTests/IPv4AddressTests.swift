import Testing
import Wire

@Suite("IPv4Address")
struct IPv4AddressTests {
    @Test("valid dotted decimal", arguments: [
        ("0.0.0.0", UInt32(0)),
        ("10.0.0.5", UInt32(0x0A00_0005)),
        ("192.168.1.254", UInt32(0xC0A8_01FE)),
        ("255.255.255.255", UInt32.max),
        ("1.20.100.0", UInt32(0x0114_6400)),
    ])
    func valid(_ text: String, _ raw: UInt32) throws {
        let address = try IPv4Address(text)
        #expect(address.rawValue == raw)
        #expect(address.description == text)
    }

    @Test("refused", arguments: [
        "010.0.0.1", "10.0.0.01", "10.00.0.1",  // leading zeros
        "256.0.0.1", "10.0.0.256", "999.1.1.1", "1000.1.1.1",
        "10.0.1",                                 // 3 parts
        "10.0.0.1.5",                             // 5 parts
        "10..0.1", ".10.0.0", "10.0.0.", "",
        " 10.0.0.1", "10.0.0.1 ", "10.0. 0.1",
        "+10.0.0.1", "10.-0.0.1", "-1.0.0.0", "10.0.0.+1",
        "0x0a.0.0.1", "a.b.c.d", "10.0.0.1/24",
    ])
    func refused(_ text: String) {
        let error = #expect(throws: IPv4AddressError.self) { try IPv4Address(text) }
        #expect(error?.input == text)
        #expect(error?.description.contains("\"\(text)\"") == true)
    }

    @Test("octet initialiser, octets and ordering")
    func octetsAndOrdering() throws {
        let address = IPv4Address(192, 168, 10, 7)
        #expect(address.octets == [192, 168, 10, 7])
        #expect(address == (try IPv4Address("192.168.10.7")))
        #expect(IPv4Address(10, 0, 0, 255) < IPv4Address(10, 0, 1, 0))
        #expect(IPv4Address(9, 255, 255, 255) < IPv4Address(10, 0, 0, 0))
    }
}
