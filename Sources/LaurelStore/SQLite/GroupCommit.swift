import CoreMetrics
import Dispatch
import Foundation
import GRDB
import Synchronization

/// Group commit for the one SQLite writer: the writes that arrive while a transaction is being
/// written are run together in the next transaction (which takes in those arriving while it runs,
/// up to `batchLimit`), and every one is answered only after that transaction has committed.
///
/// Why: a commit costs far more than the statements of one event (the WAL frames of every page
/// touched, the transaction's bookkeeping), and writes are serialised anyway. Sharing a commit
/// among the events that queued behind it writes the hot pages (table tails, index leaves) once
/// per batch instead of once per event. Nothing is acknowledged before it is durable, and a write
/// that fails leaves nothing behind, exactly as if it had had its own transaction. When nothing
/// else is waiting, a write gets a transaction to itself, as before.
///
/// Writes run without savepoints: SQLite copies every page a savepoint changes into a statement
/// journal (~100 KB per event, spilled to a temporary file), which cost more than the event's own
/// statements. Most failures (not found, refused) are thrown before anything is written and need
/// no undoing. A write that fails after changing rows rolls the whole transaction back, and the
/// batch runs again with each write in its own savepoint.
///
/// The batches are run by a thread of its own, which waits for writes and runs GRDB's blocking
/// write on itself (`runsBatches`), so a write costs one wake-up of a waiting thread. Through
/// GRDB's asynchronous write, each drain was a task, a dispatch to the writer's queue and a
/// wake-up of one of Dispatch's worker threads (a different one each time).
final class GroupCommit: Sendable {
    /// One queued write: runs in the batch's transaction (`isolated`: in a savepoint of its own),
    /// then hears how the commit went.
    private struct Job: Sendable {
        /// False when the write failed after changing rows outside a savepoint: the transaction
        /// must be rolled back.
        let run: @Sendable (_ db: Database, _ isolated: Bool) -> Bool
        let finish: @Sendable ((any Error)?) -> Void
    }

    /// The writes of one group transaction; it grows while the transaction runs (on the writer's
    /// queue) and is read after the commit.
    private final class Batch: @unchecked Sendable {
        var jobs: [Job]
        init(jobs: [Job]) { self.jobs = jobs }
    }

    private struct Queue {
        var pending: [Job] = []
        /// Writes queued or in the running batch, not yet answered.
        var unanswered = 0
        var draining = false
        /// Whether the batch thread is alive; it ends after `idleSeconds` without writes, so a
        /// store that is no longer written to (or is gone) holds no thread.
        var threadRuns = false
        /// Set by `close`: new writes are refused.
        var closed = false
    }

    /// What a new write has to do to get the batches run.
    private enum Start { case nothing, wakeThread, startThread }

    /// Most writes in one transaction, so one long backlog still commits (and answers) in steps.
    static let maxBatch = 64
    /// Fewest writes the limit allows, so a handful of clients still share commits as before.
    static let smallestLimit = 16

    /// Most writes the next batch may hold: half the writes not yet answered, between `smallestLimit`
    /// and `maxBatch`.
    ///
    /// Why half: with N clients each waiting for its answer, a batch that takes in every arrival
    /// ends up holding all N, and the writer and the event loops then work in turns (at 32
    /// clients the writer was ~62 % busy, each event loop ~34 %: 1.4 of the 2 cores). Stopping at
    /// half lets the loops answer one batch, and their clients send again, while the writer runs
    /// the other: `laurel-bench http --concurrency 32` +17 % (4 of 4 pairs), c = 128 better too
    /// (a fixed 16 was not: batches of 64 amortise the commit better when that many wait).
    private static func batchLimit(_ queue: Queue) -> Int {
        min(maxBatch, max(smallestLimit, queue.unanswered / 2))
    }

    private let writer: any DatabaseWriter
    private let checkpoints: WALCheckpointer?
    /// Test-only faults for the next transaction (see `StoreFaults`); nil outside the simulation.
    private let faults: StoreFaults?
    /// Writes per committed batch and the batch's time (`StoreMetricNames`), recorded once per batch.
    private let batchWrites: Recorder
    private let batchDuration: CoreMetrics.Timer
    private let queue = Mutex(Queue())
    /// Signalled once per drain to start: each time `draining` turns true.
    private let wakeup = DispatchSemaphore(value: 0)
    private static let idleSeconds = 1

    /// `checkpoints` is told of every commit (nil for an in-memory database, which has no WAL).
    init(writer: any DatabaseWriter, checkpoints: WALCheckpointer?, faults: StoreFaults? = nil,
         metrics: any MetricsFactory = NOOPMetricsHandler.instance) {
        self.writer = writer
        self.checkpoints = checkpoints
        self.faults = faults
        batchWrites = Recorder(label: StoreMetricNames.groupCommitWrites, aggregate: true, factory: metrics)
        batchDuration = CoreMetrics.Timer(label: StoreMetricNames.groupCommitDuration, factory: metrics)
    }

