import Clusters
import Inventory
import Wire

/// A kubespray cluster's current inventory, rendered from its members as they are in the
/// inventory now (retired machines are not members). Used by the deployer and by
/// `GET /api/v1/clusters/{name}/inventory`.
enum KubesprayClusterInventory {
    enum Failure: Error, CustomStringConvertible {
        case notKubespray(String)
        /// Members that kubespray would refuse: the message reads like its own assertion.
        case invalid(String)
        /// No such cluster (`.clusterNotFound`), or the store failed.
        case store(InventoryError)

        var description: String {
            switch self {
            case .notKubespray(let name): "cluster \(name) is not a kubespray cluster: only kubespray clusters have an inventory"
            case .invalid(let message): message
            case .store(let error): error.description
            }
        }
    }

    static func load(_ inventory: Inventory, cluster name: String) throws(Failure) -> KubesprayInventory {
        let (cluster, machines): (Cluster, [Machine])
        var addresses: [MACAddress: IPv4Address] = [:]
        do {
            (cluster, machines) = try inventory.clusterWithMembers(named: name)
            for machine in machines { addresses[machine.mac] = try inventory.address(of: machine) }
        } catch { throw .store(error) }
        guard cluster.kind == .kubespray else { throw .notKubespray(name) }
        do {
            let members = try machines.compactMap { machine throws(KubesprayRoleError) in
                try KubesprayMember(machine, address: addresses[machine.mac])
            }
            return try KubesprayInventory(members: members)
        } catch let error as KubesprayRoleError {
            throw .invalid(error.description)
        } catch let error as KubesprayInventoryError {
            throw .invalid(error.description)
        } catch {
            throw .invalid("\(error)")
        }
    }
}
