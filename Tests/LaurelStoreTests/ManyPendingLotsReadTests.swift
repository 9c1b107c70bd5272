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
            // The same as the summary of every open lot, unmerged.
            let full = try await PendingDaysProbe.summaryFromEveryLot(fixture, memberId: member.id, now: now, expiringWithin: 30 * Self.day)
            #expect([unsettled.available, unsettled.pending, unsettled.debt] as [Int] == [full.available, full.pending, full.debt], "as of +\(offset) days")
            #expect(dated(unsettled.pendingLots) == dated(full.pendingLots) && dated(unsettled.expiring) == dated(full.expiring), "as of +\(offset) days")
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
            #expect(try await PendingDaysProbe.differences(fixture) == [], "as of +\(offset) days")
        }
        #expect(readsWithManyPendingLots >= 2, "the history must leave many lots pending at some reads")
        #expect(try await fixture.audit().isEmpty)
    }

    /// The day `now` falls in is read from its lots, every other from `pending_days`; this walks one
    /// day through what can change its sums: a read that splits it, the settlement job maturing its
    /// first releases, a return taking back its last release (the day is dated by the one before),
    /// a return taking part of a lot, and expiry — with lots that expire and lots that never do.
    @Test(arguments: StoreBackend.available, [true, false])
    func aDaySplitByNowIsReadFromItsLotsAndTheOthersFromTheirSums(backend: StoreBackend, expiring: Bool) async throws {
        let program = expiring ? Self.program : Self.program.replacingOccurrences(of: "  expiry: {policy: end_of_month, months_after: 1}\n", with: "")
        let fixture = try await StoreFixture.make(backend, program: program)
        let member = try await fixture.member("c-day")
        var purchases: [String] = []
        for (hours, total) in [(0.0, 10), (2, 20), (4, 30), (6, 40)] {
            purchases.append(try await fixture.record(StoreFixture.purchase(total: "\(total)", at: StoreFixture.at(hours: hours)), memberId: member.id).id)
        }
        try await fixture.record(StoreFixture.purchase(total: "50", at: StoreFixture.at(days: 1)), memberId: member.id)
        // Releases on day 14 at 10:00, 12:00, 14:00 and 16:00, and on day 15 at 10:00.
        let releaseDay = StoreFixture.at(days: 14), nextDay = StoreFixture.at(days: 15)

        /// The read as of `now` against the summary of every open lot, and the kept sums against the lots.
        func check(_ now: Date, pending expected: [String], _ step: String) async throws {
            let read = try await fixture.store.pointsSummary(programId: fixture.programId, memberId: member.id, now: now, expiringWithin: 60 * Self.day)
            let full = try await PendingDaysProbe.summaryFromEveryLot(fixture, memberId: member.id, now: now, expiringWithin: 60 * Self.day)
            #expect([read.available, read.pending, read.debt] as [Int] == [full.available, full.pending, full.debt], "\(step)")
            #expect(dated(read.pendingLots) == dated(full.pendingLots) && dated(read.pendingLots) == expected, "\(step)")
            #expect(dated(read.expiring) == dated(full.expiring), "\(step)")
            #expect(try await PendingDaysProbe.differences(fixture) == [], "\(step)")
        }

        let split = releaseDay.addingTimeInterval(3 * 3600)   // 13:00: the first two released, the last two not
        try await check(split, pending: dated((releaseDay + 6 * 3600, 70), (nextDay, 50)), "a read splitting the day")
        let window = try await fixture.store.pointsSummary(programId: fixture.programId, memberId: member.id, now: split, expiringWithin: 60 * Self.day)
        #expect(window.expiring.isEmpty == !expiring)
        try await fixture.settle(now: split)
        try await check(split, pending: dated((releaseDay + 6 * 3600, 70), (nextDay, 50)), "after the job matured the first two")
        try await fixture.record(StoreFixture.returnOf(purchases[3], amount: "40", at: split), memberId: member.id)
        try await check(split, pending: dated((releaseDay + 4 * 3600, 30), (nextDay, 50)), "after a return took back the day's last release")
        try await fixture.record(StoreFixture.returnOf(purchases[2], amount: "10", at: split), memberId: member.id)
        try await check(split, pending: dated((releaseDay + 4 * 3600, 20), (nextDay, 50)), "after a return took part of a lot")
        try await check(nextDay - 3600, pending: dated((nextDay, 50)), "a read on the next day before its release")
        try await check(nextDay + 47 * Self.day, pending: [], "a read after the points expired (or not)")
        try await fixture.settle(now: nextDay + 47 * Self.day)
        try await check(nextDay + 47 * Self.day, pending: [], "after the job settled everything")
        #expect(try await PendingDaysProbe.kept(fixture).isEmpty)
        #expect(try await fixture.audit().isEmpty)
    }
}
