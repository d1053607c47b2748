// swift-tools-version:6.0
// provisiond: bare-metal provisioning server. No package dependencies by design (DESIGN.md §2):
// Foundation, Dispatch, Glibc and the system libsqlite3 only.
import PackageDescription

let package = Package(
    name: "provisiond",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "provisiond", targets: ["provisiond"]),
        .executable(name: "provisionctl", targets: ["provisionctl"]),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // epoll(7) and eventfd(2) from glibc's headers, for the HTTP event loops (`Net`).
        .systemLibrary(name: "CEpoll"),
        .target(name: "Wire"),
        .target(name: "Net", dependencies: ["CEpoll"]),
        .target(name: "Clusters", dependencies: ["Wire"]),
        // Value types of machines, leases, clusters and the lifecycle table: pure, no SQLite.
        .target(name: "Model", dependencies: ["Wire", "Clusters"]),
        .target(name: "Inventory", dependencies: ["CSQLite", "Wire", "Clusters", "Model"]),
        .target(name: "Boot", dependencies: ["Wire", "Model"]),
        .target(name: "Proxmox", dependencies: ["Wire"]),
        // Power control: Redfish shapes and client (over Proxmox's curl transport), ipmitool's
        // arguments and output, the operation planner. No sockets of its own.
        .target(name: "Power", dependencies: ["Wire", "Proxmox"]),
        // Prometheus metric families, the registry and the text format: pure, no sockets.
        .target(name: "Metrics"),
        // provisionctl doctor's checks and their verdicts: pure, shared by the server and the CLI.
        .target(name: "Doctor", dependencies: ["Wire"]),
        .target(name: "Server", dependencies: ["Wire", "Net", "Inventory", "Boot", "Clusters", "Proxmox", "Power", "Metrics", "Doctor"]),
        .executableTarget(name: "provisiond", dependencies: ["Server", "Net"]),
        .target(name: "ProvisionCLI", dependencies: ["Wire", "Doctor"]),
        .executableTarget(name: "provisionctl", dependencies: ["ProvisionCLI"]),

        // What several test targets share (temporary directories).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "WireTests", dependencies: ["Wire"], exclude: ["Fixtures"]),
        .testTarget(name: "NetTests", dependencies: ["Net", "TestSupport"]),
        .testTarget(name: "InventoryTests", dependencies: ["Inventory", "TestSupport"]),
        .testTarget(name: "BootTests", dependencies: ["Boot", "Model"]),
        .testTarget(name: "ClustersTests", dependencies: ["Clusters"]),
        .testTarget(name: "ProxmoxTests", dependencies: ["Proxmox"]),
        .testTarget(name: "PowerTests", dependencies: ["Power", "Proxmox", "Wire"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics"]),
        .testTarget(name: "DoctorTests", dependencies: ["Doctor", "Wire"]),
        .testTarget(name: "ServerTests", dependencies: ["Server", "TestSupport"]),
        .testTarget(name: "ProvisionCLITests", dependencies: ["ProvisionCLI", "TestSupport"]),
        // The Support scripts run as separate programs (python3, sh), found through #filePath.
        .testTarget(name: "IntegrationTests", dependencies: ["ProvisionCLI", "Inventory", "Wire", "Proxmox", "Power", "TestSupport"],
                    exclude: ["Support/apply_write_files.py", "Support/dhcp_flood.py", "Support/dhcp_probe.py",
                              "Support/fakepve_setup.py", "Support/ipmi_bmc.py", "Support/k3s_member.sh", "Support/router_advertiser.py",
                              "Support/systemd_service_check.sh", "Support/boot_plane_strangers.py",
                              "Support/power_rig.py",
                              "Support/dhcp_burst.py"]),
    ]
)
