/// Random identifiers and secrets. `SystemRandomNumberGenerator` reads the kernel's CSPRNG
/// (getrandom(2) on Linux), so these are fit for tokens.
public enum Secrets {
    /// `count` random bytes as lowercase hex.
    public static func hex(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        var text = ""
        text.reserveCapacity(count * 2)
        for _ in 0..<count {
            let byte = UInt8.random(in: .min ... .max, using: &generator)
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return text
    }

    /// A cloud-init instance-id: `i-` and 64 random bits.
    public static func instanceID() -> String { "i-" + hex(bytes: 8) }

    /// A machine's install token: 256 random bits.
    public static func installToken() -> String { hex(bytes: 32) }

    /// A cluster's join token: 256 random bits (k3s takes any string; kubespray does not use it).
    public static func clusterToken() -> String { hex(bytes: 32) }
}
