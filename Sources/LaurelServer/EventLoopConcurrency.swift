import NIOCore
import NIOPosix

/// Runs Swift concurrency's tasks on NIO's event loops instead of a pool of its own.
///
/// Why: without it every request crosses threads several times — NIO reads it on an event loop,
/// the handler runs on Swift's cooperative pool, the answer is written back on the event loop — and
/// on two cores those hops cost about as much as the rest of a small request. With the event loops
/// as the global executor a handler runs on the thread that read its request. What this needs is
/// that no task holds its thread for long, since that loop's sockets wait meanwhile: SQLite writes
/// run on the store's writer thread (`GroupCommit`), SQLite reads on the caller's thread take tens
/// of microseconds (the audit, which can take seconds, keeps GRDB's own queue), PostgreSQL is NIO.
public enum EventLoopConcurrency {
    /// Installs NIO's singleton event loop group as the global executor. Call it once, first thing
    /// in `main`, before any task is created; false if it could not be installed (the program then
    /// runs on Swift's own pool, correct but slower).
    @discardableResult
    public static func install() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
