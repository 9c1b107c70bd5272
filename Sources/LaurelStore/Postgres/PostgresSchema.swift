/// The PostgreSQL schema: the same tables and meaning as SQLite's, as ordered migrations.
enum PostgresSchema {
    static let migrations: [(String, [String])] = [
        ("v1-core", [
            """
            CREATE TABLE programs (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                current_version BIGINT,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE program_versions (
                program_id TEXT NOT NULL REFERENCES programs(id),
                version BIGINT NOT NULL,
                definition TEXT NOT NULL,
                source TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (program_id, version)
            )
            """,
            """
            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY,
                program_id TEXT NOT NULL REFERENCES programs(id),
                scope TEXT NOT NULL,
                name TEXT,
                prefix TEXT NOT NULL,
                hash TEXT NOT NULL UNIQUE,
                created_at BIGINT NOT NULL,
                revoked_at BIGINT
            )
            """,
            """
            CREATE TABLE members (
                id TEXT PRIMARY KEY,
                program_id TEXT NOT NULL REFERENCES programs(id),
                external_id TEXT NOT NULL,
                email TEXT,
                name TEXT,
                birthday TEXT,
                attributes TEXT NOT NULL,
                status TEXT NOT NULL,
                available BIGINT NOT NULL DEFAULT 0,
                pending BIGINT NOT NULL DEFAULT 0,
                debt BIGINT NOT NULL DEFAULT 0,
                lifetime_earned BIGINT NOT NULL DEFAULT 0,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                UNIQUE (program_id, external_id)
            )
            """,
            "CREATE INDEX members_by_program ON members(program_id, id)",
            """
            CREATE TABLE events (
                id TEXT PRIMARY KEY,
                program_id TEXT NOT NULL REFERENCES programs(id),
                member_id TEXT NOT NULL REFERENCES members(id),
                type TEXT NOT NULL,
                occurred_at BIGINT NOT NULL,
                recorded_at BIGINT NOT NULL,
                program_version BIGINT NOT NULL,
                status TEXT NOT NULL,
                points BIGINT NOT NULL,
                purchase_total TEXT,
                points_reversed BIGINT NOT NULL DEFAULT 0,
                amount_refunded TEXT NOT NULL DEFAULT '0.00',
                payload TEXT NOT NULL,
                outcome TEXT NOT NULL
            )
            """,
            "CREATE INDEX events_by_member ON events(member_id, occurred_at)",
            """
            CREATE TABLE lots (
                id TEXT PRIMARY KEY,
                program_id TEXT NOT NULL,
                member_id TEXT NOT NULL REFERENCES members(id),
                source_id TEXT NOT NULL,
                earned_at BIGINT NOT NULL,
                available_at BIGINT NOT NULL,
                expires_at BIGINT,
                points BIGINT NOT NULL CHECK (points > 0),
                remaining BIGINT NOT NULL CHECK (remaining >= 0 AND remaining <= points),
                pending BOOLEAN NOT NULL
            )
            """,
            "CREATE INDEX lots_open_by_member ON lots(member_id) WHERE remaining > 0",
            "CREATE INDEX lots_expiring ON lots(expires_at) WHERE remaining > 0",
            "CREATE INDEX lots_maturing ON lots(available_at) WHERE remaining > 0 AND pending",
            """
            CREATE TABLE ledger_entries (
                seq BIGSERIAL PRIMARY KEY,
                program_id TEXT NOT NULL,
                member_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                from_account TEXT NOT NULL,
                to_account TEXT NOT NULL,
                points BIGINT NOT NULL CHECK (points > 0),
                lot_id TEXT,
                source_id TEXT NOT NULL,
                program_version BIGINT,
                created_at BIGINT NOT NULL,
                actor TEXT,
                reason TEXT
            )
            """,
            "CREATE INDEX ledger_by_member ON ledger_entries(member_id, seq)",
            "CREATE INDEX ledger_by_program ON ledger_entries(program_id)",
            """
            CREATE TABLE rule_awards (
                member_id TEXT NOT NULL,
                rule_id TEXT NOT NULL,
                occurred_at BIGINT NOT NULL,
                points BIGINT NOT NULL,
                event_id TEXT NOT NULL
            )
            """,
            "CREATE INDEX rule_awards_lookup ON rule_awards(member_id, rule_id, occurred_at)",
            """
            CREATE TABLE idempotency_keys (
                program_id TEXT NOT NULL,
                key TEXT NOT NULL,
                fingerprint TEXT NOT NULL,
                status BIGINT NOT NULL,
                body BYTEA NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (program_id, key)
            )
            """,
        ]),
    ]
}
