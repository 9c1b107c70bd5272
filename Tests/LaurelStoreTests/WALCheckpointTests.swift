import Foundation
import LaurelCore
import LaurelStore
import Testing

/// SQLite's own checkpoint is off (it ran on the writer); the store's checkpointer must keep the
/// WAL from growing with every write.
struct WALCheckpointTests {
    @Test func theWALIsReusedInsteadOfGrowing() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-wal-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        let fixture = StoreFixture(store: store, programId: "prg_wal")
        _ = try await store.createProgram(id: "prg_wal", name: "WAL", now: StoreFixture.start)
        try await fixture.apply(StoreFixture.basicProgram)
        let member = try await fixture.member("w-1")
        // About 70 KB of WAL per event: without checkpoints 1,500 events leave a WAL of about 100 MB.
        for index in 0..<1_500 {
            try await fixture.record(StoreFixture.purchase(total: "\(index % 90 + 10)", at: StoreFixture.at(hours: Double(index) / 60)),
                                     memberId: member.id)
        }
        let walBytes = (try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        #expect(walBytes < 16_000_000, "WAL of \(walBytes) bytes")
        #expect(try await fixture.audit() == [])
    }
}
