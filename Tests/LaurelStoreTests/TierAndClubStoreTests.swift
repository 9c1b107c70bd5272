import Foundation
import LaurelCore
import LaurelStore
import Testing

/// Tiers and clubs as the store keeps them: upgrades inside the event's transaction, scheduled
/// downgrades and floors, club caps, expiry warnings, renewals and ends.
struct TierAndClubStoreTests {
    /// Two tiers over a rolling window, without clubs (`TierChangeStoreTests` uses it alone).
    static let tiers = """
        name: Tiers
        currency: EUR
        earning_rules:
          - id: spend
            event: purchase
            effect: {type: points_per_amount, points: 1, per: 1}
        tiers:
          basis: amount_spent
          window: {rolling_months: 3}
          downgrade: {policy: automatic}
          levels:
            - {id: bronze, threshold: 0}
            - {id: gold, threshold: 100, benefits: {bonus_points: 25}}

        """
    static let program = tiers + """
        clubs:
          - {id: lounge, name: Lounge, join: {tiers: [gold], invitations: staff}, duration_months: 1, renewal: while_in_tier, member_cap: 1, notify_days_before: 7}
          - {id: paid, name: Paid, join: {points: 50}, duration_months: 1, renewal: purchase}
        """

    func runJobs(_ fixture: StoreFixture, at now: Date) async throws {
        _ = try await fixture.store.reviewTiers(now: now, batchSize: 100)
        _ = try await fixture.store.runClubMemberships(now: now, batchSize: 100)
    }

    func messages(_ fixture: StoreFixture) async throws -> [String] {
        try await fixture.store.outbox(programId: fixture.programId, limit: 500, startingAfter: nil).items.map(\.type)
    }

    @Test(arguments: StoreBackend.available)
    func anUpgradeHappensWithTheEventAndActivityLeavingTheWindowDowngrades(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let member = try await fixture.member("ana")
        try await fixture.record(StoreFixture.purchase(total: "60", at: StoreFixture.at()), memberId: member.id)
        #expect(try await fixture.reload(member.id).tier.tierId == "bronze")
        let crossing = try await fixture.record(StoreFixture.purchase(total: "50", at: StoreFixture.at(days: 10)), memberId: member.id)
        #expect(crossing.outcome.tier == "gold" && crossing.outcome.tierChange?.reason == .qualified)
        #expect(crossing.points == 75) // 50 + the 25 bonus
        #expect(try await fixture.reload(member.id).tier.tierId == "gold")
        // Gold brings the Lounge, in the same transaction.
        let summary = try await fixture.store.pointsSummary(programId: fixture.programId, memberId: member.id, now: StoreFixture.at(days: 11),
                                                            expiringWithin: 0)
        #expect(summary.clubs.map(\.clubId) == ["lounge"])
        #expect(summary.tier?.basis == Amount(integer: 110))

        // Three months after the first purchase it leaves the window: 50 left, below gold.
        try await runJobs(fixture, at: StoreFixture.at(days: 80))
        #expect(try await fixture.reload(member.id).tier.tierId == "gold")
        let leaves = Calendar.utc.date(byAdding: .month, value: 3, to: StoreFixture.at())!.addingTimeInterval(1)
        try await runJobs(fixture, at: leaves)
        #expect(try await fixture.reload(member.id).tier.tierId == "bronze")
        let history = try await fixture.store.tierChanges(programId: fixture.programId, memberId: member.id, limit: 10, startingAfter: nil).items
        #expect(history.map(\.reason) == [.basisFell, .qualified, .qualified])
        #expect(history.first?.sourceId.hasPrefix("tier_review_") == true)
        #expect(try await fixture.audit().isEmpty)
    }

