import Foundation
import LaurelCore
import LaurelStore
import Testing

/// Purchase points wait out the return window, then mature; all points expire after 30 days.
struct PendingAndExpiryTests {
    static let program = """
        name: Pending and expiry
        currency: EUR
        points:
          pending_days: 14
          expiry: {policy: after_days, days: 30}
        earning_rules:
          - id: spend
            event: purchase
            effect: {type: points_per_amount, points: 1, per: 1}
          - id: review
            event: review
            effect: {type: fixed_points, points: 10}
        """

    static let days: TimeInterval = 86_400

    /// One settlement of 250 lots writes 250 entries: more rows than one insert statement takes.
    @Test(arguments: StoreBackend.available)
    func settlingManyLotsAtOnceWritesEveryEntry(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let member = try await fixture.member("c-many")
        let t0 = StoreFixture.start
        for index in 0..<250 {
            try await fixture.record(StoreFixture.purchase(total: "\(index % 3 + 1)", at: t0 + Double(index)), memberId: member.id)
        }
        try await fixture.settle(now: t0 + 15 * Self.days)
        let entries = try await fixture.entries(member.id, pageSize: 100)
        let earned = entries.filter { $0.entry.kind == .earn }, matured = entries.filter { $0.entry.kind == .mature }
        #expect(earned.count == 250 && matured.count == 250)
        #expect(Set(matured.map(\.entry.lotId)) == Set(earned.map(\.entry.lotId)))
        #expect(matured.map(\.entry.points).reduce(0, +) == 499)
        #expect(try await fixture.reload(member.id).available == 499)
        #expect(try await fixture.balancesFromEntries(member.id) == (available: 499, pending: 0))
        #expect(try await fixture.audit().isEmpty)
    }

    @Test(arguments: StoreBackend.available)
    func purchaseMaturesThenExpires(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let member = try await fixture.member("c-1")
        let t0 = StoreFixture.start
        let purchase = try await fixture.record(StoreFixture.purchase(total: "100", at: t0), memberId: member.id)
        #expect(purchase.outcome.pending)
        #expect(purchase.outcome.availableAt == Timestamps.format(t0 + 14 * Self.days))
        #expect(purchase.outcome.expiresAt == Timestamps.format(t0 + 30 * Self.days))
        #expect(purchase.outcome.balanceAfter.pair == [0, 100])
        var stored = try await fixture.reload(member.id)
        #expect(stored.available == 0 && stored.pending == 100)
        #expect(try await fixture.entries(member.id).map(\.entry.to) == [.pending(member: member.id)])

        // Named events are not pending; this one expires two days after the purchase's points.
        let review = try await fixture.record(StoreFixture.named("review", at: t0 + 2 * Self.days), memberId: member.id)
        #expect(!review.outcome.pending)
        #expect(try await fixture.reload(member.id).available == 10)

        // Nothing is due before the window ends.
        #expect(try await fixture.store.settleDuePoints(now: t0 + 13 * Self.days, batchSize: 10) == 0)
        #expect(try await fixture.entries(member.id).count == 2)

        #expect(try await fixture.store.settleDuePoints(now: t0 + 15 * Self.days, batchSize: 10) == 1)
        stored = try await fixture.reload(member.id)
        #expect(stored.available == 110 && stored.pending == 0)
        let matured = try #require(try await fixture.entries(member.id).last)
        #expect(matured.entry.kind == .mature && matured.entry.points == 100)
        #expect(matured.entry.from == .pending(member: member.id) && matured.entry.to == .available(member: member.id))
        #expect(try await fixture.balancesFromEntries(member.id) == (110, 0))
        #expect(try await fixture.audit() == [])
        #expect(try await fixture.store.settleDuePoints(now: t0 + 15 * Self.days, batchSize: 10) == 0, "settling twice does nothing")

        // Spending takes the soonest-expiring points: the purchase's, not the review's.
        _ = try await fixture.store.adjust(programId: fixture.programId, memberId: member.id, id: "adj_1", points: -5, reason: "test",
                                           actor: "staff", now: t0 + 20 * Self.days, idempotency: nil)
        #expect(try await fixture.store.settleDuePoints(now: t0 + 31 * Self.days, batchSize: 10) == 1)
        let expired = try #require(try await fixture.entries(member.id).last)
        #expect(expired.entry.kind == .expire && expired.entry.points == 95)
        #expect(expired.entry.from == .available(member: member.id) && expired.entry.to == .expired)
        #expect(expired.entry.sourceId != purchase.id)
        #expect(try await fixture.reload(member.id).available == 10)
        #expect(try await fixture.balancesFromEntries(member.id) == (10, 0))
        #expect(try await fixture.audit() == [])

        try await fixture.settle(now: t0 + 33 * Self.days)
        #expect(try await fixture.reload(member.id).available == 0)
        #expect(try await fixture.entries(member.id).filter { $0.entry.kind == .expire }.map(\.entry.points) == [95, 10])
        #expect(try await fixture.audit() == [])
    }

    @Test(arguments: StoreBackend.available)
    func summaryIsAsOfNowAndWritesNothing(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let member = try await fixture.member("c-1")
        let t0 = StoreFixture.start
        try await fixture.record(StoreFixture.purchase(total: "100", at: t0), memberId: member.id)
        try await fixture.record(StoreFixture.purchase(total: "40", at: t0 + 3 * Self.days), memberId: member.id)
        let summary = { (now: Date, within: TimeInterval) in
            try await fixture.store.pointsSummary(programId: fixture.programId, memberId: member.id, now: now, expiringWithin: within)
        }

        let early = try await summary(t0 + 1 * Self.days, 30 * Self.days)
        #expect(early.available == 0 && early.pending == 140 && early.lifetimeEarned == 140)
        #expect(dated(early.pendingLots) == dated((t0 + 14 * Self.days, 100), (t0 + 17 * Self.days, 40)))
        #expect(dated(early.expiring) == dated((t0 + 30 * Self.days, 100)), "only the first purchase expires within 30 days")
        #expect(try await summary(t0 + 1 * Self.days, 10 * Self.days).expiring.isEmpty)

        // After the first window, before any settlement has run: shown as settled, stored as it was.
        let later = try await summary(t0 + 15 * Self.days, 30 * Self.days)
        #expect(later.available == 100 && later.pending == 40)
        #expect(dated(later.pendingLots) == dated((t0 + 17 * Self.days, 40)))
        #expect(dated(later.expiring) == dated((t0 + 30 * Self.days, 100), (t0 + 33 * Self.days, 40)))
        let stored = try await fixture.reload(member.id)
        #expect(stored.available == 0 && stored.pending == 140)
        #expect(try await fixture.entries(member.id).count == 2)

        let afterExpiry = try await summary(t0 + 31 * Self.days, 30 * Self.days)
        #expect(afterExpiry.available == 40 && afterExpiry.pending == 0)
        #expect(dated(afterExpiry.expiring) == dated((t0 + 33 * Self.days, 40)))
        #expect(try await fixture.reload(member.id) == stored)
        #expect(try await fixture.entries(member.id).count == 2)
        #expect(try await fixture.audit() == [])
    }
}
