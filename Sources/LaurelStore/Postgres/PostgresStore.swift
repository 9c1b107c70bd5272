import CoreMetrics
import Foundation
import LaurelCore
import Logging
import PostgresNIO
import Synchronization

/// The store for several stateless nodes sharing one PostgreSQL database. Concurrency is
/// handled by the database: a member's row is locked (`FOR UPDATE`) for the length of any
/// write that touches their points, idempotency keys are a primary key, so two nodes
/// receiving the same key credit once, and serialization failures or deadlocks are retried.
///
/// The client must be running (`run()`, or added as a service of the application) before any query.
/// With a read replica, `replicaRead` sends the reads that may be seconds stale to it (`PostgresStore+ReadReplica`).
public final class PostgresStore: LaurelStore {
    public let client: PostgresClient
    /// The read replica's pool (`laurel serve --read-replica`), nil without one; `run()` runs it with the primary's.
    public let replica: PostgresClient?
    /// How long a routed read waits for a replica connection before the primary serves it.
    let replicaLeaseTimeout: Duration
    /// What the last routed reads found the replica to be (`replicaRead`).
    let replicaHealth = Mutex(ReplicaHealth())
    /// Reads the primary served in the replica's place (`StoreMetricNames.postgresReplicaFallbacks`); nil without a replica.
    let replicaFallbacks: Counter?
    let replicaFallbacksSoFar = Atomic<Int>(0)
    let logger: Logger
    let programs = ProgramCache()
    /// Each program's current version as last read: events take the two-statement path with it
    /// (its limit queries depend on it) and fall back to the transaction when it has changed.
    let currentVersions = Mutex<[String: Int]>([:])
    /// Test-only faults for the next transaction (see `StoreFaults`); nil outside the simulation.
    let faults: StoreFaults?
    /// Connections leased now (`StoreMetricNames.postgresConnectionsInUse`).
    let connectionsInUse: Meter
    /// Transactions run again after a deadlock or serialization failure (`StoreMetricNames.postgresTransactionRetries`).
    let retries: Counter
    private let retried = Atomic<Int>(0)
    /// Transactions this store ran again after a deadlock or serialization failure since it was made.
    public var retriedTransactions: Int { retried.load(ordering: .relaxed) }
    /// The pool's most connections.
    public static let maximumConnections = 16

    /// A routed read's wait for a replica connection unless told otherwise.
    public static let defaultReplicaLeaseTimeout: Duration = .seconds(2)

    /// `postgres://user[:password]@host[:port]/database[?search_path=schema]`. `readReplica`: a URL of the same
    /// form for a read replica of it (`replicaRead`), waited for `replicaLeaseTimeout` per read. `faults`:
    /// test-only, see `StoreFaults`. `metrics`: where the pool's use is recorded (`StoreMetricNames`); by default nowhere.
    public init(url: String, readReplica: String? = nil, replicaLeaseTimeout: Duration = defaultReplicaLeaseTimeout,
                logger: Logger = Logger(label: "laurel.postgres"), faults: StoreFaults? = nil,
                metrics: any MetricsFactory = NOOPMetricsHandler.instance) throws {
        client = PostgresClient(configuration: try Self.configuration(url), backgroundLogger: logger)
        replica = try readReplica.map { PostgresClient(configuration: try Self.configuration($0), backgroundLogger: logger) }
        self.replicaLeaseTimeout = replicaLeaseTimeout
        replicaFallbacks = readReplica.map { _ in Counter(label: StoreMetricNames.postgresReplicaFallbacks, factory: metrics) }
        self.logger = logger
        self.faults = faults
        connectionsInUse = Meter(label: StoreMetricNames.postgresConnectionsInUse, factory: metrics)
        retries = Counter(label: StoreMetricNames.postgresTransactionRetries, factory: metrics)
        Gauge(label: StoreMetricNames.postgresConnectionsMax, factory: metrics).record(Self.maximumConnections)
    }

