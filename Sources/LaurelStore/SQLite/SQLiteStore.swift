import CoreMetrics
import Foundation
import GRDB
import LaurelCore

/// The embedded default store: one SQLite file in WAL mode through GRDB. Readers run
/// concurrently; writes are serialised on the one writer and share commits (`GroupCommit`).
///
/// Durability: `synchronous = NORMAL` in WAL mode, so a committed (acknowledged) write
/// survives a crash of the process; `durability: .full` also survives power loss.
public final class SQLiteStore: LaurelStore {
    public enum Durability: Sendable { case normal, full }

    let writer: any DatabaseWriter
    let commits: GroupCommit
    /// The background checkpointer's connection (nil for an in-memory database).
    let checkpoints: WALCheckpointer?
    let programs = ProgramCache()
    let judging: JudgingCache
    /// Reads running now (`StoreMetricNames.sqliteReadsInFlight`).
    let readsInFlight: Meter

    /// Opens (creating if needed) the database at `path`; `":memory:"` gives a private in-memory one.
    /// The writer remembers what judging read for the last `judgingCacheCapacity` members it
    /// judged (`JudgingCache`; 0 turns that off). `faults`: test-only, see `StoreFaults`. `metrics`: where the
    /// group commits and reads are recorded (`StoreMetricNames`); by default nowhere.
    public init(path: String, durability: Durability = .normal, judgingCacheCapacity: Int = 4096, faults: StoreFaults? = nil,
                metrics: any MetricsFactory = NOOPMetricsHandler.instance) throws {
        judging = JudgingCache(capacity: judgingCacheCapacity)
        readsInFlight = Meter(label: StoreMetricNames.sqliteReadsInFlight, factory: metrics)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // Freed row contents are overwritten with zeros, so an erased member's data leaves the
            // file and not only the rows (`eraseMember`; without it the old bytes stay in free space).
            try db.execute(sql: "PRAGMA secure_delete = ON")
            // Checkpoints run off the writer (`WALCheckpointer`).
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            // `laurel_outcome(outcome)`: an event's outcome JSON for SQL (the column keeps it packed).
            db.add(function: PackedOutcome.sqliteFunction)
            if !db.configuration.readonly {
                // The writer's page cache: 32 MB instead of 2 MB keeps the index leaves of recent
                // members in memory (an import spent ~15 % less CPU per event with it); readers keep
                // the default, so memory stays bounded however many readers the pool opens.
                try db.execute(sql: "PRAGMA cache_size = -32768")
            }
        }
        if path == ":memory:" {
            writer = try DatabaseQueue(configuration: configuration)
            commits = GroupCommit(writer: writer, checkpoints: nil, faults: faults, metrics: metrics)
            checkpoints = nil
        } else {
            let pool = try DatabasePool(path: path, configuration: configuration)
            if durability == .full {
                // GRDB sets NORMAL after prepareDatabase; FULL has to come afterwards (see PITFALLS.md).
                try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            }
            writer = pool
            let checkpoints = try WALCheckpointer(path: path)
            pool.writeWithoutTransaction { db in checkpoints.watch(db) }
            commits = GroupCommit(writer: writer, checkpoints: checkpoints, faults: faults, metrics: metrics)
            self.checkpoints = checkpoints
        }
    }

    /// A write transaction: its part of the next group commit (see `GroupCommit`).
    func write<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await commits.write(updates)
    }

    /// A read in a snapshot of its own. On a database file it runs on the calling thread, which
    /// the reader pool allows (WAL readers never wait for the writer): a balance read is a few
    /// tens of microseconds of work, and sending it to a reader's queue and back cost two thread
    /// switches on top. Long reads (the audit) use `writer.read`, which keeps the caller's thread free.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        readsInFlight.increment()
        defer { readsInFlight.decrement() }
        if let pool = writer as? DatabasePool { return try Self.readOnThisThread(pool, body) }
        return try await writer.read(body)
    }

    /// Synchronous, so that GRDB's blocking read is the one called (from an async function the
    /// compiler would pick the one that hops to the reader's queue).
    ///
    /// The snapshot transaction GRDB's `read` would wrap the body in, with its two statements
    /// prepared once per reader connection: `read` prepares BEGIN and COMMIT afresh every time,
    /// ~7 % of a balance read's CPU over HTTP. Readers are read-only connections, so committing
    /// only ends the snapshot; should it fail, the rollback does the same.
    private static func readOnThisThread<T>(_ pool: DatabasePool, _ body: (Database) throws -> T) throws -> T {
        try pool.unsafeRead { db in
            try db.cachedStatement(sql: "BEGIN DEFERRED TRANSACTION").execute()
            defer {
                if (try? db.cachedStatement(sql: "COMMIT TRANSACTION").execute()) == nil, db.isInsideTransaction {
                    try? db.execute(sql: "ROLLBACK TRANSACTION")
                }
            }
            return try body(db)
        }
    }

    public func migrate() async throws {
        try SQLiteSchema.migrator.migrate(writer)
    }

    /// Finishes the group commit under way (and any batch queued behind it), refuses writes after
    /// it, then closes every connection. The last one to close copies the WAL into the database
    /// and removes it, so the file needs no recovery when it is next opened.
    public func close() async throws {
        await commits.close()
        try writer.close()
        try checkpoints?.close()
    }

    public func audit(programId: String) async throws -> [String] {
        try await writer.read { db in try SQLiteLedgerAudit.run(db, programId: programId) }
    }

    /// One lookup at the end of the ledger's primary key.
    public func ledgerEntriesWritten() async throws -> Int64 {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT max(seq) FROM ledger_entries") ?? 0 }
    }

    public func databaseBytes() async throws -> Int64 {
        guard checkpoints != nil else { return 0 }
        return [writer.path, writer.path + "-wal"].reduce(0) { total, file in
            total + ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int64) ?? 0)
        }
    }
}

