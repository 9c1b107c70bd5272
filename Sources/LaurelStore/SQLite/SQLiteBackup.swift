import Foundation
import GRDB

/// `laurel backup`: a consistent copy of a SQLite database taken with SQLite's online backup API
/// while a server may be writing to it.
public enum SQLiteBackup {
    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    /// What a backup copied.
    public struct Summary: Sendable {
        /// Database pages copied (4 KiB each by default).
        public let pages: Int
        /// Bytes of the new file.
        public let bytes: Int
    }

    /// Copies the database at `path` into the new file `target` (refused if it exists).
    ///
    /// The copy is one snapshot: the source is read in one read transaction, all pages in one
    /// backup step, so it holds exactly the transactions committed before the backup began and
    /// none of those committed while it ran (in WAL mode writers go on meanwhile; they are never
    /// blocked). It is written to `target.partial` and renamed once complete and checked
    /// (`PRAGMA quick_check`), so `target` never holds half a copy.
    public static func run(path: String, to target: String) throws -> Summary {
        guard FileManager.default.fileExists(atPath: path) else { throw Refusal(description: "no database at \(path)") }
        guard !FileManager.default.fileExists(atPath: target) else {
            throw Refusal(description: "\(target) exists: back up into a new file (nothing was overwritten)")
        }
        let partial = target + ".partial"
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: partial + suffix) }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let source = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? source.close() }
        var pages = 0
        do {
            let destination = try DatabaseQueue(path: partial)
            try source.backup(to: destination) { progress in pages = progress.totalPageCount }
            let check = try destination.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
            try destination.close()
            guard check == ["ok"] else { throw Refusal(description: "the copy failed its check: \(check.prefix(5).joined(separator: "; "))") }
            try FileManager.default.moveItem(atPath: partial, toPath: target)
        } catch {
            for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: partial + suffix) }
            throw error
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: target)[.size] as? Int) ?? 0
        return Summary(pages: pages, bytes: bytes)
    }
}
