/// provisiond's schema history. Append new migrations; never edit a released one.
public enum Schema {
    public static let migrations: [Migration] = [
        Migration(version: 1, name: "machines, nics, labels, events, settings", sql: """
            CREATE TABLE machines (
                mac TEXT PRIMARY KEY,            -- canonical aa:bb:cc:dd:ee:ff
                hostname TEXT UNIQUE,            -- lowercase; NULL while only discovered
                profile TEXT,
                role TEXT,
                cluster TEXT,
                ip TEXT UNIQUE,
                state TEXT NOT NULL CHECK (state IN
                    ('discovered','registered','booting','installing','installed','ready','failed','retired')),
                instance_id TEXT NOT NULL,
                install_token TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            ) STRICT;
            CREATE INDEX machines_state ON machines(state);

            CREATE TABLE machine_nics (
                mac TEXT PRIMARY KEY,
                machine_mac TEXT NOT NULL REFERENCES machines(mac) ON DELETE CASCADE
            ) STRICT;
            CREATE INDEX machine_nics_machine ON machine_nics(machine_mac);

            CREATE TABLE machine_labels (
                machine_mac TEXT NOT NULL REFERENCES machines(mac) ON DELETE CASCADE,
                key TEXT NOT NULL,
                value TEXT NOT NULL,
                PRIMARY KEY (machine_mac, key)
            ) STRICT;

            CREATE TABLE events (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                mac TEXT NOT NULL REFERENCES machines(mac) ON DELETE CASCADE,
                at TEXT NOT NULL,
                event TEXT NOT NULL,
                from_state TEXT,
                to_state TEXT,
                source TEXT NOT NULL,
                detail TEXT NOT NULL DEFAULT ''
            ) STRICT;
            CREATE INDEX events_mac ON events(mac, id);
            CREATE TRIGGER events_append_only BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

            CREATE TABLE settings (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL,
                updated_at TEXT NOT NULL
            ) STRICT;
            """),
        Migration(version: 2, name: "DHCP leases and network sightings", sql: """
            CREATE TABLE leases (
                ip TEXT PRIMARY KEY,
                mac TEXT NOT NULL,               -- canonical; not a foreign key: any client may lease
                client_id TEXT,                  -- option 61 as hex
                hostname TEXT,                   -- option 12 as the client sent it
                state TEXT NOT NULL CHECK (state IN ('bound','declined','released')),
                expires_at INTEGER NOT NULL,     -- Unix seconds
                updated_at TEXT NOT NULL
            ) STRICT;
            CREATE INDEX leases_mac ON leases(mac);

            -- What a machine's DHCP requests told about it (DESIGN.md §3: discovered machines).
            CREATE TABLE sightings (
                mac TEXT PRIMARY KEY REFERENCES machines(mac) ON DELETE CASCADE,
                arch INTEGER,                    -- option 93
                uuid TEXT,                       -- option 97
                vendor_class TEXT,               -- option 60
                user_class TEXT,                 -- option 77
                relay TEXT,                      -- giaddr
                circuit_id TEXT,                 -- option 82.1 as hex
                remote_id TEXT,                  -- option 82.2 as hex
                first_seen TEXT NOT NULL,
                last_seen TEXT NOT NULL
            ) STRICT;
            """),
        Migration(version: 3, name: "clusters", sql: """
            -- DESIGN.md §9. Machines name their cluster in machines.cluster (text, as since v1).
            CREATE TABLE clusters (
                name TEXT PRIMARY KEY,
                kind TEXT NOT NULL CHECK (kind IN ('k3s','kubespray')),
                version TEXT,                    -- k3s: INSTALL_K3S_VERSION; kubespray: kube_version
                tls_sans TEXT NOT NULL DEFAULT '', -- one per line
                token TEXT NOT NULL,             -- join token; the database file is 0600
                -- k3s: the server that runs cluster-init, recorded once chosen (DESIGN.md §9).
                first_server TEXT REFERENCES machines(mac) ON DELETE SET NULL,
                created_at TEXT NOT NULL
            ) STRICT;
            CREATE INDEX machines_cluster ON machines(cluster);
            """),
        Migration(version: 4, name: "proxmox endpoints, vmid reservations, vms", sql: """
            -- A PVE API endpoint. The secret (token secret or password) is readable by provisiond
            -- alone: the database file is 0600 and the API never returns it.
            CREATE TABLE proxmox_endpoints (
                name TEXT PRIMARY KEY,
                url TEXT NOT NULL,               -- https://HOST:8006
                auth TEXT NOT NULL CHECK (auth IN ('token','password')),
                principal TEXT NOT NULL,         -- USER@REALM!TOKENID or USER@REALM
                secret TEXT NOT NULL,
                ca_pem TEXT,                     -- trust: the cluster CA as PEM ...
                fingerprint TEXT,                -- ... or the pinned SHA-256 of the certificate
                created_at TEXT NOT NULL
            ) STRICT;

            -- vmids taken by a create in progress, so two concurrent creates never pick the same
            -- one between PVE's nextid check and the clone.
            CREATE TABLE proxmox_vmid_reservations (
                endpoint TEXT NOT NULL REFERENCES proxmox_endpoints(name) ON DELETE CASCADE,
                vmid INTEGER NOT NULL,
                purpose TEXT NOT NULL,
                reserved_at TEXT NOT NULL,
                PRIMARY KEY (endpoint, vmid)
            ) STRICT;

            -- VMs provisiond created, keyed by the machine's hostname.
            CREATE TABLE proxmox_vms (
                name TEXT PRIMARY KEY,
                endpoint TEXT NOT NULL REFERENCES proxmox_endpoints(name),
                node TEXT NOT NULL,
                vmid INTEGER NOT NULL,
                mac TEXT NOT NULL,               -- the machine's MAC; not a foreign key: it may be deleted first
                template TEXT NOT NULL,
                created_at TEXT NOT NULL,
                UNIQUE (endpoint, vmid)
            ) STRICT;
            """),
        Migration(version: 5, name: "hardware facts", sql: """
            -- What the deploy environment reported (DESIGN.md §13): the latest document per machine,
            -- as HardwareFacts.json encodes it (decoded and checked before it is stored).
            CREATE TABLE machine_facts (
                mac TEXT PRIMARY KEY REFERENCES machines(mac) ON DELETE CASCADE,
                facts TEXT NOT NULL,             -- JSON, format version 1
                environment TEXT,                -- the deploy environment's version
                reported_at TEXT NOT NULL
            ) STRICT;
            """),
        // Renumber freely when merging: nothing refers to this version but its place in the list.
        Migration(version: 6, name: "power settings", sql: """
            -- How provisiond switches a machine's power (DESIGN.md §14). The password is readable by
            -- provisiond alone: the database file is 0600 and the API answers has_password only.
            CREATE TABLE machine_power (
                mac TEXT PRIMARY KEY REFERENCES machines(mac) ON DELETE CASCADE,
                driver TEXT NOT NULL CHECK (driver IN ('redfish','ipmi','proxmox')),
                address TEXT NOT NULL,           -- redfish: https URL; ipmi: host; proxmox: endpoint name
                port INTEGER,                    -- ipmi: UDP port (623 when NULL)
                username TEXT,
                password TEXT,
                cipher_suite INTEGER,            -- ipmi: RMCP+ cipher suite (-C)
                ca_pem TEXT,                     -- redfish trust: the CA as PEM ...
                fingerprint TEXT,                -- ... or the pinned SHA-256 of the BMC's certificate
                updated_at TEXT NOT NULL
            ) STRICT;
            """),
    ]
}
