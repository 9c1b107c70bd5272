import Foundation
import LaurelCore
import LaurelStore
import LaurelTestSupport
import Testing

/// A balance read merges a member's open lots by what it sums them by (state, expiry, release
/// day, released by now or not) so that hundreds of pending lots cost a few dozen rows (points
/// expire at a month's end, so many lots share an expiry). Over a
/// seeded history of purchases, reviews, spending and returns into debt, a read that settles in
/// its head must say what a read after the settlement job says, and list pending points by day.
struct ManyPendingLotsReadTests {
    static let program = """
        name: Many pending lots
        currency: EUR
        points:
          pending_days: 14
          expiry: {policy: end_of_month, months_after: 1}
          returns: {when_spent: debt, debt_limit: 500}
        earning_rules:
          - id: spend
            event: purchase
            effect: {type: points_per_amount, points: 1, per: 1}
          - id: review
            event: review
            effect: {type: fixed_points, points: 10}
        """

    static let day: TimeInterval = 86_400

    @Test(arguments: StoreBackend.available)
    func aReadOfManyPendingLotsSaysWhatTheSettledLedgerSays(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let member = try await fixture.member("c-many")
        var random = SplitMix64(seed: 34)
        var clock = StoreFixture.start
        var purchases: [(id: String, at: Date, refundable: Int)] = []
        for step in 0..<250 {
            clock += Double(random.int(60...7_200))
            switch random.int(20) {
            case 0..<15:
                let points = random.int(1...90)
                let purchase = try await fixture.record(StoreFixture.purchase(total: "\(points)", at: clock), memberId: member.id)
                purchases.append((purchase.id, clock, points))
            case 15, 16:
                try await fixture.record(StoreFixture.named("review", at: clock), memberId: member.id)
            case 17 where purchases.contains(where: { $0.refundable > 0 }):
                let refundable = purchases.indices.filter { purchases[$0].refundable > 0 }
                let index = refundable[random.int(refundable.count)]
                let amount = random.int(1...purchases[index].refundable)
                purchases[index].refundable -= amount
                try await fixture.record(StoreFixture.returnOf(purchases[index].id, amount: "\(amount)", at: clock), memberId: member.id)
            default:
                let spendable = try await fixture.reload(member.id).available
                if spendable > 5 {
                    _ = try await fixture.store.adjust(programId: fixture.programId, memberId: member.id, id: "adj_\(step)", points: -random.int(1...min(spendable, 60)),
                                                       reason: "spent", actor: "test", now: clock, idempotency: nil)
                }
            }
        }
        let last = clock
        var readsWithManyPendingLots = 0
        for offset in [0, 3, 9.5, 16, 31, 47] {
            let now = last + offset * Self.day
            let unsettled = try await fixture.store.pointsSummary(programId: fixture.programId, memberId: member.id, now: now, expiringWithin: 30 * Self.day)
            if purchases.filter({ $0.at + 14 * Self.day > now }).count > 100 { readsWithManyPendingLots += 1 }
            // Pending points by UTC day of release, each day dated by its last release.
            let days = Set(unsettled.pendingLots.map { PointsSummary.releaseDay($0.date) })
            #expect(days.count == unsettled.pendingLots.count, "one entry per day")
            #expect(unsettled.pendingLots.map(\.points).reduce(0, +) == unsettled.pending)
            #expect(unsettled.pendingLots.allSatisfy { $0.date > now })

            try await fixture.settle(now: now)
            let settled = try await fixture.store.pointsSummary(programId: fixture.programId, memberId: member.id, now: now, expiringWithin: 30 * Self.day)
            #expect(unsettled.available == settled.available && unsettled.pending == settled.pending && unsettled.debt == settled.debt,
                    "as of +\(offset) days")
            #expect(dated(unsettled.pendingLots) == dated(settled.pendingLots), "as of +\(offset) days")
            #expect(dated(unsettled.expiring) == dated(settled.expiring), "as of +\(offset) days")
            let stored = try await fixture.reload(member.id)
            #expect(stored.available == settled.available && stored.pending == settled.pending)
        }
        #expect(readsWithManyPendingLots >= 2, "the history must leave many lots pending at some reads")
        #expect(try await fixture.audit().isEmpty)
    }
}
