import Foundation
import LaurelCore
import LaurelStore
import Testing

/// `tiers.basis: points_balance` as the stores keep it: the tier follows every change of the
/// available balance (events, returns, redemptions and their cancellation, transfers, adjustments
/// and their cancellation, expiry, pending points released), in the change's transaction, with the
/// change's reason, source and `tier.changed` message; the downgrade policy and staff floors hold.
struct TierBalanceStoreTests {
    /// Reviews give 100 points available at once; purchases a point a euro. Silver from a balance
    /// of 100, gold from 300.
    static func program(downgrade: String = "{policy: automatic}", points: String = "") -> String {
        """
        name: Balance tiers
        currency: EUR
        \(points)
        earning_rules:
          - id: spend
            event: purchase
            effect: {type: points_per_amount, points: 1, per: 1}
          - id: review
            event: review
            effect: {type: fixed_points, points: 100}
        tiers:
          basis: points_balance
          downgrade: \(downgrade)
          levels:
            - {id: member, threshold: 0}
            - {id: silver, threshold: 100}
            - {id: gold, threshold: 300}
        """
    }

    static let voucher = #"{"id": "voucher", "name": "Voucher", "type": "discount_code", "discount": {"type": "fixed", "value": "5"}, "cost": 250, "codes": {"pattern": "V-XXXXXX"}, "valid_days": 30}"#

    func fixture(_ backend: StoreBackend, downgrade: String = "{policy: automatic}", points: String = "") async throws -> StoreFixture {
        let fixture = try await StoreFixture.make(backend, program: Self.program(downgrade: downgrade, points: points))
        let program = try #require(try await fixture.store.programVersion(programId: fixture.programId, version: nil)).definition
        let reward = try Reward.read(try ProgramSourceParser.parse(Self.voucher), program: program)
        _ = try await fixture.store.putReward(programId: fixture.programId, reward: reward, now: StoreFixture.start)
        return fixture
    }

    /// A member holding 300 points from three reviews (gold), on day 0.
    func goldMember(_ fixture: StoreFixture, _ name: String) async throws -> MemberRecord {
        let member = try await fixture.member(name)
        for hour in 1...3 { try await fixture.record(StoreFixture.named("review", at: StoreFixture.at(hours: Double(hour))), memberId: member.id) }
        #expect(try await fixture.reload(member.id).tier.tierId == "gold")
        return member
    }

