import Foundation
import LaurelCore
import GRDB
@testable import LaurelStore
import Testing

/// Reads run beside the writer (SQLite runs them on the caller's thread, each in a snapshot of its
/// own): while purchases are being written, every read sees a whole number of committed purchases,
/// its member row agrees with the lots read with it, and a later read never sees less.
struct ReadsDuringWritesTests {
    @Test(arguments: StoreBackend.available)
    func readsSeeWholeCommittedWritesAndNeverGoBack(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let member = try await fixture.member("c-1")
        let purchases = 120
        let readsPerReader = 150
        let later = StoreFixture.at(days: 30)
        let seen = try await withThrowingTaskGroup(of: [Int].self) { group in
            for index in 0..<purchases {
                group.addTask {
                    _ = try await fixture.record(StoreFixture.purchase(total: "10", at: StoreFixture.at(hours: Double(index) / 10)), memberId: member.id)
                    return []
                }
            }
            for _ in 0..<3 {
                group.addTask {
                    var balances: [Int] = []
                    for _ in 0..<readsPerReader {
                        let summary = try await fixture.store.pointsSummary(programId: fixture.programId, memberId: member.id, now: later,
                                                                            expiringWithin: 0)
                        #expect(summary.member.available == summary.available, "the member row and the lots come from one snapshot")
                        balances.append(summary.available)
                    }
                    return balances
                }
            }
            var seen: [[Int]] = []
            for try await balances in group where !balances.isEmpty { seen.append(balances) }
            return seen
        }
        #expect(seen.count == 3)
        for balances in seen {
            #expect(balances.allSatisfy { $0 % 10 == 0 && $0 <= purchases * 10 }, "only whole purchases: \(balances)")
            #expect(balances == balances.sorted(), "a later read never sees less")
        }
        let final = try await fixture.store.pointsSummary(programId: fixture.programId, memberId: member.id, now: later, expiringWithin: 0)
        #expect(final.available == purchases * 10)
        #expect(try await fixture.audit() == [])
    }
}

/// A read on SQLite is one snapshot however many statements it runs: a commit made by another
/// connection between two of its statements is not seen until the next read.
@Suite struct SQLiteReadSnapshotTests {
    @Test func aReadDoesNotSeeACommitMadeWhileItRuns() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-snapshot-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        _ = try await store.createProgram(id: "a", name: "A", now: Date())
        let other = try DatabaseQueue(path: path)
        let count = "SELECT COUNT(*) FROM programs"
        let (before, during) = try await store.read { db in
            let before = try Int.fetchOne(db, sql: count)!
            try other.write { db in try db.execute(sql: "INSERT INTO programs (id, name, created_at) VALUES ('b', 'B', 0)") }
            return (before, try Int.fetchOne(db, sql: count)!)
        }
        #expect(before == 1 && during == 1, "one snapshot: \(before), then \(during)")
        #expect(try await store.read { db in try Int.fetchOne(db, sql: count)! } == 2, "the next read sees the commit")
        // A read that throws ends its snapshot too: the connection goes back to the pool without it.
        struct Failure: Error {}
        await #expect(throws: Failure.self) { try await store.read { db in _ = try Int.fetchOne(db, sql: count); throw Failure() } }
        try await other.write { db in try db.execute(sql: "INSERT INTO programs (id, name, created_at) VALUES ('c', 'C', 0)") }
        #expect(try await store.read { db in try Int.fetchOne(db, sql: count)! } == 3)
    }
}