    /// A pool of `maximumConnections` for `url`, or an error naming the URL's expected form.
    private static func configuration(_ url: String) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let host = components.host, let user = components.user, components.path.count > 1 else {
            throw StoreError.notFound("a valid PostgreSQL URL (postgres://user@host:5432/database), got \(url)")
        }
        var configuration = PostgresClient.Configuration(host: host, port: components.port ?? 5432, username: user, password: components.password,
                                                         database: String(components.path.dropFirst()), tls: .disable)
        if let schema = components.queryItems?.first(where: { $0.name == "search_path" })?.value {
            configuration.options.additionalStartupParameters = [("search_path", schema)]
        }
        configuration.options.maximumConnections = Self.maximumConnections
        return configuration
    }

    /// Runs the connection pools (the primary's, and the replica's when there is one) until cancelled.
    /// The primary's runs in the calling task, so that started by `Task.immediate` it is running at once.
    public func run() async {
        guard let replica else { return await client.run() }
        await withDiscardingTaskGroup { group in
            group.addTask { await replica.run() }
            await client.run()
        }
    }

    /// Nothing to finish: every transaction ended with the request or job that opened it, and
    /// the connections close with the task running `run()` (or the process).
    public func close() async throws {}

    public func migrate() async throws {
        try await transaction { connection in
            // One migrator at a time per schema, whichever node starts first. The schema is part of
            // the key: deployments in other schemas of the database (the tests make one per store)
            // have their own tables and must not queue behind each other's migrations.
            try await connection.query("SELECT pg_advisory_xact_lock(7305301, hashtext(coalesce(current_schema(), '')))", logger: self.logger)
            try await connection.query("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)",
                                       logger: self.logger)
            for (name, statements) in PostgresSchema.migrations {
                let applied = try await connection.rows("SELECT name FROM schema_migrations WHERE name = \(name)", self.logger)
                guard applied.isEmpty else { continue }
                for statement in statements { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: self.logger) }
                try await connection.query("INSERT INTO schema_migrations (name, applied_at) VALUES (\(name), \(Date().millis))", logger: self.logger)
            }
        }
    }

    /// Runs `body` in a transaction, retrying a bounded number of times on serialization
    /// failures and deadlocks (SQLSTATE 40001, 40P01) and on a unique violation of a concurrent insert.
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let fault = faults?.take()
                return try await withLiveConnection(on: client) { connection in
                    try await connection.onEventLoop { try await Self.committed(connection, begin: "BEGIN", logger, fault: fault, body) }
                }
            } catch let error as PSQLError where attempt < 6 && ["40001", "40P01"].contains(error.serverInfo?[.sqlState] ?? "") {
                retried.add(1, ordering: .relaxed)
                retries.increment()
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...(5 * attempt))))
            }
        }
    }

    func read<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await withLiveConnection(on: client) { connection in try await connection.onEventLoop { try await body(connection) } }
    }

    /// `body` on a connection of `pool` (the primary's or the replica's) that is open. postgres-nio
    /// (1.33) can hand out a connection whose server just closed it (the pool learns of a close only when the channel's close completes), and
    /// a query written to a closed channel never answers: a lease after a dropped connection waited
    /// forever. So a connection found closed is not used (another is leased), and one that failed
    /// because it was lost is closed, and the pool told, before it goes back.
    func withLiveConnection<T: Sendable>(on pool: PostgresClient, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        // `connectionsInUse` is the primary's pool, measured against its `maximumConnections`.
        let counted = pool === client
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await pool.withConnection { connection in
                    if counted { connectionsInUse.increment() }
                    defer { if counted { connectionsInUse.decrement() } }
                    if connection.isClosed {
                        try? await connection.closeFuture.get()
                        throw ClosedAtLease()
                    }
                    do {
                        return try await body(connection)
                    } catch {
                        if connection.isClosed || Self.isConnectionLoss(error) {
                            try? await connection.close()
                            try? await connection.closeFuture.get()
                        }
                        throw error
                    }
                }
            } catch is ClosedAtLease where attempt < 3 {
                continue  // nothing ran on it, so another connection may try
            }
        }
    }

    /// A leased connection that was already closed (see `withLiveConnection`).
    private struct ClosedAtLease: Error, CustomStringConvertible {
        var description: String { "the database connection was closed" }
    }

    /// An error meaning the connection itself is gone, not that a statement failed.
    static func isConnectionLoss(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else { return false }
        return [.serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown].contains(error.code)
    }

    /// A read of several statements that must agree with each other (a member's row and their
    /// lots): one `REPEATABLE READ READ ONLY` transaction, so every statement sees the same
    /// snapshot. Outside one, each statement sees the commits made since the one before it, and a
    /// balance read could show a member row from before a purchase with the purchase's lot.
    func snapshotRead<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await read { connection in try await Self.inSnapshot(connection, logger, body) }
    }

    /// `body` in one `REPEATABLE READ READ ONLY` transaction on `connection` (`snapshotRead`).
    static func inSnapshot<T: Sendable>(_ connection: PostgresConnection, _ logger: Logger,
                                        _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await committed(connection, begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger, body)
    }

    /// `body` between `begin` and `COMMIT` on `connection`, rolled back when it throws; `fault`
    /// (test-only, see `StoreFaults`) is met after `body`, before `COMMIT`.
    private static func committed<T: Sendable>(_ connection: PostgresConnection, begin: PostgresQuery, _ logger: Logger, fault: StoreFault? = nil,
                                               _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await connection.query(begin, logger: logger)
        do {
            let result = try await body(connection)
            if let fault { try await connection.query(Self.statement(meeting: fault), logger: logger) }
            try await connection.query("COMMIT", logger: logger)
            return result
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    /// A statement that makes the server fail the transaction the way `fault` describes.
    private static func statement(meeting fault: StoreFault) -> PostgresQuery {
        switch fault {
        case .busy: "DO $$ BEGIN RAISE EXCEPTION 'injected fault: could not serialize access' USING ERRCODE = 'serialization_failure'; END $$"
        case .commitFails: "DO $$ BEGIN RAISE EXCEPTION 'injected fault: the commit failed' USING ERRCODE = 'io_error'; END $$"
        case .connectionDropped: "SELECT pg_terminate_backend(pg_backend_pid())"
        }
    }

    public func audit(programId: String) async throws -> [String] {
        try await read { connection in try await PostgresLedgerAudit.run(connection, programId: programId, logger: self.logger) }
    }

    /// One lookup at the end of the ledger's primary key.
    public func ledgerEntriesWritten() async throws -> Int64 {
        try await read { connection in
            try await connection.row("SELECT coalesce(max(seq), 0) AS seq FROM ledger_entries", self.logger)?.get("seq", Int64.self) ?? 0
        }
    }

    public func databaseBytes() async throws -> Int64 {
        try await read { connection in
            try await connection.row("""
                SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS bytes FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')
                """, self.logger)?.get("bytes", Int64.self) ?? 0
        }
    }
}

extension PostgresConnection {
    /// All rows of a query, with columns addressable by name.
    func rows(_ query: PostgresQuery, _ logger: Logger) async throws -> [PostgresRandomAccessRow] {
        var rows: [PostgresRandomAccessRow] = []
        for try await row in try await self.query(query, logger: logger) { rows.append(row.makeRandomAccess()) }
        return rows
    }

    func row(_ query: PostgresQuery, _ logger: Logger) async throws -> PostgresRandomAccessRow? {
        try await rows(query, logger).first
    }
}

extension PostgresRandomAccessRow {
    func get<T: PostgresDecodable>(_ column: String, _ type: T.Type = T.self) throws -> T { try self[column].decode(T.self) }
    func date(_ column: String) throws -> Date { Date(millis: try get(column, Int64.self)) }
    func optionalDate(_ column: String) throws -> Date? { try get(column, Int64?.self).map { Date(millis: $0) } }
}

extension PostgresQuery {
    /// A statement with no parameters, from trusted text (the schema).
    init(unsafeSQL sql: String) {
        var interpolation = StringInterpolation(literalCapacity: sql.count, interpolationCount: 0)
        interpolation.appendInterpolation(unescaped: sql)
        self.init(stringInterpolation: interpolation)
    }
}
