import GRDB
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
    /// Group commits between background checkpoints: a few hundred events, about the thousand
    /// pages of SQLite's own default.
    static let batchesBetween = 32
    /// WAL pages (4 KB, so 32 MB) after which the writer finishes a checkpoint so the WAL starts
    /// over. Each such checkpoint stalls every queued write for its two fsyncs and the copying
    /// (1–10 ms timed here); at 2,048 pages it ran ~7 times a second with 4 clients and set the
    /// p99 (7.1–8.0 ms against 3.9–5.1 ms with 8,192, `laurel-bench http --concurrency 4`).
    static let restartPages = 8_192

    private struct State {
        var batches = 0
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

    /// Called after every group commit; starts a background checkpoint when enough have passed
    /// and none runs.
    func batchCommitted() {
        let starts = state.withLock { state in
            state.batches += 1
            guard state.batches >= Self.batchesBetween, !state.running else { return false }
            state.batches = 0
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

    private func checkpoint() async {
        // A checkpoint that fails or cannot finish is simply retried by the next one; nothing is
        // lost, the WAL only stays longer.
        let pages = try? await connection.writeWithoutTransaction { db in try db.checkpoint(.passive).walFrameCount }
        state.withLock { state in
            state.running = false
            if let pages, pages >= Self.restartPages { state.writerFinishes = true }
        }
    }
}
