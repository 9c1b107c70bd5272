import ArgumentParser
import Foundation
import LaurelStore

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy a SQLite database into a new file while the server keeps running (SQLite's online backup API).",
        discussion: "The copy is one consistent snapshot. PostgreSQL databases are backed up with pg_dump or the provider's snapshots (docs/operations.md).")
    @OptionGroup var store: StoreOptions
    @Argument(help: "The new file to write (refused if it exists).") var target: String

    func run() async throws {
        guard !store.isPostgres else {
            throw CommandFailure("laurel backup copies SQLite databases only; back up PostgreSQL with pg_dump (see docs/operations.md, Backups)")
        }
        do {
            let summary = try SQLiteBackup.run(path: store.db, to: target)
            say("backed up \(store.db) to \(target): \(summary.pages) pages, \(summary.bytes) bytes")
        } catch let refusal as SQLiteBackup.Refusal {
            throw CommandFailure(refusal.description)
        }
    }
}
