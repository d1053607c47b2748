import Foundation
import Glibc
import Inventory
import TestSupport
import Testing
import Wire

@testable import Server

@Suite("HookRunner")
struct HookRunnerTests {
    private let directory: TemporaryDirectory
    private let inventory: Inventory
    private let mac = try! MACAddress("52:54:00:00:70:01")

    init() throws {
        directory = try TemporaryDirectory()
        inventory = try Inventory(path: directory.file("provision.db"))
        try FileManager.default.createDirectory(atPath: directory.file("hooks"), withIntermediateDirectories: true)
        _ = try inventory.createCluster(ClusterSpec(name: "lab", kind: .kubespray), source: "test")
    }

    private func hook(_ name: String, _ body: String, executable: Bool = true) throws {
        let path = try directory.write("hooks/" + name, "#!/bin/sh\n" + body + "\n")
        chmod(path, executable ? 0o755 : 0o644)
    }

    private func runner(timeout: Double = 5, hooksDir: String? = nil, queueLimit: Int = 1000) -> HookRunner {
        HookRunner(directory: hooksDir ?? directory.file("hooks"), timeout: timeout, inventory: inventory,
                   log: Logger(component: "hooks", minimum: .error), path: "/usr/bin:/bin", home: "/var/lib/provisiond",
                   queueLimit: queueLimit)
    }

    /// A hook that logs each run (`EVENT MAC HOSTNAME`) and holds the first one until the test
    /// opens the returned FIFO for writing, so the next events queue up behind it.
    private func blockingHook() throws -> (log: String, gate: String) {
        let log = directory.file("runs"), gate = directory.file("gate")
        #expect(mkfifo(gate, 0o600) == 0)
        try hook("10-log", """
            echo "$EVENT $MAC $HOSTNAME" >> \(log)
            if [ ! -e \(log).held ]; then touch \(log).held; read line < \(gate); fi
            """)
        return (log, gate)
    }

    private func release(_ gate: String) throws {
        let writer = try #require(FileHandle(forWritingAtPath: gate))
        writer.write(Data("go\n".utf8))
        try writer.close()
    }