    /// Runs `updates` in the next group transaction and returns its result once that transaction
    /// has committed; a thrown error leaves nothing of this write behind and no trace on the others.
    func write<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let outcome = Outcome<T>()
            let job = Job(
                run: { db, isolated in
                    if isolated {
                        outcome.result = Result {
                            var value: T?
                            try db.inSavepoint {
                                value = try updates(db)
                                return .commit
                            }
                            return value!
                        }
                        return true
                    }
                    let changesBefore = db.totalChangesCount
                    do {
                        outcome.result = .success(try updates(db))
                        return true
                    } catch {
                        outcome.result = .failure(error)
                        return db.totalChangesCount == changesBefore
                    }
                },
                finish: { commitError in
                    if let commitError {
                        continuation.resume(throwing: commitError)
                    } else if let result = outcome.result {
                        continuation.resume(with: result)
                    } else {
                        continuation.resume(throwing: DatabaseError(resultCode: .SQLITE_ABORT, message: "write was not run"))
                    }
                })
            let start = queue.withLock { queue -> Start? in
                if queue.closed { return nil }
                queue.pending.append(job)
                queue.unanswered += 1
                if queue.draining { return .nothing }
                queue.draining = true
                if queue.threadRuns { return .wakeThread }
                queue.threadRuns = true
                return .startThread
            }
            switch start {
            case nil: continuation.resume(throwing: DatabaseError(resultCode: .SQLITE_MISUSE, message: "the store is closed"))
            case .nothing: break
            case .wakeThread: wakeup.signal()
            case .startThread:
                wakeup.signal()
                Thread.detachNewThread { [self] in runsBatches() }
            }
        }
    }

    /// Refuses new writes, then waits until every write already queued (the running group commit
    /// and any batch behind it) has committed and been answered.
    func close() async {
        queue.withLock { $0.closed = true }
        while queue.withLock({ $0.unanswered > 0 || $0.draining }) {
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    /// The batch thread: drains whenever woken, and ends once it has waited `idleSeconds` with no
    /// write arriving.
    private func runsBatches() {
        Thread.current.name = "laurel-writer"
        while true {
            if wakeup.wait(timeout: .now() + .seconds(Self.idleSeconds)) == .timedOut {
                let ends = queue.withLock { queue in
                    // A write that set `draining` while this thread was still counted signals it.
                    if queue.draining { return false }
                    queue.threadRuns = false
                    return true
                }
                if ends { return }
                continue
            }
            drain()
        }
    }

    /// Commits batches until nobody is waiting, in one blocking write on this thread (GRDB runs
    /// it here, holding the writer's queue).
    private func drain() {
        writer.writeWithoutTransaction { [self] db in
            while let batch = nextBatch() {
                checkpoints?.finishIfDue(db)
                do {
                    let started = DispatchTime.now().uptimeNanoseconds
                    if try !commit(batch, db, isolated: false) {
                        _ = try commit(batch, db, isolated: true)
                    }
                    batchDuration.recordNanoseconds(DispatchTime.now().uptimeNanoseconds - started)
                    batchWrites.record(batch.jobs.count)
                    checkpoints?.batchCommitted(writes: batch.jobs.count)
                    for job in batch.jobs { job.finish(nil) }
                } catch {
                    for job in batch.jobs { job.finish(error) }
                }
                queue.withLock { $0.unanswered -= batch.jobs.count }
            }
        }
    }

    /// The next writes to commit, or nil (and the drain ends) when none are waiting.
    private func nextBatch() -> Batch? {
        queue.withLock { queue -> Batch? in
            let jobs = Self.take(&queue, Self.batchLimit(queue))
            if jobs.isEmpty {
                queue.draining = false
                return nil
            }
            return Batch(jobs: jobs)
        }
    }

    private static func take(_ queue: inout Queue, _ limit: Int) -> [Job] {
        let jobs = Array(queue.pending.prefix(limit))
        queue.pending.removeFirst(jobs.count)
        return jobs
    }

    /// Runs the batch in one transaction and commits it; false (rolled back) when a write failed
    /// after changing rows outside a savepoint.
    ///
    /// The first pass also takes in the writes that arrived while the batch ran (up to
    /// `batchLimit`): they would otherwise wait for the next transaction, and committing costs about
    /// as much as two events' statements (the WAL frames of every page changed), so the more
    /// events share it the better. No write waits for this: the transaction commits as soon as
    /// nothing new has arrived.
    private func commit(_ batch: Batch, _ db: Database, isolated: Bool) throws -> Bool {
        var clean = true
        let fault = faults?.take()
        if fault == .busy { throw DatabaseError(resultCode: .SQLITE_BUSY, message: "injected fault: database is locked") }
        try db.inTransaction(.immediate) {
            var index = 0
            while true {
                if index == batch.jobs.count {
                    guard !isolated else { break }
                    let arrived = queue.withLock { queue in Self.take(&queue, max(0, Self.batchLimit(queue) - batch.jobs.count)) }
                    if arrived.isEmpty { break }
                    batch.jobs += arrived
                }
                // An error that ends the whole transaction (disk full, I/O) must not let the
                // next write run outside it: the batch then fails as one.
                guard db.isInsideTransaction else {
                    throw DatabaseError(resultCode: .SQLITE_ABORT, message: "the group transaction was rolled back")
                }
                guard batch.jobs[index].run(db, isolated) else {
                    clean = false
                    return .rollback
                }
                // SQLite rolls a transaction back by itself on an I/O error or a full disk.
                if fault == .connectionDropped, db.isInsideTransaction { try db.execute(sql: "ROLLBACK") }
                index += 1
            }
            if fault == .commitFails { throw DatabaseError(resultCode: .SQLITE_IOERR, message: "injected fault: the commit failed") }
            return .commit
        }
        return clean
    }
}

/// The result of one write, set on the writer's thread before the commit and read after it.
private final class Outcome<T: Sendable>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
