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
    ]
}