    private func runs(_ log: String) -> [String] {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test("changes of one machine and event that wait behind a running hook become one run, which sees the latest machine")
    func coalesces() throws {
        let (log, gate) = try blockingHook()
        var machine = try machine()
        let other = try inventory.register(try MACAddress("52:54:00:00:70:02"), MachineSpec(hostname: "node2", profile: "debian"), source: "test")
        // A generous time limit: the first run waits for the test, which may be slow under load.
        let hooks = runner(timeout: 120)
        hooks.fire("register", machine)
        try #require(eventually(seconds: 30) { runs(log).count == 1 }, "the first run never started")
        for name in ["a", "b", "c"] {
            machine.hostname = name
            hooks.fire("update", machine)
        }
        hooks.fire("update", other)
        #expect(hooks.pending.value == 3)
        try release(gate)
        hooks.drain()
        #expect(runs(log) == ["register 52:54:00:00:70:01 node1", "update 52:54:00:00:70:01 c", "update 52:54:00:00:70:02 node2"])
    }

    @Test("beyond the queue limit, discovered machines' events are dropped and registered machines' are not")
    func boundsTheQueue() throws {
        let (log, gate) = try blockingHook()
        let hooks = runner(timeout: 120, queueLimit: 2)
        let registered = try machine()
        hooks.fire("register", registered)
        try #require(eventually(seconds: 30) { runs(log).count == 1 }, "the first run never started")
        var strangers: [Machine] = []
        for index in 1...4 {
            strangers.append(try inventory.discover(try MACAddress(octets: [0x52, 0x54, 0x00, 0x00, 0x71, UInt8(index)]), source: "dhcp", detail: ""))
        }
        for stranger in strangers { hooks.fire("discover", stranger) }
        hooks.fire("update", registered)
        try release(gate)
        hooks.drain()
        #expect(runs(log) == ["register 52:54:00:00:70:01 node1", "discover 52:54:00:00:71:01 ", "discover 52:54:00:00:71:02 ",
                              "update 52:54:00:00:70:01 node1"])
    }

    private func machine() throws -> Machine {
        try inventory.register(mac, MachineSpec(hostname: "node1", profile: "debian", role: "node", cluster: "lab",
                                                ip: try IPv4Address("10.0.0.7")), source: "test")
    }

    private func events() throws -> [MachineEvent] { try inventory.events(mac).filter { $0.event == "hook-failed" } }

    @Test("hooks get the event and the machine in the environment and as JSON on stdin, in name order")
    func delivers() throws {
        let out = directory.file("out")
        try hook("10-env", "env | grep -E '^(EVENT|MAC|HOSTNAME|IP|ROLE|CLUSTER|PROFILE|STATE|PATH|HOME)=' | sort > \(out).env")
        try hook("20-stdin", "cat > \(out).json; echo second >> \(out).env")
        let machine = try machine()
        // A generous time limit: the first run waits for the test, which may be slow under load.
        let hooks = runner(timeout: 120)
        hooks.fire("register", machine)
        hooks.drain()
        #expect(try String(contentsOfFile: out + ".env", encoding: .utf8) == """
            CLUSTER=lab
            EVENT=register
            HOME=/var/lib/provisiond
            HOSTNAME=node1
            IP=10.0.0.7
            MAC=52:54:00:00:70:01
            PATH=/usr/bin:/bin
            PROFILE=debian
            ROLE=node
            STATE=registered
            second

            """)
        let json = try JSONParser.parse(Array(try String(contentsOfFile: out + ".json", encoding: .utf8).utf8))
        #expect(json == MachineJSON.machine(machine))
        #expect(json["hostname"] == .string("node1") && json["installToken"] == nil)
        #expect(try events().isEmpty)
    }

    @Test("a fired event counts as pending from the moment fire returns until its hooks are done")
    func pending() throws {
        let gate = directory.file("gate")
        try hook("wait", "while [ ! -e \(gate) ]; do sleep 0.01; done")
        let hooks = runner(timeout: 60)
        hooks.fire("register", try machine())
        #expect(hooks.pending.value == 1)
        #expect(FileManager.default.createFile(atPath: gate, contents: nil))
        hooks.drain()
        #expect(hooks.pending.value == 0)
    }

    @Test("absent fields are empty strings")
    func emptyFields() throws {
        let out = directory.file("env")
        try hook("env", "echo \"[$IP][$ROLE][$CLUSTER]\" > \(out)")
        let machine = try inventory.register(mac, MachineSpec(hostname: "bare", profile: "debian"), source: "test")
        // A generous time limit: the first run waits for the test, which may be slow under load.
        let hooks = runner(timeout: 120)
        hooks.fire("register", machine)
        hooks.drain()
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "[][][]\n")
    }

    @Test("a failing hook and a hanging one leave hook-failed events; later hooks still run")
    func failures() throws {
        let out = directory.file("ran")
        try hook("1-fails", "echo 'disk full' >&2; exit 3")
        try hook("2-hangs", "echo waiting; sleep 30")
        try hook("3-runs", "echo ran > \(out)")
        let hooks = runner(timeout: 0.5)
        let started = Date()
        hooks.fire("phone-home", try machine())
        hooks.drain()
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(FileManager.default.fileExists(atPath: out))
        let failed = try events()
        #expect(failed.map(\.detail) == ["1-fails on phone-home: exit 3: disk full", "2-hangs on phone-home: timed out after 0.5 s: waiting"])
        #expect(failed.allSatisfy { $0.source == "hooks" })
    }

    @Test("non-executable files, hidden files and folders are skipped; a missing directory runs nothing")
    func skips() throws {
        try hook("notes.txt", "exit 1", executable: false)
        try hook(".hidden", "exit 1")
        try FileManager.default.createDirectory(atPath: directory.file("hooks/sub"), withIntermediateDirectories: true)
        let machine = try machine()
        // A generous time limit: the first run waits for the test, which may be slow under load.
        let hooks = runner(timeout: 120)
        hooks.fire("register", machine)
        hooks.drain()
        #expect(try events().isEmpty)
        let missing = runner(hooksDir: directory.file("nowhere"))
        missing.fire("register", machine)
        missing.drain()
        #expect(try events().isEmpty)
    }

    @Test("a hook on a machine that is gone is logged, not recorded, and nothing breaks")
    func deletedMachine() throws {
        try hook("fails", "exit 1")
        let machine = try machine()
        try inventory.delete(mac)
        let hooks = runner()
        hooks.fire("delete", machine)
        hooks.drain()
        #expect(try inventory.machine(mac) == nil)
    }
}
