import Glibc

/// A failed socket call: what was attempted, on which address, and errno.
public struct NetError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let address: String
    public let errno: Int32

    public init(_ operation: String, address: String, errno: Int32 = Glibc.errno) {
        self.operation = operation
        self.address = address
        self.errno = errno
    }

    public var description: String {
        var text = "\(operation) \(address): \(String(cString: strerror(errno)))"
        if errno == EACCES, operation == "bind" {
            text += " (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
        } else if errno == EADDRINUSE {
            text += " (another process listens there)"
        }
        return text
    }
}
