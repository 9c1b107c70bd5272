import Synchronization

/// A failure a database really has, which the simulation (`Tests/LaurelStoreTests/Simulation`)
/// makes the next write transaction meet.
public enum StoreFault: String, Sendable, CaseIterable {
    /// The database is busy. SQLite: `SQLITE_BUSY` before the transaction begins. PostgreSQL: a
    /// serialization failure (SQLSTATE 40001) raised by the server after the transaction's
    /// statements, which the store retries.
    case busy
    /// Every statement ran and the commit fails: the transaction is rolled back (SQLite:
    /// `SQLITE_IOERR`; PostgreSQL: an error raised by the server just before `COMMIT`).
    case commitFails
    /// The connection is lost with the transaction open. SQLite: the transaction is rolled back
    /// under the writer after the write's statements, as SQLite does on an I/O error or a full
    /// disk. PostgreSQL: the server ends the backend (`pg_terminate_backend`) before `COMMIT`.
    case connectionDropped
}

/// Faults armed one at a time for the store's next write transaction. Test-only: it exists so a
/// simulation can fail real transactions at the store seam; a store made without one (every
/// production store) pays one nil check per transaction.
public final class StoreFaults: Sendable {
    private let armed = Mutex<StoreFault?>(nil)
    private let met = Mutex<[StoreFault: Int]>([:])

    public init() {}

    /// The next write transaction meets `fault` (replacing one armed and not yet met).
    public func arm(_ fault: StoreFault) { armed.withLock { $0 = fault } }

    /// Disarms; answers the fault still armed, i.e. not met by any transaction.
    @discardableResult
    public func disarm() -> StoreFault? { armed.withLock { armed in defer { armed = nil }; return armed } }

    /// How many transactions met each fault so far.
    public var counts: [StoreFault: Int] { met.withLock { $0 } }

    /// The armed fault, now met by the calling transaction.
    func take() -> StoreFault? {
        guard let fault = armed.withLock({ armed in defer { armed = nil }; return armed }) else { return nil }
        met.withLock { $0[fault, default: 0] += 1 }
        return fault
    }
}
