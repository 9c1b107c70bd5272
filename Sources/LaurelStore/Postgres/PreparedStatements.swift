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
