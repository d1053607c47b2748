import Foundation
import Testing
import Wire

@Suite("MACAddress")
struct MACAddressTests {
    @Test("every accepted form yields the canonical lowercase colon form", arguments: [
        "aa:bb:cc:dd:ee:ff",
        "AA:BB:CC:DD:EE:FF",
        "AA-BB-CC-DD-EE-FF",
        "aa-bb-cc-dd-ee-ff",
        "aabb.ccdd.eeff",
        "AABB.CCDD.EEFF",
        "aabbccddeeff",
        "AaBbCcDdEeFf",
        "01-aa-bb-cc-dd-ee-ff",
        "01:aa:bb:cc:dd:ee:ff",
        "01-AA-BB-CC-DD-EE-FF",
    ])
    func acceptedForms(_ text: String) throws {
        let mac = try MACAddress(text)
        #expect(mac.description == "aa:bb:cc:dd:ee:ff")
        #expect(mac.rawValue == 0xAABB_CCDD_EEFF)
        #expect(mac.octets == [0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF])
    }

    @Test("digits keep their value in every position")
    func digitsInEveryPosition() throws {
        #expect(try MACAddress("01:23:45:67:89:ab").description == "01:23:45:67:89:ab")
        #expect(try MACAddress("0123.4567.89AB").description == "01:23:45:67:89:ab")
        #expect(try MACAddress("0123456789aB").description == "01:23:45:67:89:ab")
        #expect(try MACAddress("01-00-00-00-00-00-01").description == "00:00:00:00:00:01")
    }

    @Test("malformed input is refused and named in the error", arguments: [
        "",
        "aa:bb:cc:dd:ee",            // 5 groups
        "aa:bb:cc:dd:ee:ff:00",      // 7 groups without the 01 prefix
        "aa:bb-cc:dd:ee:ff",         // mixed separators
        "aa-bb-cc-dd-ee:ff",
        "01-aa:bb:cc:dd:ee:ff",
        "gg:bb:cc:dd:ee:ff",         // not hex
        "aa:bb:cc:dd:ee:fz",
        "aabbccddeefg",
        "a:b:c:d:e:f",               // 1-digit groups
        "a:bb:cc:dd:ee:fff",
        "aab.bccd.deeff",            // Cisco dots in the wrong places
        "aabb:ccdd:eeff",
        "aabb.ccdd-eeff",
        "aa.bbcc.ddeeff",
        "02-aa-bb-cc-dd-ee-ff",      // hardware type other than 1
        "00:aa:bb:cc:dd:ee:ff",
        "aa:bb:cc:dd:ee:ff ",        // trailing / leading spaces
        " aa:bb:cc:dd:ee:ff",
        "aabbccddeeff\n",
        "aa bb cc dd ee ff",
        "aa:bb:cc:dd:ee:ff:",
        "+abbccddeeff",
        "aabbccddeef",
        "aabbccddeeff0",
    ])
    func refused(_ text: String) {
        let error = #expect(throws: MACAddressError.self) { try MACAddress(text) }
        #expect(error?.input == text)
        #expect(error?.description.contains("\"\(text)\"") == true)
    }

    @Test("isUnicast", arguments: [
        ("01:00:5e:00:00:fb", false),  // IPv4 multicast
        ("33:33:00:00:00:01", false),  // IPv6 multicast
        ("ff:ff:ff:ff:ff:ff", false),  // broadcast
        ("00:00:00:00:00:00", false),  // all zero
        ("52:54:00:12:34:56", true),   // QEMU
        ("02:00:00:00:00:01", true),   // locally administered unicast
        ("00:00:00:00:00:01", true),
        ("fe:ff:ff:ff:ff:ff", true),
    ])
    func unicast(_ text: String, _ expected: Bool) throws {
        #expect(try MACAddress(text).isUnicast == expected)
    }

    @Test("octets round trip")
    func octetsRoundTrip() throws {
        let octets: [UInt8] = [0x52, 0x54, 0x00, 0x0A, 0xBC, 0xFF]
        let mac = try MACAddress(octets: octets)
        #expect(mac.octets == octets)
        #expect(mac.description == "52:54:00:0a:bc:ff")
        #expect(try MACAddress(mac.description) == mac)
    }

    @Test("octets of the wrong count are refused", arguments: [0, 5, 7])
    func wrongOctetCount(_ count: Int) {
        #expect(throws: MACAddressError.self) { try MACAddress(octets: Array(repeating: 1, count: count)) }
    }

    @Test("ordering follows the octets")
    func ordering() throws {
        let macs = try ["aa:00:00:00:00:00", "00:00:00:00:00:02", "00:00:00:00:01:00", "00:00:00:00:00:10"].map { text throws in
            try MACAddress(text)
        }
        #expect(macs.sorted().map(\.description) == [
            "00:00:00:00:00:02", "00:00:00:00:00:10", "00:00:00:00:01:00", "aa:00:00:00:00:00",
        ])
        #expect(try MACAddress("00:00:00:00:00:ff") < MACAddress("00:00:00:00:01:00"))
        #expect(!(try MACAddress("aa:bb:cc:dd:ee:ff") < MACAddress("AA-BB-CC-DD-EE-FF")))
    }

    @Test("forms of one address are equal and hash alike")
    func equalityAcrossForms() throws {
        let forms = try ["aa:bb:cc:dd:ee:ff", "AABB.CCDD.EEFF", "01-aa-bb-cc-dd-ee-ff"].map { text throws in try MACAddress(text) }
        #expect(Set(forms).count == 1)
    }

    @Test("hexString: two lowercase digits per byte, from any byte sequence")
    func hexString() {
        #expect([UInt8]().hexString == "")
        #expect([0x00, 0x0a, 0xff, 0x7f].hexString == "000aff7f")
        #expect((0...255).map(UInt8.init).hexString == (0...255).map { String(format: "%02x", $0) }.joined())
        #expect([UInt8](repeating: 0xab, count: 3).lazy.map { $0 ^ 0x01 }.hexString == "aaaaaa")
    }
}