    /// A balance read sums the tier window as of its `now` (on PostgreSQL, for a program without
    /// clubs, in the same statement as the member and the lots).
    @Test(arguments: StoreBackend.available)
    func aBalanceReadGivesTheTierWindowsTotals(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.tiers)
        let member = try await fixture.member("cy")
        try await fixture.record(StoreFixture.purchase(total: "60", at: StoreFixture.at()), memberId: member.id)
        try await fixture.record(StoreFixture.purchase(total: "50", at: StoreFixture.at(days: 10)), memberId: member.id)
        func summary(at now: Date) async throws -> PointsSummary {
            try await fixture.store.pointsSummary(programId: fixture.programId, memberId: member.id, now: now, expiringWithin: 0)
        }
        let gold = try await summary(at: StoreFixture.at(days: 11))
        #expect(gold.tier?.basis == Amount(integer: 110))
        #expect(gold.tier?.tier?.id == "gold")
        #expect(gold.available + gold.pending == 135) // 60 + 50 + the 25 bonus
        let leaves = Calendar.utc.date(byAdding: .month, value: 3, to: StoreFixture.at())!.addingTimeInterval(1)
        #expect(try await summary(at: leaves).tier?.basis == Amount(integer: 50))
    }

    @Test(arguments: StoreBackend.available)
    func aStaffFloorHoldsAndItsEndIsScheduled(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let member = try await fixture.member("ben")
        let until = StoreFixture.at(days: 5)
        let floored = try await fixture.store.setTierFloor(programId: fixture.programId, memberId: member.id, tierId: "gold", until: until,
                                                           note: "influencer", actor: "jane", now: StoreFixture.at(), expiringWithin: 0,
                                                           idempotency: nil).value!.member
        #expect(floored.tier.tierId == "gold" && floored.tier.floorTierId == "gold")
        try await fixture.record(StoreFixture.purchase(total: "10", at: StoreFixture.at(days: 1)), memberId: member.id)
        #expect(try await fixture.reload(member.id).tier.tierId == "gold")
        try await runJobs(fixture, at: until)
        let after = try await fixture.reload(member.id)
        #expect(after.tier.tierId == "bronze" && after.tier.floorTierId == nil)
        do {
            _ = try await fixture.store.setTierFloor(programId: fixture.programId, memberId: member.id, tierId: "diamond", until: nil, note: "x",
                                                     actor: "jane", now: StoreFixture.at(days: 6), expiringWithin: 0, idempotency: nil)
            Issue.record("an unknown tier was set")
        } catch LoyaltyError.unknownTier {}
    }

    @Test(arguments: StoreBackend.available)
    func clubsHoldTheirCapWarnRenewAndEnd(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let first = try await fixture.member("first")
        let second = try await fixture.member("second")
        _ = try await fixture.store.joinClub(programId: fixture.programId, clubId: "lounge", memberId: first.id, via: .invitation, invitedBy: "staff",
                                             now: StoreFixture.at(), idempotency: nil)
        do {
            _ = try await fixture.store.joinClub(programId: fixture.programId, clubId: "lounge", memberId: second.id, via: .invitation,
                                                 invitedBy: "staff", now: StoreFixture.at(), idempotency: nil)
            Issue.record("the cap of 1 was passed")
        } catch LoyaltyError.clubFull {}
        // Bought with points, then paid again: extended by a month from its end.
        _ = try await fixture.store.adjust(programId: fixture.programId, memberId: second.id, id: "adj_seed", points: 100, reason: "seed", actor: "t",
                                           now: StoreFixture.at(), idempotency: nil)
        let paid = try #require(try await fixture.store.joinClub(programId: fixture.programId, clubId: "paid", memberId: second.id, via: .points,
                                                                 invitedBy: nil, now: StoreFixture.at(), idempotency: nil).value)
        let renewed = try #require(try await fixture.store.joinClub(programId: fixture.programId, clubId: "paid", memberId: second.id, via: .points,
                                                                    invitedBy: nil, now: StoreFixture.at(days: 1), idempotency: nil).value)
        #expect(renewed.expiresAt == Calendar.utc.date(byAdding: .month, value: 1, to: paid.expiresAt!))
        #expect(try await fixture.reload(second.id).available == 0)

        // A week before the lounge membership ends: one warning, however often the job runs.
        let end = try #require(Calendar.utc.date(byAdding: .month, value: 1, to: StoreFixture.at()))
        try await runJobs(fixture, at: end.addingTimeInterval(-6 * 86_400))
        try await runJobs(fixture, at: end.addingTimeInterval(-5 * 86_400))
        #expect(try await messages(fixture).filter { $0 == "club.membership_expiring" }.count == 1)
        // At its end: not gold, so it ends (while_in_tier renews only gold members).
        try await runJobs(fixture, at: end)
        #expect(try await messages(fixture).contains("club.membership_ended"))
        #expect(try await fixture.store.clubMembers(programId: fixture.programId, clubId: "lounge", limit: 10, startingAfter: nil).items.isEmpty)
        #expect(try await fixture.audit().isEmpty)
    }

    @Test(arguments: StoreBackend.available)
    func aTierMembershipRenewsWhileTheMemberHoldsTheTier(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let member = try await fixture.member("gold")
        _ = try await fixture.store.setTierFloor(programId: fixture.programId, memberId: member.id, tierId: "gold", until: nil, note: "vip",
                                                 actor: "jane", now: StoreFixture.at(), expiringWithin: 0, idempotency: nil)
        let joined = try #require(try await fixture.store.pointsSummary(programId: fixture.programId, memberId: member.id, now: StoreFixture.at(),
                                                                       expiringWithin: 0).clubs.first)
        let end = try #require(joined.expiresAt)
        try await runJobs(fixture, at: end)
        let renewed = try #require(try await fixture.store.clubMembers(programId: fixture.programId, clubId: "lounge", limit: 10, startingAfter: nil).items.first)
        #expect(renewed.expiresAt == Calendar.utc.date(byAdding: .month, value: 1, to: end))
        // A job that missed two periods renews past them instead of ending the membership.
        let late = try #require(Calendar.utc.date(byAdding: .month, value: 3, to: end))
        try await runJobs(fixture, at: late)
        let caughtUp = try #require(try await fixture.store.clubMembers(programId: fixture.programId, clubId: "lounge", limit: 10, startingAfter: nil).items.first)
        #expect(caughtUp.expiresAt == Calendar.utc.date(byAdding: .month, value: 4, to: end))
        #expect(try await messages(fixture).contains("club.membership_renewed"))
    }
}

extension Calendar {
    /// Gregorian in UTC, the test programs' calendar.
    static var utc: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }
}
