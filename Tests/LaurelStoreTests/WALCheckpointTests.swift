import Foundation
import LaurelCore
import LaurelStore
import Testing

/// SQLite's own checkpoint is off (it ran on the writer); the store's checkpointer must keep the
/// WAL from growing with every write.
struct WALCheckpointTests {
    @Test func theWALIsReusedInsteadOfGrowing() async throws {
        let (fixture, path) = try await StoreFixture.onFile(programId: "prg_wal")
        defer { StoreFixture.removeFile(path) }
        let member = try await fixture.member("w-1")
        // About 56 KB of WAL per event: without checkpoints 2,500 events leave a WAL of about 140 MB.
        // The writer lets it start over at 32 MB (`WALCheckpointer.restartPages`), plus what
        // arrives while it does.
        for index in 0..<2_500 {
            try await fixture.record(StoreFixture.purchase(total: "\(index % 90 + 10)", at: StoreFixture.at(hours: Double(index) / 60)),
                                     memberId: member.id)
        }
        let walBytes = try Self.walBytes(path)
        #expect(walBytes < 64_000_000, "WAL of \(walBytes) bytes")
        #expect(try await fixture.audit() == [])
    }

    /// The same bound when writes arrive together and group commits hold many (the checkpoints'
    /// larger step).
    @Test func theWALStaysBoundedUnderConcurrentWrites() async throws {
        let (fixture, path) = try await StoreFixture.onFile(programId: "prg_wal_c")
        defer { StoreFixture.removeFile(path) }
        var members: [String] = []
        for index in 0..<16 { members.append(try await fixture.member("c-\(index)").id) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (lane, member) in members.enumerated() {
                group.addTask {
                    for index in 0..<400 {
                        try await fixture.record(StoreFixture.purchase(total: "\(index % 90 + 10)",
                                                                       at: StoreFixture.at(hours: Double(index * 16 + lane) / 120)),
                                                 memberId: member)
                    }
                }
            }
            try await group.waitForAll()
        }
        let walBytes = try Self.walBytes(path)
        #expect(walBytes < 64_000_000, "WAL of \(walBytes) bytes") // ~47 MB here; ~119 MB without checkpoints
        #expect(try await fixture.audit() == [])
    }

    private static func walBytes(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
    }
}
