import Clusters
import Wire

/// A member with the MAC derived from its number, for short test tables.
func member(_ number: UInt8, _ name: String, _ roles: Set<KubesprayRole>, _ phase: KubesprayMember.Phase = .pending,
            ip: IPv4Address? = nil) -> KubesprayMember {
    KubesprayMember(mac: mac(number), name: name, ip: ip ?? IPv4Address(10, 0, 0, number), roles: roles, phase: phase)
}

func mac(_ number: UInt8) -> MACAddress { try! MACAddress(octets: [0x52, 0x54, 0, 0, 0, number]) }

/// Three control-plane+etcd hosts and two nodes, given in scrambled order.
func threePlusTwo(_ phase: KubesprayMember.Phase = .pending) -> [KubesprayMember] {
    [member(5, "node2", [.node], phase), member(1, "cp1", [.controlPlane, .etcd], phase), member(4, "node1", [.node], phase),
     member(3, "cp3", [.controlPlane, .etcd], phase), member(2, "cp2", [.controlPlane, .etcd], phase)]
}