/// Milliseconds since 1970: how dates are stored.
extension Date {
    var millis: Int64 { Timestamps.millis(self) }
    init(millis: Int64) { self = Timestamps.date(millis: millis) }
}

extension Database {
    /// Runs a statement through GRDB's statement cache.
    func run(_ sql: String, _ arguments: StatementArguments = []) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }

    func row(_ sql: String, _ arguments: StatementArguments = []) throws -> Row? {
        try Row.fetchOne(cachedStatement(sql: sql), arguments: arguments)
    }

    func rows(_ sql: String, _ arguments: StatementArguments = []) throws -> [Row] {
        try Row.fetchAll(cachedStatement(sql: sql), arguments: arguments)
    }

    /// Each row turned into a value as it is read. Rows read this way look their columns up in
    /// the statement's dictionary; copied rows (`rows`, `row`) lowercase every column name on
    /// every lookup, which showed in the profile of every event (member and lots).
    func rows<T>(_ sql: String, _ arguments: StatementArguments, _ transform: (Row) throws -> T) throws -> [T] {
        let cursor = try Row.fetchCursor(cachedStatement(sql: sql), arguments: arguments)
        return try withExtendedLifetime(cursor) {
            var values: [T] = []
            while let row = try cursor.next() { values.append(try transform(row)) }
            return values
        }
    }

    /// Inserts rows into `table` with as few statements as it takes: `values` holds the rows one
    /// after the other. An event's rule awards and ledger entries, and an import batch's rows, each
    /// take one statement per chunk instead of one per row (each statement costs the writer a few
    /// microseconds on its own).
    func insert(_ table: SQLiteRows.Table, _ values: SQLiteRows.Values) throws {
        var start = 0
        while start < values.count {
            let end = min(values.count, start + table.rowsPerStatement * table.width)
            try execute(table.sql(rows: (end - start) / table.width), values[start..<end])
            start = end
        }
    }

    /// The first row turned into a value, read as `rows(_:_:_:)` reads.
    func row<T>(_ sql: String, _ arguments: StatementArguments, _ transform: (Row) throws -> T) throws -> T? {
        // The row lives in the statement: transform it while the cursor is alive.
        let cursor = try Row.fetchCursor(cachedStatement(sql: sql), arguments: arguments)
        return try withExtendedLifetime(cursor) { try cursor.next().map(transform) }
    }
}

/// JSON text for attribute maps and outcomes: sorted keys so equal values give equal bytes.
enum JSONText {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
