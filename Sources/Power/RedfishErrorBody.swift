import Wire

/// The text of a Redfish error response (DSP0266 §9.6.3): `error.message` and each
/// `error.@Message.ExtendedInfo[].Message`, which is where BMCs say what was wrong.
public enum RedfishErrorBody {
    public static func message(_ body: [UInt8], reason: String) -> String {
        guard let json = try? JSONParser.parse(body), let error = json["error"] else {
            let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return text.isEmpty ? reason : text
        }
        var parts: [String] = []
        if let message = error["message"]?.stringValue { parts.append(message) }
        for info in error["@Message.ExtendedInfo"]?.arrayValue ?? [] {
            guard let message = info["Message"]?.stringValue, !parts.contains(message) else { continue }
            parts.append(message + (info["Resolution"]?.stringValue.map { " (\($0))" } ?? ""))
        }
        return parts.isEmpty ? reason : parts.joined(separator: "; ")
    }
}
