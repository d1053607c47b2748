/// A PVE task id: `UPID:NODE:PID:PSTART:STARTTIME:TYPE:ID:USER:` with PID, PSTART and STARTTIME
/// in hex (PVE::Tools::upid_decode). Its node is where the task's status is read.
public struct UPID: Equatable, Sendable, CustomStringConvertible {
    public let text: String
    public let node: String
    public let pid: Int
    public let startTime: Int
    public let type: String
    public let id: String
    public let user: String

    public init(_ text: String) throws(ProxmoxError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        // Nine fields: the trailing colon leaves an empty last one.
        guard parts.count == 9, parts[0] == "UPID", !parts[1].isEmpty, parts[8].isEmpty,
              let pid = Int(parts[2], radix: 16), Int(parts[3], radix: 16) != nil, let start = Int(parts[4], radix: 16),
              !parts[5].isEmpty, !parts[7].isEmpty
        else { throw .malformed("not a task id (UPID): \(text)") }
        self.text = text
        node = parts[1]
        self.pid = pid
        startTime = start
        type = parts[5]
        id = parts[6]
        user = parts[7]
    }

    public var description: String { text }
}
