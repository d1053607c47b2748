import Testing
import Wire

@testable import ProvisionCLI

@Suite("Render")
struct RenderTests {
    static let machine = JSONValue.object([
        ("mac", .string("aa:bb:cc:dd:ee:01")), ("hostname", .string("node1")), ("profile", .string("debian")),
        ("role", .null), ("cluster", .string("k3s")), ("ip", .null), ("state", .string("registered")),
        ("instanceId", .string("i-0011223344556677")), ("labels", .object([("rack", .string("r1")), ("zone", .string("b"))])),
        ("nics", .array([])), ("createdAt", .string("2026-11-21T10:00:00.000Z")), ("updatedAt", .string("2026-11-21T11:00:00.000Z")),
    ])

    static let event = JSONValue.object([
        ("id", .int(1)), ("at", .string("2026-11-21T10:00:00.000Z")), ("event", .string("register")), ("from", .null),
        ("to", .string("registered")), ("source", .string("api")), ("detail", .string("")),
    ])

    private func words(_ line: Substring) -> [String] { line.split(separator: " ").map(String.init) }

    @Test("machines: a header row, then one row per machine with '-' for nulls")
    func machinesTable() throws {
        let text = try Render.machines(.object([("machines", .array([Self.machine]))]), json: false)
        let lines = text.split(separator: "\n")
        try #require(lines.count == 2)
        #expect(words(lines[0]) == ["MAC", "HOSTNAME", "STATE", "PROFILE", "ROLE", "CLUSTER", "IP", "UPDATED"])
        #expect(words(lines[1]) == [
            "aa:bb:cc:dd:ee:01", "node1", "registered", "debian", "-", "k3s", "-", "2026-11-21T11:00:00.000Z",
        ])
    }

    @Test("machines: an empty list is the header alone")
    func machinesEmpty() throws {
        let text = try Render.machines(.object([("machines", .array([]))]), json: false)
        #expect(text.split(separator: "\n").count == 1)
        #expect(text.hasPrefix("MAC"))
    }

    @Test("machines --json is the array of machines, parseable")
    func machinesJSON() throws {
        let text = try Render.machines(.object([("machines", .array([Self.machine]))]), json: true)
        #expect(try JSONParser.parse(text) == .array([Self.machine]))
    }

    @Test("events: a header row and '-' for a null from and an empty detail")
    func eventsTable() throws {
        let text = try Render.events(.object([("events", .array([Self.event]))]), json: false)
        let lines = text.split(separator: "\n")
        try #require(lines.count == 2)
        #expect(words(lines[0]) == ["TIME", "EVENT", "FROM", "TO", "SOURCE", "DETAIL"])
        #expect(words(lines[1]) == ["2026-11-21T10:00:00.000Z", "register", "-", "registered", "api", "-"])
    }

    @Test("events --json is the array of events, parseable")
    func eventsJSON() throws {
        let text = try Render.events(.object([("events", .array([Self.event]))]), json: true)
        #expect(try JSONParser.parse(text) == .array([Self.event]))
    }

    @Test("machine: one 'field: value' line per field, '-' for nulls and empty lists")
    func machineText() throws {
        let text = try Render.machine(Self.machine, json: false)
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            try #require(parts.count == 2, "line \(line)")
            fields[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces)
        }
        #expect(fields["mac:"] == "aa:bb:cc:dd:ee:01")
        #expect(fields["hostname:"] == "node1")
        #expect(fields["state:"] == "registered")
        #expect(fields["role:"] == "-")
        #expect(fields["ip:"] == "-")
        #expect(fields["cluster:"] == "k3s")
        #expect(fields["instanceId:"] == "i-0011223344556677")
        #expect(fields["nics:"] == "-")
        #expect(fields["labels:"] == "rack=r1, zone=b")
        #expect(text.split(separator: "\n").first?.hasPrefix("mac:") == true)
    }

    @Test("machine: values line up in one column")
    func machineAligned() throws {
        let lines = try Render.machine(Self.machine, json: false).split(separator: "\n")
        let offsets = Set(lines.map { line in line.distance(from: line.startIndex, to: line.firstIndex(of: ":")!) + 1
                + line[line.index(after: line.firstIndex(of: ":")!)...].prefix { $0 == " " }.count })
        #expect(offsets.count == 1)
    }

    @Test("machine --json is the machine, parseable")
    func machineJSON() throws {
        #expect(try JSONParser.parse(Render.machine(Self.machine, json: true)) == Self.machine)
    }

    @Test("an empty answer is an error")
    func emptyAnswer() {
        #expect(throws: CLIError.self) { try Render.machine(nil, json: false) }
        #expect(throws: CLIError.self) { try Render.machines(nil, json: true) }
    }
}
