import Foundation
import LaurelCore
import LaurelStore
import Testing

/// `laurel export` run as a process: standard output by default, `--output` writes a file and says
/// how many rows, an unknown program or kind is a failure, not an empty file.
struct ExportCommandTests {
    @Test func exportsToStandardOutputOrAFile() async throws {
        let folder = try CLITests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("laurel.db").path
        let store = try SQLiteStore(path: db)
        try await store.migrate()
        let now = Date(timeIntervalSince1970: 1_780_000_000)
        _ = try await store.createProgram(id: "p", name: "P", now: now)
        _ = try await store.createMember(MemberRecord(id: "mem_1", programId: "p", externalId: "ext, 1", name: "Ana", createdAt: now, updatedAt: now),
                                         idempotency: nil)
        try await store.close()

        let csv = try await LaurelCommand.run(["export", "members", "--db", db, "--program", "p", "--format", "csv"])
        #expect(csv.status == 0, "\(csv.all)")
        #expect(csv.output == "id,external_id,email,name,birthday,status,attributes\r\nmem_1,\"ext, 1\",,Ana,,active,{}\r\n")

        let file = folder.appendingPathComponent("members.jsonl").path
        let jsonl = try await LaurelCommand.run(["export", "members", "--db", db, "--program", "p", "--output", file])
        #expect(jsonl.status == 0 && jsonl.errors.contains("1 members rows written"), "\(jsonl.all)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == #"{"attributes":{},"external_id":"ext, 1","id":"mem_1","name":"Ana","status":"active"}"# + "\n")

        let unknown = try await LaurelCommand.run(["export", "ledger", "--db", db, "--program", "nope"])
        #expect(unknown.status == 1 && unknown.errors.contains("no program nope") && unknown.output.isEmpty, "\(unknown.all)")
        let kind = try await LaurelCommand.run(["export", "lots", "--db", db, "--program", "p"])
        #expect(kind.status != 0 && kind.output.isEmpty, "\(kind.all)")
    }
}
