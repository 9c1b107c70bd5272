import Foundation
import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// `laurel import events` killed with SIGKILL in the middle of a file, then run again: it says it
/// resumes and where, every row lands exactly once, and the ledger audits clean. On SQLite (a batch
/// is one group-commit write) and PostgreSQL (a batch is one transaction, each event in a savepoint).
@Suite struct ImportKillTests {
    @Test(arguments: TestBackend.available)
    func anImportKilledMidFileResumesAndLandsEveryRowOnce(backend: TestBackend) async throws {
        let folder = try CLITests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = backend == .sqlite ? folder.appendingPathComponent("laurel.db").path : try await TestBackend.freshPostgresSchema()
        let program = folder.appendingPathComponent("program.yaml")
        try """
            name: Shop
            currency: EUR
            earning_rules:
              - {id: spend, event: purchase, effect: {type: points_per_amount, points: 1, per: 1}}
            """.write(to: program, atomically: true, encoding: .utf8)
        #expect(try await LaurelCommand.run(["migrate", "--db", db]).status == 0)
        let apply = try await LaurelCommand.run(["program", "apply", "--program", "shop", program.path, "--db", db])
        #expect(apply.status == 0, "\(apply.all)")

        // PostgreSQL writes each event under its member's lock in a savepoint: slower, so a shorter file.
        let memberCount = 50, eventCount = backend == .sqlite ? 6_000 : 600
        let membersFile = folder.appendingPathComponent("members.csv")
        try (["external_id"] + (0..<memberCount).map { "m\($0)" }).joined(separator: "\n").write(to: membersFile, atomically: true, encoding: .utf8)
        let members = try await LaurelCommand.run(["import", "members", membersFile.path, "--program", "shop", "--db", db])
        #expect(members.status == 0 && members.output.contains("\(memberCount) members created"), "\(members.all)")

        var expected = [String: Int]()
        var lines: [String] = []
        for index in 0..<eventCount {
            let member = "m\(index % memberCount)", total = index % 37 + 1
            expected[member, default: 0] += total
            lines.append(#"{"external_id":"\#(member)","type":"purchase","occurred_at":"2026-01-10T10:00:00Z","purchase":{"currency":"EUR","total":"\#(total)"}}"#)
        }
        let eventsFile = folder.appendingPathComponent("events.jsonl")
        try lines.joined(separator: "\n").write(to: eventsFile, atomically: true, encoding: .utf8)
        let arguments = ["import", "events", eventsFile.path, "--program", "shop", "--db", db, "--batch", backend == .sqlite ? "100" : "20"]

        // Started, killed as soon as the journal shows a committed batch.
        let key = ImportJournalKey(programId: "shop", kind: "events", fileHash: ImportFile.sha256(try Data(contentsOf: eventsFile)))
        let reader: any LaurelStore
        var runner: Task<Void, Never>?
        switch backend {
        case .sqlite: reader = try SQLiteStore(path: db)
        case .postgres:
            let store = try PostgresStore(url: db)
            runner = Task.immediate { await store.run() }
            reader = store
        }
        defer { runner?.cancel() }
        let output = folder.appendingPathComponent("first.out").path
        let child = try ChildProcess(LaurelCommand.binary, arguments, output: output, errors: output)
        var killedAt: ImportJournalRecord?
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline, child.isRunning {
            if let journal = try await reader.importJournal(key), journal.line > 0 {
                child.signal(SIGKILL)
                killedAt = journal
                break
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        await child.stop(SIGKILL, grace: .seconds(1))
        let interrupted = try #require(try await reader.importJournal(key))
        try #require(killedAt != nil && !interrupted.finished, "the import must be killed mid-file: \(interrupted)")
        #expect(interrupted.line < eventCount && interrupted.imported == interrupted.line)

        let second = try await LaurelCommand.run(arguments)
        #expect(second.status == 0, "\(second.all)")
        #expect(second.output.contains("resuming import of this file at line \(interrupted.line + 1) (\(interrupted.imported) rows already imported"),
                "\(second.all)")
        #expect(second.output.contains("\(eventCount) events recorded"), "\(second.all)")

        for (externalId, points) in expected {
            #expect(try await reader.member(programId: "shop", externalId: externalId)?.available == points, "\(externalId)")
        }
        let audit = try await LaurelCommand.run(["audit", "--program", "shop", "--db", db])
        #expect(audit.status == 0 && audit.output.contains("ledger consistent"), "\(audit.all)")
        let third = try await LaurelCommand.run(arguments)
        #expect(third.status == 0 && third.output.contains("already imported"), "\(third.all)")
    }
}
