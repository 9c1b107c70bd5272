import Logging
import PostgresNIO
import Synchronization

/// Reads that may be seconds stale go to the read replica when one is configured (`laurel serve
/// --read-replica`), to the primary otherwise; docs/operations.md, Read replicas, lists them.
///
/// A replica that cannot serve a read hands it to the primary, which gives the same answer: when no
/// replica connection comes within `replicaLeaseTimeout` (2 s unless the store is told otherwise:
/// unreachable, or every connection busy; postgres-nio's pool keeps a lease waiting while it cannot
/// connect and fails it only after a minute, which would stall every routed read),
/// when the connection is lost, or when the replica refuses the statement for being a replica
/// (shutting down or starting, out of connections, a query cancelled for a conflict with recovery,
/// a schema or table not replayed yet). Each such read counts in
/// `laurel_postgres_replica_fallbacks_total`; the first of an outage is logged at warning, and for
/// `replicaRestAfterFailure` the reads go straight to the primary before the replica is tried again.
extension PostgresStore {
    /// How long after a failure the routed reads skip the replica (each counted as a fallback).
    static let replicaRestAfterFailure: Duration = .seconds(10)

    /// `body` on the replica when one is configured and can serve it, else on the primary (`read`).
    func replicaRead<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        if case .answered(let result) = try await onReplica(body) { return result }
        return try await read(body)
    }

    /// `snapshotRead`, on the replica when one is configured and can serve it (a hot standby runs
    /// `REPEATABLE READ READ ONLY` transactions, on a snapshot of what it has replayed).
    func replicaSnapshotRead<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let logger = self.logger
        if case .answered(let result) = try await onReplica({ connection in try await Self.inSnapshot(connection, logger, body) }) { return result }
        return try await snapshotRead(body)
    }

    /// Reads the primary served because the replica could not, since this store was made.
    public var replicaFallbackCount: Int { replicaFallbacksSoFar.load(ordering: .relaxed) }

    private enum ReplicaAnswer<T: Sendable> {
        case answered(T)
        /// No replica, or one that cannot serve the read now.
        case declined
    }

    private func onReplica<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> ReplicaAnswer<T> {
        guard let replica else { return .declined }
        let resting = replicaHealth.withLock { health in health.restingUntil.map { ContinuousClock.now < $0 } ?? false }
        if resting {
            countReplicaFallback()
            return .declined
        }
        do {
            let result = try await withoutActuallyEscaping(body) { body in try await leasing(replica, body) }
            if replicaHealth.withLock({ health in defer { health.restingUntil = nil }; return health.restingUntil != nil }) {
                logger.notice("The read replica answers again; the reads routed to it leave the primary.")
            }
            return .answered(result)
        } catch where !Task.isCancelled && Self.replicaCannotServe(error) {
            let restUntil = ContinuousClock.now.advanced(by: Self.replicaRestAfterFailure)
            if replicaHealth.withLock({ health in defer { health.restingUntil = restUntil }; return health.restingUntil == nil }) {
                logger.warning("The read replica cannot serve reads; the primary serves them until it answers again (laurel_postgres_replica_fallbacks_total counts them).",
                               metadata: ["error": "\(String(reflecting: error))"])
            }
            countReplicaFallback()
            return .declined
        }
    }

    private func countReplicaFallback() {
        replicaFallbacksSoFar.add(1, ordering: .relaxed)
        replicaFallbacks?.increment()
    }

    /// `body` on a replica connection leased within `replicaLeaseTimeout`; a lease that fails or does
    /// not come in time throws `ReplicaUnavailable`.
    private func leasing<T: Sendable>(_ replica: PostgresClient, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let lease = LeaseMark()
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                do {
                    return try await self.withLiveConnection(on: replica) { connection in
                        lease.leased.store(true, ordering: .relaxed)
                        return try await connection.onEventLoop { try await body(connection) }
                    }
                } catch where !lease.leased.load(ordering: .relaxed) {
                    throw ReplicaUnavailable(reason: "no connection: \(String(reflecting: error))")
                }
            }
            let timeout = replicaLeaseTimeout
            group.addTask {
                try await Task.sleep(for: timeout)
                guard lease.leased.load(ordering: .relaxed) else { throw ReplicaUnavailable(reason: "no connection within \(timeout)") }
                return nil
            }
            while let answer = try await group.next() {
                if let answer {
                    group.cancelAll()
                    return answer
                }
            }
            throw ReplicaUnavailable(reason: "the read ended without an answer")
        }
    }

    /// Errors that say the replica cannot serve a read now rather than that the read is wrong: the
    /// primary answers it instead.
    private static func replicaCannotServe(_ error: any Error) -> Bool {
        if error is ReplicaUnavailable || isConnectionLoss(error) { return true }
        guard let state = (error as? PSQLError)?.serverInfo?[.sqlState] else { return false }
        return replicaRefusals.contains(state)
    }

    /// What a replica answers for being one: 57P01–57P03 shutting down, crashed, starting; 53300 out of
    /// connections; 40001 a query cancelled for a conflict with recovery (a read-only transaction has no
    /// other serialization failure); 3F000, 42P01, 42703 a schema, table or column it has not replayed yet.
    private static let replicaRefusals: Set<String> = ["57P01", "57P02", "57P03", "53300", "40001", "3F000", "42P01", "42703"]
}

/// The replica as its last read found it.
struct ReplicaHealth {
    /// Set when a read found the replica failing: until then routed reads go to the primary, and the
    /// outage's warning is not logged again until the replica has answered.
    var restingUntil: ContinuousClock.Instant?
}

/// Whether the replica's pool handed the read a connection (its failures before are the replica's).
private final class LeaseMark: Sendable {
    let leased = Atomic<Bool>(false)
}

/// The replica gave the read no connection, or not in time.
struct ReplicaUnavailable: Error, CustomStringConvertible {
    let reason: String
    var description: String { "the read replica is unavailable: \(reason)" }
}
