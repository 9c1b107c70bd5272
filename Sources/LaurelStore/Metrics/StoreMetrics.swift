import CoreMetrics
import Foundation

/// The series a store records while it works, through the swift-metrics API: the factory is the
/// server's (`LaurelMetrics`, Prometheus), or swift-metrics' no-op one, which costs a call that
/// does nothing. Each backend makes only its own series, once, when it opens; recording one is a
/// few atomic operations, never a lock held across a wait.
public enum StoreMetricNames {
    /// Writes that shared one SQLite group commit (a histogram).
    public static let groupCommitWrites = "laurel_sqlite_group_commit_writes"
    /// Seconds one SQLite group commit took, from its first write to its commit (a histogram).
    public static let groupCommitDuration = "laurel_sqlite_group_commit_duration_seconds"
    /// SQLite reads running now (each on a reader connection of its own).
    public static let sqliteReadsInFlight = "laurel_sqlite_reads_in_flight"
    /// PostgreSQL connections leased from the pool now (of at most `PostgresStore.maximumConnections`).
    public static let postgresConnectionsInUse = "laurel_postgres_connections_in_use"
    /// The pool's size, so that a dashboard shows the use against it.
    public static let postgresConnectionsMax = "laurel_postgres_connections_max"
    /// PostgreSQL transactions run again after a deadlock or serialization failure (a counter): a
    /// steady rise means two writers take the same locks in opposite orders.
    public static let postgresTransactionRetries = "laurel_postgres_transaction_retries_total"
    /// Reads routed to the read replica that the primary served because the replica could not (a
    /// counter, made only with a replica): a rise means the replica is down, overloaded or refusing.
    public static let postgresReplicaFallbacks = "laurel_postgres_replica_fallbacks_total"
}

/// The ledger's size, read from the database when `/metrics` is scraped rather than counted on the
/// hot path: the whole database's, so every node of a PostgreSQL deployment reports the same.
public protocol LedgerSizeStore: Sendable {
    /// The ledger's highest sequence number: entries written since the database was made (a
    /// PostgreSQL sequence skips the numbers of rolled-back transactions, so it can run a little ahead).
    func ledgerEntriesWritten() async throws -> Int64
    /// Bytes the database takes on disk: SQLite the file and its WAL (0 in memory), PostgreSQL the
    /// tables of the store's schema with their indexes and TOAST (not the server's WAL).
    func databaseBytes() async throws -> Int64
}
