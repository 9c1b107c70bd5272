import Logging
import PostgresNIO

/// SQL that PostgreSQL prepares once per connection and then only binds and runs. An unnamed
/// statement (what `query` sends) is parsed and planned on every call: pgbench measured 170 µs
/// against 100 µs per query on this machine. The statements every event runs are in `EventSQL`.
protocol PreparedSQL: Sendable {
    static var sql: String { get }
    /// The parameters' types; empty takes them from the first call's values.
    static var types: [PostgresDataType] { get }
}

extension PreparedSQL {
    static var types: [PostgresDataType] { [] }
}

/// `SQL` run prepared with `bindings`; rows are read by column name, as `rows(_:_:)` gives them.
private struct Prepared<SQL: PreparedSQL>: PostgresPreparedStatement {
    /// The SQL type's qualified name (`LaurelStore.EventSQL.RuleUsage`): unique, where a bare
    /// `RuleUsage` could be another enum's too. PostgreSQL cuts names at 63 bytes, and a cut name
    /// could stand for another statement.
    static var name: String {
        let name = String(reflecting: SQL.self)
        precondition(name.utf8.count <= 63, "prepared statement name \(name) is longer than PostgreSQL keeps")
        return name
    }
    static var sql: String { SQL.sql }
    static var bindingDataTypes: [PostgresDataType] { SQL.types }
    let bindings: PostgresBindings
    func makeBindings() -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) -> PostgresRandomAccessRow { row.makeRandomAccess() }
}

extension PostgresConnection {
    /// All rows of `sql`, run prepared with the values `bind` appends for `$1`, `$2`… in order.
    func rows<SQL: PreparedSQL>(_ sql: SQL.Type, _ logger: Logger,
                                bind: (inout PostgresBindings) throws -> Void) async throws -> [PostgresRandomAccessRow] {
        var bindings = PostgresBindings()
        try bind(&bindings)
        var rows: [PostgresRandomAccessRow] = []
        for try await row in try await execute(Prepared<SQL>(bindings: bindings), logger: logger) { rows.append(row) }
        return rows
    }

    func row<SQL: PreparedSQL>(_ sql: SQL.Type, _ logger: Logger,
                               bind: (inout PostgresBindings) throws -> Void) async throws -> PostgresRandomAccessRow? {
        try await rows(sql, logger, bind: bind).first
    }

    /// Runs a statement that returns no rows.
    func run<SQL: PreparedSQL>(_ sql: SQL.Type, _ logger: Logger, bind: (inout PostgresBindings) throws -> Void) async throws {
        _ = try await rows(sql, logger, bind: bind)
    }
}

/// An idempotency key's claim and stored response: every write with a key runs both.
enum IdempotencySQL {
    enum Claim: PreparedSQL {
        static let sql = """
            INSERT INTO idempotency_keys (program_id, key, fingerprint, status, body, created_at)
            VALUES ($1, $2, $3, 0, $4, $5) ON CONFLICT (program_id, key) DO NOTHING RETURNING key
            """
    }
    enum Remember: PreparedSQL {
        static let sql = "UPDATE idempotency_keys SET status = $1, body = $2 WHERE program_id = $3 AND key = $4"
    }
}

/// The statements of recording an event, prepared. Parameter types are taken from the first call's
/// values, and a NULL has none: a parameter that may be NULL must stand where PostgreSQL infers
/// its type from a column (a value of an INSERT, a comparison with a column).
enum EventSQL {
    enum MemberForUpdate: PreparedSQL { static let sql = "SELECT * FROM members WHERE program_id = $1 AND id = $2 FOR UPDATE" }
    enum CurrentVersion: PreparedSQL { static let sql = "SELECT current_version FROM programs WHERE id = $1" }
    enum RuleUsage: PreparedSQL {
        static let sql = """
            SELECT COALESCE(SUM(points), 0)::BIGINT AS points, COUNT(*)::BIGINT AS times FROM rule_awards
            WHERE member_id = $1 AND rule_id = $2 AND occurred_at >= $3 AND occurred_at < $4
            """
    }
    enum TierTotals: PreparedSQL {
        static let sql = """
            SELECT COALESCE(SUM(points), 0)::BIGINT AS points, COALESCE(SUM(amount_units), 0)::BIGINT AS units,
                   COALESCE(SUM(purchases), 0)::BIGINT AS purchases
            FROM tier_contributions WHERE member_id = $1 AND occurred_at >= $2 AND occurred_at <= $3
            """
    }
    enum InsertContribution: PreparedSQL {
        static let sql = """
            INSERT INTO tier_contributions (member_id, occurred_at, points, amount_units, purchases, event_id) VALUES ($1, $2, $3, $4, $5, $6)
            """
    }
    enum OldestContribution: PreparedSQL {
        static let sql = "SELECT MIN(occurred_at) AS oldest FROM tier_contributions WHERE member_id = $1 AND occurred_at >= $2"
    }
    /// Nullable parameters in SET take the column's type.
    enum UpdateTierState: PreparedSQL {
        static let sql = """
            UPDATE members SET tier_id = $1, tier_since = $2, tier_floor = $3, tier_floor_until = $4, tier_review_at = $5, tier_check_at = $6
            WHERE id = $7
            """
    }
    enum OpenLots: PreparedSQL { static let sql = "SELECT * FROM lots WHERE member_id = $1 AND remaining > 0" }
    enum InsertEvent: PreparedSQL {
        static let sql = """
            INSERT INTO events (id, program_id, member_id, type, occurred_at, recorded_at, program_version, status, points, purchase_total,
                                payload, outcome, tier_amount)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            """
    }
    enum InsertLot: PreparedSQL {
        static let sql = """
            INSERT INTO lots (id, program_id, member_id, source_id, earned_at, available_at, expires_at, points, remaining, pending)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """
    }
    enum UpdateLot: PreparedSQL { static let sql = "UPDATE lots SET remaining = $1, pending = $2 WHERE id = $3" }
    enum UpdateBalances: PreparedSQL {
        static let sql = "UPDATE members SET available = $1, pending = $2, debt = $3, lifetime_earned = $4 WHERE id = $5"
    }
    /// An operation's entries in one insert, in order; its nullable parameters (version, actor,
    /// reason) are in a SELECT list, where PostgreSQL cannot infer a type, so all are declared.
    enum InsertEntries: PreparedSQL {
        static let sql = """
            INSERT INTO ledger_entries (program_id, member_id, kind, from_account, to_account, points, lot_id, source_id,
                                        program_version, created_at, actor, reason)
            SELECT $1, member_id, kind, from_account, to_account, points, NULLIF(lot_id, ''), source_id, $2, $3, $4, $5
            FROM UNNEST($6::TEXT[], $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::BIGINT[], $11::TEXT[], $12::TEXT[])
                 WITH ORDINALITY AS entry(member_id, kind, from_account, to_account, points, lot_id, source_id, position)
            ORDER BY position
            """
        static let types: [PostgresDataType] = [.text, .int8, .int8, .text, .text, .textArray, .textArray, .textArray, .textArray,
                                                .int8Array, .textArray, .textArray]
    }
    enum InsertAwards: PreparedSQL {
        static let sql = """
            INSERT INTO rule_awards (member_id, rule_id, occurred_at, points, event_id)
            SELECT $1, rule_id, $2, points, $3 FROM UNNEST($4::TEXT[], $5::BIGINT[]) AS award(rule_id, points)
            """
    }
}
