import Foundation
import Wire

/// PVE's JSON answers: `{"data": ...}` on success; on failure the HTTP status with `message` and,
/// for a failed parameter check, `errors` per field (PVE::APIServer::Formatter). Some failures
/// (a proxy, 595 "No route to host") carry the text in the status line's reason phrase only.
public enum ProxmoxEnvelope {
    public static func data(status: Int, reason: String, body: [UInt8]) throws(ProxmoxError) -> JSONValue {
        let parsed = try? JSONParser.parse(body)
        guard (200..<300).contains(status) else { throw error(status: status, reason: reason, body: parsed) }
        guard let parsed else { throw .malformed("HTTP \(status) with a body that is not JSON") }
        guard let data = parsed["data"] else { throw .malformed("HTTP \(status) without a data member") }
        return data
    }

    static func error(status: Int, reason: String, body: JSONValue?) -> ProxmoxError {
        var message = body?["message"]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if message.isEmpty { message = reason.isEmpty ? "HTTP \(status)" : reason }
        var fields: [String: String] = [:]
        for (key, value) in body?["errors"]?.objectValue ?? [] {
            fields[key] = (value.stringValue ?? value.encoded()).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return .api(status: status, message: message, fieldErrors: fields)
    }
}
