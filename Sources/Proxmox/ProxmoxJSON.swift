import Wire

/// PVE sends numbers as JSON numbers or as strings depending on the endpoint (`memory` in a
/// config, `nextid`): read both.
public enum ProxmoxJSON {
    public static func int(_ value: JSONValue?) -> Int? {
        value?.intValue ?? value?.stringValue.flatMap { Int($0) }
    }
}
