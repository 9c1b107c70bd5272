import GRDB
import GRDBSQLite
import Synchronization

/// Copies the WAL back into the database mostly off the one writer.
///
/// Why: SQLite's automatic checkpoint runs inside the commit that crosses a thousand WAL pages,
/// on the writer, so every few hundred events one commit also copied the WAL and synced both
/// files while all queued writes waited (turning it off raised throughput 10–15 %). Here a
/// passive checkpoint on a connection of its own does the copying while writes go on. SQLite
/// only starts the WAL over when a write begins with every page copied, which never happens
/// while writes keep coming; so once the WAL is long, the writer runs one short checkpoint of
/// the pages left between two group commits, and the next commit writes from the WAL's start.
final class WALCheckpointer: Sendable {
    /// WAL pages written before the next background checkpoint starts, by the size of the group
    /// commit just made. A commit of one write means requests arrive alone and the writer keeps
    /// up: copying a few pages often leaves the writer's restart checkpoint little to copy (the
    /// open loop's p99 at 2,500/s halved, 18–22 → 8.7–10.5 ms). Larger commits mean a backlog:
    /// checkpoints that often cost it 10–25 % of its throughput, so it copies in big steps (about
    /// the 32 group commits of before). Counted in pages, not commits: a one-write commit is ~15
    /// pages, a busy writer's hundreds.
    static let pagesAfterOneWrite = 64
    static let pagesAfterMore = 4_096
    /// WAL pages (4 KB, so 32 MB) after which the writer finishes a checkpoint so the WAL starts
    /// over. Each such checkpoint stalls every queued write for its two fsyncs and the copying
    /// (1–10 ms timed here); at 2,048 pages it ran ~7 times a second with 4 clients and set the
    /// p99 (7.1–8.0 ms against 3.9–5.1 ms with 8,192, `laurel-bench http --concurrency 4`).
    static let restartPages = 8_192

    private struct State {
        /// The WAL's length after the last commit, and the pages committed since the last
        /// background checkpoint started.
        var walPages = 0
        var pagesSinceStart = 0
        var running = false
        var writerFinishes = false
    }

    /// Its own read-write connection: the pool's readers are read-only, and a checkpoint writes
    /// to the database file.
    private let connection: DatabaseQueue
    private let state = Mutex(State())

    init(path: String) throws {
        connection = try DatabaseQueue(path: path)
    }

    /// Makes the writer's connection report every commit's WAL length (SQLite's WAL hook, which
    /// its own automatic checkpoint would use; that one is off). The store keeps this checkpointer
    /// as long as its writer connection.
    func watch(_ db: Database) {
        sqlite3_wal_hook(db.sqliteConnection, { context, _, _, pages in
            let checkpointer = Unmanaged<WALCheckpointer>.fromOpaque(context!).takeUnretainedValue()
            checkpointer.state.withLock { state in
                let pages = Int(pages)
                // A WAL shorter than before started over: it holds only this commit's pages.
                state.pagesSinceStart += pages >= state.walPages ? pages - state.walPages : pages
                state.walPages = pages
            }
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Called after every group commit of `writes` writes; starts a background checkpoint when
    /// enough pages were written since the last one started and none runs.
    func batchCommitted(writes: Int) {
        let between = writes == 1 ? Self.pagesAfterOneWrite : Self.pagesAfterMore
        let starts = state.withLock { state in
            guard state.pagesSinceStart >= between, !state.running else { return false }
            state.pagesSinceStart = 0
            state.running = true
            return true
        }
        guard starts else { return }
        Task.detached { await self.checkpoint() }
    }

    /// Called by the writer between group commits: runs the checkpoint that lets the WAL start
    /// over, when one is due.
    func finishIfDue(_ db: Database) {
        let due = state.withLock { state in
            let due = state.writerFinishes
            state.writerFinishes = false
            return due
        }
        guard due else { return }
        // Only the pages written since the last background checkpoint are left to copy. One that
        // cannot finish (a reader on old pages) is tried again after the next background one.
        _ = try? db.checkpoint(.passive)
    }

    /// Copies the whole WAL into the database and empties the WAL file (an erasure's last step: the
    /// WAL's old pages would still hold what it removed). A checkpoint already running, the writer in
    /// a transaction or a reader on old pages make it wait; it tries `attempts` times, `pause` apart,
    /// and answers whether it succeeded.
    func truncate(attempts: Int = 200, pause: Duration = .milliseconds(10)) async -> Bool {
        for _ in 0..<attempts {
            let done = (try? await connection.writeWithoutTransaction { db in
                guard db.sqliteConnection != nil else { return false } // closed: see `checkpoint`
                let result = try db.checkpoint(.truncate)
                return result.walFrameCount == result.checkpointedFrameCount
            }) ?? false
            if done { return true }
            try? await Task.sleep(for: pause)
        }
        return false
    }

    /// Closes its connection, after the checkpoint running on it (if any).
    func close() throws {
        try connection.close()
    }

    private func checkpoint() async {
        // A checkpoint that fails or cannot finish is simply retried by the next one; nothing is
        // lost, the WAL only stays longer.
        // A checkpoint started by the last commits may get the connection after `close` (a store closed right after
        // writing, as a backtest's scratch store is): GRDB then hands over a closed connection, and SQLite, given its
        // null handle, crashed the process (signal 11 in sqlite3_wal_checkpoint_v2).
        let pages = (try? await connection.writeWithoutTransaction { db -> Int? in
            guard db.sqliteConnection != nil else { return nil }
            return try db.checkpoint(.passive).walFrameCount
        }) ?? nil
        state.withLock { state in
            state.running = false
            if let pages, pages >= Self.restartPages { state.writerFinishes = true }
        }
    }
}
