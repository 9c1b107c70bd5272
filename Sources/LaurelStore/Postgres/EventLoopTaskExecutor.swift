import PostgresNIO
import Synchronization

/// Runs a task's jobs on one NIO event loop: a transaction preferring its connection's loop sends
/// each statement and resumes after its answer on the thread that reads the socket. Without it,
/// every round trip hops twice between that thread and Swift's thread pool (a futex wake, a
/// context switch): measured, the larger part of Laurel's CPU per event on PostgreSQL.
@available(macOS 15.0, iOS 18.0, *)
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    private init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// One executor per event loop, kept for the life of the process (a pool has a few loops).
    private static let executors = Mutex<[ObjectIdentifier: EventLoopTaskExecutor]>([:])

    static func on(_ eventLoop: any EventLoop) -> EventLoopTaskExecutor {
        executors.withLock { executors in
            if let executor = executors[ObjectIdentifier(eventLoop)] { return executor }
            let executor = EventLoopTaskExecutor(eventLoop)
            executors[ObjectIdentifier(eventLoop)] = executor
            return executor
        }
    }
}

extension PostgresConnection {
    /// `body` run with the connection's event loop as its preferred executor (see `EventLoopTaskExecutor`).
    func onEventLoop<T: Sendable>(isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T) async throws -> T {
        if #available(macOS 15.0, iOS 18.0, *) {
            return try await withTaskExecutorPreference(EventLoopTaskExecutor.on(eventLoop), isolation: isolation) { try await body() }
        }
        return try await body()
    }
}
