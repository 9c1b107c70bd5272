import Foundation
import GRDB
import LaurelCore
import LaurelStore
import Testing

/// The audit must find what it looks for, not only stay quiet on a sound ledger.
struct LedgerAuditTests {
    @Test func returnsThatTookBackMoreThanTheirPurchaseEarnedAreReported() async throws {
        let (fixture, path) = try await StoreFixture.onFile(programId: "prg_audit")
        defer { StoreFixture.removeFile(path) }
        let member = try await fixture.member("a-1")
        let kept = try await fixture.record(StoreFixture.purchase(total: "80", at: StoreFixture.start), memberId: member.id)
        let returned = try await fixture.record(StoreFixture.purchase(total: "100", at: StoreFixture.start), memberId: member.id)
        try await fixture.record(StoreFixture.returnOf(returned.id, amount: "60", at: StoreFixture.at(hours: 1)), memberId: member.id)
        try await fixture.record(StoreFixture.returnOf(returned.id, amount: "40", at: StoreFixture.at(hours: 2)), memberId: member.id)
        #expect(try await fixture.audit() == [])

        // Pretend the purchase had earned less than its two returns took back.
        let database = try DatabaseQueue(path: path)
        try await database.write { db in try db.execute(sql: "UPDATE events SET points = 10 WHERE id = ?", arguments: [returned.id]) }
        #expect(try await fixture.audit() == ["purchase \(returned.id): returns took back \(returned.points), more than the 10 it earned"])
        #expect(kept.points > 0)
    }

    @Test func pendingPointsKeptPerDayThatDifferFromTheLotsAreReported() async throws {
        let program = StoreFixture.basicProgram.replacingOccurrences(of: "currency: EUR\n", with: "currency: EUR\npoints:\n  pending_days: 14\n")
        let (fixture, path) = try await StoreFixture.onFile(programId: "prg_audit", program: program)
        defer { StoreFixture.removeFile(path) }
        let member = try await fixture.member("a-1")
        try await fixture.record(StoreFixture.purchase(total: "80", at: StoreFixture.start), memberId: member.id)
        #expect(try await fixture.audit() == [])

        // Pretend a trigger missed a point.
        let database = try DatabaseQueue(path: path)
        try await database.write { db in try db.execute(sql: "UPDATE pending_days SET remaining = remaining - 1") }
        let release = StoreFixture.at(days: 14)
        #expect(try await fixture.audit() == [
            "\(member.id): pending points of day \(PointsSummary.releaseDay(release)) expiring never kept as lots 1, points 80, remaining 79, "
                + "last release \(Timestamps.format(release)) but the lots hold lots 1, points 80, remaining 80, last release \(Timestamps.format(release))",
        ])
    }
}
