import Wire

/// Reading and writing cluster rows inside a transaction.
enum ClusterRows {
    static let columns = "name, kind, version, tls_sans, token, first_server, created_at"

    static func load(_ database: Database, named name: String) throws(InventoryError) -> Cluster? {
        let statement = try database.statement("SELECT \(columns) FROM clusters WHERE name = ?1").bind(.text(name))
        guard try statement.step() else { return nil }
        return try decode(statement)
    }

    static func require(_ database: Database, named name: String) throws(InventoryError) -> Cluster {
        guard let cluster = try load(database, named: name) else {
            throw .clusterNotFound(name)
        }
        return cluster
    }

    static func all(_ database: Database) throws(InventoryError) -> [Cluster] {
        let statement = try database.statement("SELECT \(columns) FROM clusters ORDER BY name")
        var clusters: [Cluster] = []
        while try statement.step() { clusters.append(try decode(statement)) }
        return clusters
    }

    static func insert(_ database: Database, _ cluster: Cluster) throws(InventoryError) {
        try database.statement("INSERT INTO clusters (\(columns)) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)").bind(
            .text(cluster.name), .text(cluster.kind.rawValue), SQLValue(cluster.version), .text(cluster.tlsSANs.joined(separator: "\n")),
            .text(cluster.token), SQLValue(cluster.firstServer?.description), .text(cluster.createdAt)
        ).run()
    }

    static func setFirstServer(_ database: Database, _ name: String, _ mac: MACAddress?) throws(InventoryError) {
        try database.statement("UPDATE clusters SET first_server = ?2 WHERE name = ?1")
            .bind(.text(name), SQLValue(mac?.description)).run()
    }

    /// The MACs of a cluster's machines, oldest registration first.
    static func memberMACs(_ database: Database, of name: String) throws(InventoryError) -> [MACAddress] {
        let statement = try database.statement("SELECT mac FROM machines WHERE cluster = ?1 ORDER BY created_at, mac").bind(.text(name))
        var macs: [MACAddress] = []
        while try statement.step() {
            do { macs.append(try MACAddress(statement.text(0) ?? "")) } catch { throw .invalid("stored MAC \(statement.text(0) ?? "NULL") is not canonical") }
        }
        return macs
    }

    private static func decode(_ row: Statement) throws(InventoryError) -> Cluster {
        let name = row.text(0) ?? ""
        guard let kind = ClusterKind(rawValue: row.text(1) ?? "") else { throw .invalid("cluster row \(name) has unknown kind \(row.text(1) ?? "NULL")") }
        var firstServer: MACAddress?
        if let text = row.text(5) {
            do { firstServer = try MACAddress(text) } catch { throw .invalid("cluster row \(name) has bad first_server \(text)") }
        }
        let sans = (row.text(3) ?? "").split(separator: "\n").map(String.init)
        return Cluster(name: name, kind: kind, version: row.text(2), tlsSANs: sans, token: row.text(4) ?? "", firstServer: firstServer,
                       createdAt: row.text(6) ?? "")
    }
}
