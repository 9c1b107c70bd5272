import Foundation
import GRDB
import LaurelStore
import Synchronization
import Testing

/// SIGTERM under load: every request was either answered (and its write is in the database) or
/// never accepted, and the database is closed cleanly (no WAL left to recover, integrity ok, audit clean).
@Suite struct GracefulShutdownTests {
    @Test func sigtermUnderLoadAnswersOrRefusesAndClosesTheDatabase() async throws {
        let folder = try CLITests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("laurel.db").path
        let key = try await OperationsLoad.prepare(db)
        let server = try await ServeProcess.start(database: db, arguments: ["--settle-every", "0", "--shutdown-grace", "20"])
        let signalled = Mutex(false)
        let working = Atomic<Int>(0)
        let workers = Task {
            await OperationsLoad.run(port: server.port, key: key, workers: 8, stop: { false }, started: { working.add(1, ordering: .relaxed) })
        }
        // Let the load run, then stop the server in the middle of it.
        let deadline = ContinuousClock.now + .seconds(30)
        while working.load(ordering: .relaxed) < 8, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(500))
        server.process.signal(SIGTERM)
        signalled.withLock { $0 = true }
        let exited = await server.process.waitForExit(within: .seconds(30))
        let output = server.output
        if !exited { await server.stop() }
        try #require(exited, "the server did not exit within 30 s of SIGTERM: \(output.suffix(2_000))")
        #expect(server.process.status == 0, "exit status \(String(describing: server.process.status)): \(output.suffix(2_000))")
        #expect(output.contains("shut down cleanly"), "\(output.suffix(2_000))")
        let results = await workers.value
        try? FileManager.default.removeItem(at: server.log)

        // Every worker ended on a refused or closed connection, never on an error answer.
        for worker in results {
            #expect(worker.memberId != nil, "\(worker.failure ?? "")")
            #expect(!(worker.failure ?? "").contains("answered"), "\(worker.failure ?? "")")
        }
        #expect(results.map(\.answered).reduce(0, +) > 0)

        // Closed cleanly: no WAL frames left to recover.
        let walSize = (try? FileManager.default.attributesOfItem(atPath: db + "-wal")[.size] as? Int) ?? 0
        #expect(walSize == 0, "a \(walSize)-byte WAL was left behind")
        let check = try DatabaseQueue(path: db)
        #expect(try await check.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") } == ["ok"])
        try check.close()

        // Every answered purchase is in the database, and nothing that was not answered.
        let store = try SQLiteStore(path: db)
        try await store.migrate()
        for worker in results {
            let memberId = try #require(worker.memberId)
            let member = try #require(try await store.member(programId: "ops", id: memberId))
            #expect(member.available == worker.answered * 10, "answered \(worker.answered) purchases of 10 points; the balance is \(member.available)")
        }
        try await store.close()
        let audit = try await LaurelCommand.run(["audit", "--db", db])
        #expect(audit.status == 0 && audit.output.contains("ops: ledger consistent"), "\(audit.all)")
    }
}
