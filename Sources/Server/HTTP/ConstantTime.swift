/// Secret comparison in time that does not depend on where the inputs first differ.
enum ConstantTime {
    static func equal(_ given: some Collection<UInt8>, _ secret: [UInt8]) -> Bool {
        let given = Array(given)
        var difference = UInt8(given.count == secret.count ? 0 : 1)
        for index in secret.indices {
            difference |= secret[index] ^ (index < given.count ? given[index] : 0)
        }
        return difference == 0
    }
}
