import Testing
@testable import Proxmox

struct FingerprintTests {
    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined() }

    /// FIPS 180-4 examples (NIST CSRC "SHA256.pdf") and the empty message.
    @Test func sha256Vectors() {
        #expect(hex(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(hex(SHA256.hash([UInt8](repeating: 0x61, count: 1_000_000)))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func fingerprintFormsAndRefusals() throws {
        let colons = "E3:B0:C4:42:98:FC:1C:14:9A:FB:F4:C8:99:6F:B9:24:27:AE:41:E4:64:9B:93:4C:A4:95:99:1B:78:52:B8:55"
        let plain = try CertificateFingerprint("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(try CertificateFingerprint(colons) == plain)
        #expect(plain.description == colons)
        #expect(CertificateFingerprint(certificate: []) == plain)
        #expect(throws: ProxmoxError.self) { try CertificateFingerprint("AB:CD") }
        #expect(throws: ProxmoxError.self) { try CertificateFingerprint(String(repeating: "zz", count: 32)) }
    }

    @Test func pemRoundTripAndErrors() throws {
        let der: [UInt8] = Array(0..<200)
        #expect(try PEMCertificates.decode("junk\n" + PEMCertificates.encode(der) + PEMCertificates.encode([1, 2])) == [der, [1, 2]])
        #expect(throws: ProxmoxError.self) { try PEMCertificates.decode("-----BEGIN CERTIFICATE-----\nAAAA\n") }
        #expect(throws: ProxmoxError.self) { try PEMCertificates.decode("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n") }
    }
}
