import Boot
import Testing
import Wire

@Suite("ConfiguredAddresses: what a machine's own network configuration gives it") struct ConfiguredAddressesTests {
    private func extract(_ text: String) -> [String] { ConfiguredAddresses.extract(text).map(\.description) }

    @Test("netplan v2: inline and block lists, routes and nameservers ignored")
    func netplan() {
        #expect(extract("""
            version: 2
            ethernets:
              eth0:
                match:
                  macaddress: 52:54:00:00:00:01
                addresses: [10.81.0.201/24, "10.81.0.202/24"]
                routes:
                  - to: 0.0.0.0/0
                    via: 10.81.0.1
                nameservers:
                  addresses: [10.81.0.1]
              eth1:
                addresses:
                  - 192.168.5.7/24   # the storage network
                  - fd00::7/64
                dhcp4: false
            """) == ["10.81.0.201", "10.81.0.202", "192.168.5.7"])
    }

    @Test("network config v1 subnets and ENI")
    func v1AndENI() {
        #expect(extract("""
            version: 1
            config:
              - type: physical
                name: eth0
                subnets:
                  - type: static
                    address: 10.0.0.9/24
                    gateway: 10.0.0.1
            """) == ["10.0.0.9"])
        #expect(extract("subnets:\n  - address: 10.0.0.10/24\n    type: static\n") == ["10.0.0.10"])
        #expect(extract("""
            auto eth0
            iface eth0 inet static
                address 10.81.0.201/24
                gateway 10.81.0.1
            """) == ["10.81.0.201"])
    }

    @Test("nothing from DHCP-only configs, macaddress lines or malformed literals")
    func nothing() {
        #expect(extract("version: 2\nethernets:\n  eth0:\n    dhcp4: true\n    macaddress: 52:54:00:00:00:01\n").isEmpty)
        #expect(extract("addresses: [10.0.0.300/24, 0.0.0.0/0]").isEmpty)
    }
}
