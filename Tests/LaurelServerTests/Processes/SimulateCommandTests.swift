import Foundation
import LaurelCore
import LaurelServer
import LaurelStore
import Testing

/// `laurel simulate` on a SQLite file: the table with its progress on standard error, the JSON, and
/// refusals of bad options before anything is read.
struct SimulateCommandTests {
    @Test func tableAndJsonCompareTheDraftWithTheLiveLedger() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-simulate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("live.db").path
        do {
            let store = try SQLiteStore(path: path)
            try await store.migrate()
            _ = try await SampleHistory.record(into: store, seed: 3, members: 20, actions: 200)
            try await store.close()
        }
        let draft = folder.appendingPathComponent("draft.yaml").path
        try SampleHistory.program(base: 3).write(toFile: draft, atomically: true, encoding: .utf8)
        let common = ["simulate", "--db", path, "--program-id", SampleHistory.programId, "--from", "2026-01-01", "--to", "2026-01-31"]

        let table = try await LaurelCommand.run(common + ["--program", draft])
        #expect(table.status == 0, "\(table.errors)")
        #expect(table.output.contains("points issued") && table.output.contains("liability") && table.output.contains("expected breakage"))
        #expect(table.errors.contains("replaying draft"))

        let json = try await LaurelCommand.run(common + ["--format", "json"])
        #expect(json.status == 0, "\(json.errors)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        let live = try #require(object["live"] as? [String: Any]), replayed = try #require(object["draft"] as? [String: Any])
        // Without a draft the live program is replayed against itself: both sides agree.
        #expect(live["points_issued"] as? Int == replayed["points_issued"] as? Int && (live["points_issued"] as? Int ?? 0) > 0)
        #expect(live["liability"] as? String == replayed["liability"] as? String)

        // --scratch keeps the draft's replay in a new file; the live program's replay (the database holds
        // records after the window) goes to a temporary file of its own.
        let scratch = folder.appendingPathComponent("scratch.db").path
        let firstWeek = ["simulate", "--db", path, "--program-id", SampleHistory.programId, "--from", "2026-01-01", "--to", "2026-01-07"]
        let kept = try await LaurelCommand.run(firstWeek + ["--program", draft, "--scratch", scratch])
        #expect(kept.status == 0 && kept.errors.contains("replaying live"), "\(kept.errors)")
        #expect(kept.output.contains("points issued"))
        let scratchStore = try SQLiteStore(path: scratch)
        #expect(try await scratchStore.programVersion(programId: SampleHistory.programId, version: nil)?.source == (try String(contentsOfFile: draft, encoding: .utf8)))
        try await scratchStore.close()
        let taken = try await LaurelCommand.run(firstWeek + ["--program", draft, "--scratch", scratch])
        #expect(taken.status != 0 && taken.errors.contains("exists"))

        let badFormat = try await LaurelCommand.run(common + ["--format", "xml"])
        #expect(badFormat.status != 0 && badFormat.errors.contains("table or json"))
        let backwards = try await LaurelCommand.run(["simulate", "--db", path, "--program-id", SampleHistory.programId, "--from", "2026-02-01", "--to", "2026-01-01"])
        #expect(backwards.status != 0 && backwards.errors.contains("--from must come before --to"))
    }
}
