import Foundation
import GRDB
import LaurelCore
@testable import LaurelStore
import Testing

/// Migration v9 rebuilds `ledger_entries` without AUTOINCREMENT: a database written before it must
/// keep every entry with its `seq`, and new entries must still count up from the largest one.
struct LedgerSeqMigrationTests {
    @Test func entriesWrittenBeforeTheRebuildKeepTheirSequenceAndNewOnesFollow() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-seq-\(UUID().uuidString).db").path
        defer { StoreFixture.removeFile(path) }
        let store = try SQLiteStore(path: path)
        try SQLiteSchema.migrator.migrate(store.writer, upTo: "v8-no-ledger-by-program")
        _ = try await store.createProgram(id: "prg_seq", name: "Sequence", now: StoreFixture.start)
        let fixture = StoreFixture(store: store, programId: "prg_seq")
        // Applied by hand: `applyProgram` also writes the audit trail, whose table comes with a later migration.
        let definition = try ProgramDefinition.parse(StoreFixture.basicProgram)
        try await store.writer.write { db in
            try db.execute(sql: "INSERT INTO program_versions (program_id, version, definition, source, created_at) VALUES (?, 1, ?, ?, ?)",
                           arguments: ["prg_seq", try JSONText.encode(definition.canonicalTree), StoreFixture.basicProgram, StoreFixture.start.millis])
            try db.execute(sql: "UPDATE programs SET current_version = 1 WHERE id = 'prg_seq'")
        }
        let members = [try await fixture.member("seq-1"), try await fixture.member("seq-2")]
        for index in 0..<6 {
            try await fixture.record(StoreFixture.purchase(total: "\(10 + index)", at: StoreFixture.at(hours: Double(index))),
                                     memberId: members[index % 2].id)
        }
        var before: [LedgerEntryRecord] = []
        for member in members { before += try await fixture.entries(member.id) }
        let largest = try #require(before.map(\.sequence).max())

        try await store.migrate()

        var after: [LedgerEntryRecord] = []
        for member in members { after += try await fixture.entries(member.id) }
        #expect(after == before)
        let newer = try await fixture.record(StoreFixture.purchase(total: "20", at: StoreFixture.at(hours: 7)), memberId: members[0].id)
        let added = try await fixture.entries(members[0].id).filter { $0.entry.sourceId == newer.id }
        #expect(!added.isEmpty)
        #expect(added.allSatisfy { $0.sequence > largest })
        #expect(try await fixture.audit() == [])
        let (table, counters) = try await store.writer.read { db in
            (try String.fetchOne(db, sql: "SELECT sql FROM sqlite_schema WHERE name = 'ledger_entries'") ?? "",
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_sequence WHERE name = 'ledger_entries'") ?? -1)
        }
        #expect(!table.contains("AUTOINCREMENT"))
        #expect(counters == 0)
    }
}
