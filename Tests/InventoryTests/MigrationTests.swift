import TestSupport
import Testing
import Wire
@testable import Inventory

@Suite("Schema migrations")
struct MigrationTests {
    static let latest = Schema.migrations.last!.version

    @Test("a fresh database reaches the latest version with every table")
    func fresh() throws {
        let directory = try TemporaryDirectory()
        let inventory = try Inventory(path: directory.databasePath)
        #expect(try inventory.schemaVersion() == Self.latest)
        let tables = try tableNames(directory.databasePath)
        #expect(tables.isSuperset(of: ["machines", "machine_nics", "machine_labels", "events", "settings", "schema_migrations"]))
        let recorded = try rows(directory.databasePath, "SELECT version, name FROM schema_migrations ORDER BY version", columns: 2)
        #expect(recorded.map { $0[0] } == Schema.migrations.map { String($0.version) })
        #expect(recorded.map { $0[1] } == Schema.migrations.map(\.name))
    }

    @Test("versions are increasing")
    func versionsIncrease() {
        let versions = Schema.migrations.map(\.version)
        #expect(versions.first == 1)
        #expect(versions == versions.sorted() && Set(versions).count == versions.count)
    }

    @Test("reopening applies nothing and keeps the data")
    func reopen() throws {
        let directory = try TemporaryDirectory()
        let registered: Machine
        do {
            let inventory = try Inventory(path: directory.databasePath)
            registered = try inventory.register(testMAC(1), spec("node1"), source: "test")
        }
        let database = try Database(path: directory.databasePath)
        #expect(try Migrator.migrate(database, to: Schema.migrations, now: { "later" }) == [])
        let inventory = try Inventory(path: directory.databasePath)
        #expect(try inventory.schemaVersion() == Self.latest)
        #expect(try inventory.machine(testMAC(1)) == registered)
        let count = try rows(directory.databasePath, "SELECT COUNT(*) FROM schema_migrations")
        #expect(count == [[String(Schema.migrations.count)]])
    }

    @Test("an existing database is upgraded in place")
    func upgrade() throws {
        let directory = try TemporaryDirectory()
        let first = Schema.migrations[0]
        let second = Migration(version: first.version + 1, name: "asset tags", sql: """
            ALTER TABLE machines ADD COLUMN asset_tag TEXT;
            CREATE TABLE racks (name TEXT PRIMARY KEY, row TEXT NOT NULL) STRICT;
            """)
        let registered: Machine
        do {
            let inventory = try Inventory(path: directory.databasePath, migrations: [first])
            #expect(try inventory.schemaVersion() == first.version)
            registered = try inventory.register(testMAC(7), spec("old-node", labels: ["rack": "r1"]), source: "test")
            try inventory.setSetting("ipxe.dir", "/usr/lib/ipxe")
        }
        #expect(!(try tableNames(directory.databasePath).contains("racks")))

        let database = try Database(path: directory.databasePath)
        #expect(try Migrator.migrate(database, to: [first, second], now: { "2026-01-01T00:00:00.000Z" }) == [second.version])

        let inventory = try Inventory(path: directory.databasePath, migrations: [first, second])
        #expect(try inventory.schemaVersion() == second.version)
        #expect(try inventory.machine(testMAC(7)) == registered)
        #expect(try inventory.setting("ipxe.dir") == "/usr/lib/ipxe")
        #expect(try tableNames(directory.databasePath).contains("racks"))
        let columns = try rows(directory.databasePath, "SELECT name FROM pragma_table_info('machines')").compactMap { $0[0] }
        #expect(columns.contains("asset_tag"))
        let recorded = try rows(directory.databasePath, "SELECT version, name, applied_at FROM schema_migrations ORDER BY version", columns: 3)
        #expect(recorded.count == 2)
        #expect(recorded.last == [String(second.version), "asset tags", "2026-01-01T00:00:00.000Z"])
    }

