import Foundation
import LaurelCore
import LaurelStore
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
