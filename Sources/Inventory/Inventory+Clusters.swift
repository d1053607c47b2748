import Wire

extension Inventory {
    /// Creates a cluster with a fresh join token.
    public func createCluster(_ spec: ClusterSpec, source: String) throws(InventoryError) -> Cluster {
        let name = try FieldRules.name(spec.name, field: "cluster name")
        let version = try spec.version.map { value throws(InventoryError) in try FieldRules.version(value) }
        let sans = try spec.tlsSANs.map { value throws(InventoryError) in try FieldRules.subjectAltName(value) }
        guard Set(sans).count == sans.count else { throw .invalid("a TLS SAN is listed twice") }
        let cluster = Cluster(name: name, kind: spec.kind, version: version, tlsSANs: sans, token: Secrets.clusterToken(),
                              firstServer: nil, createdAt: Timestamp.now())
        try write { database throws(InventoryError) in
            guard try ClusterRows.load(database, named: name) == nil else { throw .conflict("cluster \(name) already exists") }
            try ClusterRows.insert(database, cluster)
            // Machines registered with this cluster name before it existed join it now.
            try Self.reconcileFirstServer(database, name)
        }
        return try self.cluster(named: name)
    }

    public func cluster(named name: String) throws(InventoryError) -> Cluster {
        try run { database throws(InventoryError) in try ClusterRows.require(database, named: name) }
    }

    /// The cluster `machine` belongs to, or nil.
    public func cluster(of machine: Machine) throws(InventoryError) -> Cluster? {
        guard let name = machine.cluster else { return nil }
        return try lookups.answer(.cluster(name)) { () throws(InventoryError) in
            try read { database throws(InventoryError) in try ClusterRows.load(database, named: name) }
        }
    }

    public func clusters() throws(InventoryError) -> [Cluster] {
        try run { database throws(InventoryError) in try ClusterRows.all(database) }
    }

    /// A cluster's machines, oldest registration first.
    public func members(of name: String) throws(InventoryError) -> [Machine] {
        try clusterWithMembers(named: name).1
    }

    /// A cluster with its members, read in one go so they agree with each other.
    public func clusterWithMembers(named name: String) throws(InventoryError) -> (Cluster, [Machine]) {
        try run { database throws(InventoryError) in
            let cluster = try ClusterRows.require(database, named: name)
            let members = try ClusterRows.memberMACs(database, of: name).map { mac throws(InventoryError) in
                try MachineRows.require(database, matching: mac)
            }
            return (cluster, members)
        }
    }

    /// Deletes a cluster that no machine belongs to any more.
    public func deleteCluster(named name: String) throws(InventoryError) {
        try write { database throws(InventoryError) in
            _ = try ClusterRows.require(database, named: name)
            let members = try ClusterRows.memberMACs(database, of: name)
            guard members.isEmpty else {
                let listed = members.prefix(5).map(\.description).joined(separator: ", ")
                throw .conflict("cluster \(name) still has \(members.count) member(s) (\(listed)\(members.count > 5 ? ", ..." : "")): delete them or move them to another cluster first")
            }
            try database.statement("DELETE FROM clusters WHERE name = ?1").bind(.text(name)).run()
        }
    }

    /// Checks a machine's cluster and role: the cluster must exist and the role fit its kind. The
    /// role comes back in canonical form (kubespray roles in group order, comma-separated). Outside
    /// a cluster a role is a free name.
    static func checkMembership(_ database: Database, _ machine: inout Machine) throws(InventoryError) {
        guard let name = machine.cluster else {
            machine.role = try machine.role.map { role throws(InventoryError) in try FieldRules.name(role, field: "role") }
            return
        }
        guard let cluster = try ClusterRows.load(database, named: name) else {
            throw .invalid(InventoryError.clusterNotFound(name).description)
        }
        machine.role = try ClusterRoles.parse(machine.role, kind: cluster.kind, cluster: name).joined(separator: ",")
    }

    /// Keeps a k3s cluster's first server valid (DESIGN.md §9): the recorded one stays while it is
    /// a server of the cluster and not retired; otherwise the choice falls on a server that is
    /// already installed (it holds the datastore), then on the one registered first. Every new
    /// choice is an event on the chosen machine.
    static func reconcileFirstServer(_ database: Database, _ name: String?) throws(InventoryError) {
        guard let name, let cluster = try ClusterRows.load(database, named: name), cluster.kind == .k3s else { return }
        let servers = try ClusterRows.memberMACs(database, of: name)
            .map { mac throws(InventoryError) in try MachineRows.require(database, matching: mac) }
            .filter { $0.role == "server" && $0.state != .retired }
        if let current = cluster.firstServer, servers.contains(where: { $0.mac == current }) { return }
        let chosen = servers.first { [.installed, .ready].contains($0.state) } ?? servers.first
        guard chosen?.mac != cluster.firstServer else { return }
        try ClusterRows.setFirstServer(database, name, chosen?.mac)
        if let chosen {
            try EventRows.append(database, mac: chosen.mac, event: "k3s-first-server", from: chosen.state, to: chosen.state,
                                 source: "provisiond", detail: "cluster=\(name): runs cluster-init; the other members join it",
                                 at: Timestamp.now())
        }
    }
}