    func redeem(_ fixture: StoreFixture, _ memberId: String, at date: Date = StoreFixture.at(days: 1)) async throws -> RedemptionRecord {
        try #require(try await fixture.store.redeem(programId: fixture.programId, id: Identifiers.make("rdm"), memberId: memberId, rewardId: "voucher",
                                                    points: nil, now: date, idempotency: nil).value)
    }

    func history(_ fixture: StoreFixture, _ memberId: String) async throws -> [TierChangeRecord] {
        try await fixture.store.tierChanges(programId: fixture.programId, memberId: memberId, limit: 50, startingAfter: nil).items.reversed()
    }

    /// The `tier.changed` messages of a member, oldest first: `from>to@source`.
    func messages(_ fixture: StoreFixture, _ memberId: String) async throws -> [String] {
        try await fixture.store.outbox(programId: fixture.programId, limit: 500, startingAfter: nil).items
            .filter { $0.type == "tier.changed" && $0.memberId == memberId }
            .map { message in
                let payload = try JSONDecoder().decode([String: JSONValue].self, from: Data(message.payload.utf8))
                func text(_ key: String) -> String { if case .string(let value)? = payload[key] { value } else { "-" } }
                return "\(text("from"))>\(text("to"))@\(text("source_id"))"
            }
    }

    @Test(arguments: StoreBackend.available)
    func earningRaisesTheTierAndARedemptionLowersItUnderAutomatic(backend: StoreBackend) async throws {
        let fixture = try await fixture(backend)
        let member = try await fixture.member("ana")
        let first = try await fixture.record(StoreFixture.named("review", at: StoreFixture.at(hours: 1)), memberId: member.id)
        #expect(first.outcome.tier == "silver" && first.outcome.tierChange?.reason == .qualified)
        try await fixture.record(StoreFixture.named("review", at: StoreFixture.at(hours: 2)), memberId: member.id)
        let third = try await fixture.record(StoreFixture.named("review", at: StoreFixture.at(hours: 3)), memberId: member.id)
        #expect(third.outcome.tier == "gold" && third.outcome.tierChange?.from == "silver")

        // Spending 250 of 300 leaves 50: below silver, so back to the first level, at once.
        let redemption = try await redeem(fixture, member.id)
        let after = try await fixture.reload(member.id)
        #expect(after.available == 50 && after.tier.tierId == "member" && after.tier.since == StoreFixture.at(days: 1))
        let changes = try await history(fixture, member.id)
        #expect(changes.map(\.to) == ["silver", "gold", "member"])
        #expect(changes.last?.reason == .basisFell && changes.last?.sourceId == redemption.id && changes.last?.from == "gold")
        #expect(try await messages(fixture, member.id).last == "gold>member@\(redemption.id)")

        // Cancelling the redemption gives the points back, and the tier with them.
        _ = try await fixture.store.cancelRedemption(programId: fixture.programId, id: redemption.id, now: StoreFixture.at(days: 2), idempotency: nil)
        #expect(try await fixture.reload(member.id).tier.tierId == "gold")
        let back = try #require(try await history(fixture, member.id).last)
        #expect(back.from == "member" && back.to == "gold" && back.reason == .qualified)

        // The summary shows the balance as the basis.
        let summary = try await fixture.store.pointsSummary(programId: fixture.programId, memberId: member.id, now: StoreFixture.at(days: 2),
                                                            expiringWithin: 0)
        #expect(summary.tier?.basisName == .pointsBalance && summary.tier?.basis == Amount(integer: 300))
        #expect(summary.tier?.toKeepTier == .zero && summary.tier?.nextTier == nil)
    }

    @Test(arguments: StoreBackend.available)
    func neverKeepsTheTierWhateverIsSpent(backend: StoreBackend) async throws {
        let fixture = try await fixture(backend, downgrade: "{policy: never}")
        let member = try await goldMember(fixture, "ana")
        _ = try await redeem(fixture, member.id)
        let after = try await fixture.reload(member.id)
        #expect(after.available == 50 && after.tier.tierId == "gold")
        #expect(try await history(fixture, member.id).map(\.to) == ["silver", "gold"])
        let summary = try await fixture.store.pointsSummary(programId: fixture.programId, memberId: member.id, now: StoreFixture.at(days: 1),
                                                            expiringWithin: 0)
        #expect(summary.tier?.basis == Amount(integer: 50) && summary.tier?.toKeepTier == nil)
    }

    @Test(arguments: StoreBackend.available)
    func oneLevelStepsDownOneLevelPerChange(backend: StoreBackend) async throws {
        let fixture = try await fixture(backend, downgrade: "{policy: automatic, step: one_level}")
        let member = try await goldMember(fixture, "ana")
        _ = try await redeem(fixture, member.id)
        #expect(try await fixture.reload(member.id).tier.tierId == "silver")
        // The next change of the balance, even upward, steps down again while the balance stays below silver.
        _ = try await fixture.store.adjust(programId: fixture.programId, memberId: member.id, id: "adj_1", points: 10, reason: "goodwill",
                                           actor: "staff", now: StoreFixture.at(days: 2), idempotency: nil)
        #expect(try await fixture.reload(member.id).tier.tierId == "member")
    }

    @Test(arguments: StoreBackend.available)
    func reviewKeepsTheTierUntilTheReviewDate(backend: StoreBackend) async throws {
        let fixture = try await fixture(backend, downgrade: "{policy: review, review_months: 1}")
        let member = try await goldMember(fixture, "ana")
        _ = try await redeem(fixture, member.id)
        #expect(try await fixture.reload(member.id).tier.tierId == "gold")
        _ = try await fixture.store.reviewTiers(now: StoreFixture.at(days: 20), batchSize: 100)
        #expect(try await fixture.reload(member.id).tier.tierId == "gold")
        _ = try await fixture.store.reviewTiers(now: StoreFixture.at(days: 40), batchSize: 100)
        let after = try await fixture.reload(member.id)
        #expect(after.tier.tierId == "member")
        #expect(try await history(fixture, member.id).last?.reason == .review)
    }

    @Test(arguments: StoreBackend.available)
    func aTransferMovesBothMembers(backend: StoreBackend) async throws {
        let fixture = try await fixture(backend)
        let sender = try await goldMember(fixture, "ana")
        let receiver = try await fixture.member("ben")
        _ = try await fixture.store.transfer(programId: fixture.programId, id: "trf_1", from: sender.id, to: receiver.id, points: 150,
                                             now: StoreFixture.at(days: 1), idempotency: nil)
        #expect(try await fixture.reload(sender.id).tier.tierId == "silver")
        #expect(try await fixture.reload(receiver.id).tier.tierId == "silver")
        let sent = try #require(try await history(fixture, sender.id).last)
        #expect(sent.from == "gold" && sent.to == "silver" && sent.reason == .basisFell && sent.sourceId == "trf_1")
        let received = try #require(try await history(fixture, receiver.id).last)
        #expect(received.from == nil && received.to == "silver" && received.reason == .qualified && received.sourceId == "trf_1")
        #expect(try await messages(fixture, receiver.id) == ["->silver@trf_1"])
    }

    @Test(arguments: StoreBackend.available)
    func adjustmentsAndTheirCancellationMoveTheTier(backend: StoreBackend) async throws {
        let fixture = try await fixture(backend)
        let member = try await fixture.member("ana")
        _ = try await fixture.store.adjust(programId: fixture.programId, memberId: member.id, id: "adj_1", points: 320, reason: "welcome",
                                           actor: "staff", now: StoreFixture.at(hours: 1), idempotency: nil)
        #expect(try await fixture.reload(member.id).tier.tierId == "gold")
        #expect(try await history(fixture, member.id).last?.sourceId == "adj_1")
        let cancelled = try #require(try await fixture.store.cancelAdjustment(programId: fixture.programId, memberId: member.id, adjustmentId: "adj_1",
                                                                              reason: "mistake", actor: "staff", now: StoreFixture.at(hours: 2),
                                                                              idempotency: nil).value)
        let after = try await fixture.reload(member.id)
        #expect(after.available == 0 && after.tier.tierId == "member")
        #expect(try await history(fixture, member.id).last?.sourceId == cancelled.id)
    }

    @Test(arguments: StoreBackend.available)
    func expiryLowersAndReleasedPendingPointsRaiseTheTier(backend: StoreBackend) async throws {
        let fixture = try await fixture(backend, points: "points: {pending_days: 5, expiry: {policy: after_days, days: 30}}")
        let member = try await goldMember(fixture, "ana")
        // 150 points from a purchase wait five days: the balance, and the tier, do not count them yet.
        let purchase = try await fixture.record(StoreFixture.purchase(total: "150", at: StoreFixture.at(days: 10)), memberId: member.id)
        #expect(purchase.outcome.tierChange == nil)
        #expect(try await fixture.reload(member.id).pending == 150)
        // The reviews' 300 expire on day 30: 0 available, the first level.
        try await fixture.settle(now: StoreFixture.at(days: 30, hours: 4))
        // Settled in one run: the 150 are released (due since day 15) and the 300 expire.
        var after = try await fixture.reload(member.id)
        #expect(after.available == 150 && after.tier.tierId == "silver")
        let changes = try await history(fixture, member.id)
        #expect(changes.last?.reason == .basisFell && changes.last?.sourceId.hasPrefix("settle_") == true)

        // A second member: pending points released on their own raise the tier.
        let ben = try await fixture.member("ben")
        try await fixture.record(StoreFixture.purchase(total: "120", at: StoreFixture.at(days: 40)), memberId: ben.id)
        #expect(try await fixture.reload(ben.id).tier.tierId == "member")
        try await fixture.settle(now: StoreFixture.at(days: 46))
        after = try await fixture.reload(ben.id)
        #expect(after.available == 120 && after.tier.tierId == "silver")
        #expect(try await history(fixture, ben.id).last?.reason == .qualified)
    }

    @Test(arguments: StoreBackend.available)
    func aReturnTakingPointsBackLowersTheTierWithTheEvent(backend: StoreBackend) async throws {
        let fixture = try await fixture(backend)
        let member = try await fixture.member("ana")
        let purchase = try await fixture.record(StoreFixture.purchase(total: "320", at: StoreFixture.at(hours: 1)), memberId: member.id)
        #expect(purchase.outcome.tier == "gold")
        let refund = try await fixture.record(StoreFixture.returnOf(purchase.id, amount: "250", at: StoreFixture.at(hours: 2)), memberId: member.id)
        #expect(refund.outcome.tier == "member" && refund.outcome.tierChange?.reason == .basisFell)
        let after = try await fixture.reload(member.id)
        #expect(after.available == 70 && after.tier.tierId == "member")
        #expect(try await history(fixture, member.id).last?.sourceId == refund.id)
    }

    @Test(arguments: StoreBackend.available)
    func aStaffFloorHoldsWhateverTheBalance(backend: StoreBackend) async throws {
        let fixture = try await fixture(backend)
        let member = try await goldMember(fixture, "ana")
        _ = try await fixture.store.setTierFloor(programId: fixture.programId, memberId: member.id, tierId: "gold", until: nil, note: "guest",
                                                 actor: "staff", now: StoreFixture.at(hours: 5), expiringWithin: 0, idempotency: nil)
        _ = try await redeem(fixture, member.id)
        #expect(try await fixture.reload(member.id).tier.tierId == "gold")
        // Removing the floor lands on what the balance supports.
        _ = try await fixture.store.setTierFloor(programId: fixture.programId, memberId: member.id, tierId: nil, until: nil, note: "done",
                                                 actor: "staff", now: StoreFixture.at(days: 2), expiringWithin: 0, idempotency: nil)
        let after = try await fixture.reload(member.id)
        #expect(after.tier.tierId == "member")
        #expect(try await history(fixture, member.id).last?.reason == .floorEnded)
    }
}
