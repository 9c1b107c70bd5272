import Foundation
import GRDB
import LaurelStore
import Synchronization
import Testing

/// The restore drill of docs/operations.md: `laurel backup` while purchases are written, restore
/// the copy into a new file, and the copy is whole and one moment of the live database.
@Suite struct BackupDrillTests {
    @Test func backupUnderLoadRestoresToAConsistentDatabase() async throws {
        let folder = try CLITests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("laurel.db").path
        let backup = folder.appendingPathComponent("backup.db").path
        let restored = folder.appendingPathComponent("restored.db").path
        let key = try await OperationsLoad.prepare(db)
        let stop = Atomic<Bool>(false)
        let working = Atomic<Int>(0)
        let server = try await ServeProcess.start(database: db)
        let workers = Task {
            await OperationsLoad.run(port: server.port, key: key, workers: 6, stop: { stop.load(ordering: .relaxed) },
                                     started: { working.add(1, ordering: .relaxed) })
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while working.load(ordering: .relaxed) < 6, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(300))
        let result = try await LaurelCommand.run(["backup", "--db", db, backup])
        // Writes go on after the backup too.
        try await Task.sleep(for: .milliseconds(300))
        stop.store(true, ordering: .relaxed)
        let results = await workers.value
        await server.stop()
        #expect(result.status == 0 && result.output.contains("backed up"), "\(result.all)")
        for worker in results { #expect(worker.failure == nil, "\(worker.failure ?? "")") }

        // A second backup into the same file is refused; a PostgreSQL URL is sent to pg_dump.
        let again = try await LaurelCommand.run(["backup", "--db", db, backup])
        #expect(again.status != 0 && again.all.contains("exists"), "\(again.all)")
        let postgres = try await LaurelCommand.run(["backup", "--db", "postgres://laurel@127.0.0.1:1/laurel", restored])
        #expect(postgres.status != 0 && postgres.all.contains("pg_dump") && postgres.all.contains("docs/operations.md"), "\(postgres.all)")

        // Restore: copy the backup file into place (the server stopped), as the drill says.
        try FileManager.default.copyItem(atPath: backup, toPath: restored)
        let check = try DatabaseQueue(path: restored)
        #expect(try await check.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") } == ["ok"])
        try check.close()
        let audit = try await LaurelCommand.run(["audit", "--db", restored])
        #expect(audit.status == 0 && audit.output.contains("ops: ledger consistent"), "\(audit.all)")

        // One moment of the live database: each balance is whole purchases, at most what the live
        // database ended with, and the copy was taken mid-load (some purchases came after it).
        let copy = try SQLiteStore(path: restored)
        try await copy.migrate()
        var copied = 0
        for worker in results {
            let memberId = try #require(worker.memberId)
            let member = try #require(try await copy.member(programId: "ops", id: memberId))
            #expect(member.available % 10 == 0 && member.available <= worker.answered * 10, "\(member.available) of \(worker.answered * 10)")
            let entries = try await copy.ledger(programId: "ops", memberId: member.id, limit: 10_000, startingAfter: nil).items
            #expect(entries.count * 10 == member.available, "\(entries.count) ledger entries for \(member.available) points")
            copied += member.available / 10
        }
        try await copy.close()
        #expect(copied > 0 && copied < results.map(\.answered).reduce(0, +), "\(copied) purchases copied of \(results.map(\.answered))")

        // The restored file serves.
        try await ServeProcess.with(database: restored) { _ in }
    }
}