    @Test("a failing migration is rolled back whole and not recorded")
    func failing() throws {
        let directory = try TemporaryDirectory()
        let first = Schema.migrations[0]
        do {
            let inventory = try Inventory(path: directory.databasePath, migrations: [first])
            _ = try inventory.register(testMAC(3), spec("keeper"), source: "test")
        }
        let broken = Migration(version: first.version + 1, name: "half done", sql: """
            CREATE TABLE half (x INTEGER) STRICT;
            ALTER TABLE machines ADD COLUMN half_column TEXT;
            CREATE TABLE broken (;
            """)
        let error = inventoryError { () throws(InventoryError) in try Inventory(path: directory.databasePath, migrations: [first, broken]) }
        guard case .migrationFailed(let version, let name, let message)? = error else {
            Issue.record("expected migrationFailed, got \(String(describing: error))")
            return
        }
        #expect(version == broken.version)
        #expect(name == "half done")
        #expect(!message.isEmpty)
        #expect(error?.description.contains("migration \(broken.version)") == true)

        #expect(!(try tableNames(directory.databasePath).contains("half")))
        let columns = try rows(directory.databasePath, "SELECT name FROM pragma_table_info('machines')").compactMap { $0[0] }
        #expect(!columns.contains("half_column"))
        #expect(try rows(directory.databasePath, "SELECT MAX(version) FROM schema_migrations") == [[String(first.version)]])

        // The database is still usable at the old version.
        let inventory = try Inventory(path: directory.databasePath, migrations: [first])
        #expect(try inventory.machine(testMAC(3))?.hostname == "keeper")
    }

    @Test("a database from a newer provisiond is refused")
    func tooNew() throws {
        let directory = try TemporaryDirectory()
        do { _ = try Inventory(path: directory.databasePath) }
        do {
            let database = try Database(path: directory.databasePath)
            try database.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 'x')")
        }
        let error = inventoryError { () throws(InventoryError) in try Inventory(path: directory.databasePath) }
        #expect(error == .schemaTooNew(found: 99, supported: Self.latest))
        #expect(error?.description.contains("newer") == true)
        #expect(error?.description.contains("99") == true)
    }

    @Test("a migration that rebuilds a referenced table keeps the rows that refer to it")
    func tableRebuild() throws {
        let directory = try TemporaryDirectory()
        let registered: Machine
        do {
            let inventory = try Inventory(path: directory.databasePath)
            registered = try inventory.register(testMAC(4), spec("rebuilt", labels: ["rack": "r2"], nics: [testMAC(5)]), source: "test")
        }
        // SQLite's twelve-step table change: new table, copy, drop the old, rename. With foreign
        // keys on, the DROP would cascade to labels, NICs and events.
        let create = try #require(try rows(directory.databasePath, "SELECT sql FROM sqlite_master WHERE name = 'machines'").first?[0] ?? nil)
        let rebuild = Migration(version: Self.latest + 1, name: "machines rebuilt", sql: """
            \(create.replacingOccurrences(of: "CREATE TABLE machines", with: "CREATE TABLE machines_new"));
            INSERT INTO machines_new SELECT * FROM machines;
            DROP TABLE machines;
            ALTER TABLE machines_new RENAME TO machines;
            """)
        let inventory = try Inventory(path: directory.databasePath, migrations: Schema.migrations + [rebuild])
        #expect(try inventory.schemaVersion() == rebuild.version)
        #expect(try inventory.machine(testMAC(4)) == registered)
        #expect(try inventory.machine(testMAC(5))?.mac == testMAC(4))
        #expect(try inventory.events(testMAC(4)).map(\.event) == ["register"])
        // Foreign keys are enforced again afterwards: deleting the machine cascades.
        try inventory.delete(testMAC(4), source: "test")
        #expect(try rows(directory.databasePath, "SELECT COUNT(*) FROM machine_labels") == [["0"]])
    }

    @Test("a migration that leaves a dangling reference is rolled back, naming the table")
    func danglingReference() throws {
        let directory = try TemporaryDirectory()
        do { _ = try Inventory(path: directory.databasePath) }
        let dangling = Migration(version: Self.latest + 1, name: "orphan label", sql: """
            INSERT INTO machine_labels (machine_mac, key, value) VALUES ('02:00:00:00:00:99', 'rack', 'r9');
            """)
        let error = inventoryError { () throws(InventoryError) in
            try Inventory(path: directory.databasePath, migrations: Schema.migrations + [dangling])
        }
        guard case .migrationFailed(let version, _, let message)? = error else {
            Issue.record("expected migrationFailed, got \(String(describing: error))")
            return
        }
        #expect(version == dangling.version)
        #expect(message.contains("foreign key violation") && message.contains("machine_labels"), "\(message)")
        #expect(try rows(directory.databasePath, "SELECT COUNT(*) FROM machine_labels") == [["0"]])
        #expect(try rows(directory.databasePath, "SELECT MAX(version) FROM schema_migrations") == [[String(Self.latest)]])
    }
}
