import Foundation
import LaurelCore
import LaurelStore
import Testing

/// Redemptions spend points and issue a reward in one transaction: stock, balances and
/// per-member limits hold under any concurrency; cancelling gives everything back.
struct RedemptionStoreTests {
    static let program = """
        name: Rewards
        currency: EUR
        points:
          expiry: {policy: after_days, days: 30}
        earning_rules:
          - id: spend
            event: purchase
            effect: {type: points_per_amount, points: 1, per: 1}
        """

    static func reward(_ json: String, fixture: StoreFixture) async throws -> RewardRecord {
        let program = try #require(try await fixture.store.programVersion(programId: fixture.programId, version: nil)).definition
        let reward = try Reward.read(try ProgramSourceParser.parse(json), program: program)
        return try await fixture.store.putReward(programId: fixture.programId, reward: reward, now: StoreFixture.start)
    }

    /// A member holding `points` available points.
    static func member(_ fixture: StoreFixture, _ name: String, points: Int) async throws -> MemberRecord {
        let member = try await fixture.member(name)
        if points > 0 {
            _ = try await fixture.store.adjust(programId: fixture.programId, memberId: member.id, id: Identifiers.make("adj"), points: points,
                                               reason: "seed", actor: "test", now: StoreFixture.start, idempotency: nil)
        }
        return member
    }

    func redeem(_ fixture: StoreFixture, _ memberId: String, _ rewardId: String, points: Int? = nil, now: Date = StoreFixture.at(hours: 1)) async throws -> RedemptionRecord {
        try #require(try await fixture.store.redeem(programId: fixture.programId, id: Identifiers.make("rdm"), memberId: memberId, rewardId: rewardId,
                                                    points: points, now: now, idempotency: nil).value)
    }

    func refusal(_ body: () async throws -> Void) async -> String? {
        do {
            try await body()
            return nil
        } catch LoyaltyError.refused(let refusal) {
            return refusal.code
        } catch {
            return "\(error)"
        }
    }

    @Test(arguments: StoreBackend.available)
    func redeemingSpendsPointsTakesStockAndIssuesACode(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        _ = try await Self.reward(#"{"id": "tote", "name": "Tote bag", "type": "discount_code", "discount": {"type": "fixed", "value": "5"}, "cost": 300, "stock": 2, "codes": {"pattern": "TOTE-XXXXXX"}, "valid_days": 30}"#, fixture: fixture)
        let member = try await Self.member(fixture, "ana", points: 700)
        let first = try await redeem(fixture, member.id, "tote")
        #expect(first.points == 300 && first.status == .issued && first.value == Amount("5"))
        #expect(first.code?.hasPrefix("TOTE-") == true && first.code?.count == 11)
        #expect(first.expiresAt == StoreFixture.at(hours: 1).addingTimeInterval(30 * 86_400))
        let second = try await redeem(fixture, member.id, "tote")
        #expect(second.code != first.code)
        #expect(try await fixture.reload(member.id).available == 100)
        #expect(try await fixture.store.reward(programId: fixture.programId, id: "tote")?.stockLeft == 0)
        let other = try await Self.member(fixture, "ben", points: 500)
        #expect(await refusal { _ = try await redeem(fixture, other.id, "tote") } == "out_of_stock")
        #expect(await refusal { _ = try await redeem(fixture, member.id, "nope") } == "reward nope not found")
        #expect(try await fixture.audit().isEmpty)

        // Past their 30 valid days, the job marks both expired, once, with a message each.
        let later = StoreFixture.at(days: 31)
        #expect(try await fixture.store.expireRedemptions(now: later, batchSize: 10) == 2)
        #expect(try await fixture.store.expireRedemptions(now: later, batchSize: 10) == 0)
        let messages = try await fixture.store.outbox(programId: fixture.programId, limit: 50, startingAfter: nil).items.map(\.type)
        #expect(messages.filter { $0 == "redemption.expired" }.count == 2)
        #expect(try await fixture.store.redemption(programId: fixture.programId, id: first.id, now: StoreFixture.at())?.status == .expired)
        do {
            _ = try await fixture.store.cancelRedemption(programId: fixture.programId, id: first.id, now: later, idempotency: nil)
            Issue.record("an expired redemption was cancelled")
        } catch LoyaltyError.notCancellable {}
    }

    @Test(arguments: StoreBackend.available)
    func refusalsChangeNothing(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        _ = try await Self.reward(#"{"id": "mug", "name": "Mug", "type": "free_product", "sku": "MUG", "cost": 400, "stock": 5, "limit": {"per_member": 1, "per_period": {"max_times": 1, "period": "month"}}}"#, fixture: fixture)
        let member = try await Self.member(fixture, "ana", points: 1000)
        let poor = try await Self.member(fixture, "ben", points: 150)
        do {
            _ = try await redeem(fixture, poor.id, "mug")
            Issue.record("a member without enough points redeemed")
        } catch LoyaltyError.refused(let refusal) {
            #expect(refusal.code == "insufficient_points" && refusal.missingPoints == 250)
        }
        _ = try await redeem(fixture, member.id, "mug")
        #expect(await refusal { _ = try await redeem(fixture, member.id, "mug") } == "limit_reached")
        #expect(try await fixture.reload(member.id).available == 600)
        #expect(try await fixture.reload(poor.id).available == 150)
        #expect(try await fixture.store.reward(programId: fixture.programId, id: "mug")?.stockLeft == 4)
        #expect(try await fixture.audit().isEmpty)
    }

    @Test(arguments: StoreBackend.available)
    func cancellingReturnsPointsToTheirLotsButNotExpiredOnes(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        _ = try await Self.reward(#"{"id": "cup", "name": "Cup", "type": "experience", "cost": 150, "stock": 3}"#, fixture: fixture)
        let member = try await fixture.member("ana")
        // 100 points expiring on day 30, then 100 expiring on day 40.
        try await fixture.record(StoreFixture.purchase(total: "100", at: StoreFixture.at()), memberId: member.id)
        try await fixture.record(StoreFixture.purchase(total: "100", at: StoreFixture.at(days: 10)), memberId: member.id)
        let redemption = try await redeem(fixture, member.id, "cup", now: StoreFixture.at(days: 20))
        #expect(try await fixture.reload(member.id).available == 50)
        // Cancelled on day 35: the 100 from the first lot have expired by then and stay expired; the 50 come back with the day-40 expiry.
        let cancelled = try #require(try await fixture.store.cancelRedemption(programId: fixture.programId, id: redemption.id,
                                                                              now: StoreFixture.at(days: 35), idempotency: nil).value)
        #expect(cancelled.status == .cancelled)
        let summary = try await fixture.store.pointsSummary(programId: fixture.programId, memberId: member.id, now: StoreFixture.at(days: 35),
                                                            expiringWithin: 30 * 86_400)
        #expect(summary.available == 100)
        #expect(dated(summary.expiring) == dated((StoreFixture.at(days: 40), 100)))
        #expect(try await fixture.store.reward(programId: fixture.programId, id: "cup")?.stockLeft == 3)
        do {
            _ = try await fixture.store.cancelRedemption(programId: fixture.programId, id: redemption.id, now: StoreFixture.at(days: 36), idempotency: nil)
            Issue.record("cancelled twice")
        } catch LoyaltyError.alreadyCancelled {}
        #expect(try await fixture.audit().isEmpty)
        let kinds = try await fixture.entries(member.id).map(\.entry.kind)
        #expect(kinds.contains(.restore))
    }

    @Test(arguments: StoreBackend.available)
    func poolCodesAreIssuedOnceAndAreTheStock(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        _ = try await Self.reward(#"{"id": "card", "name": "Gift card", "type": "gift_card", "value": "10", "cost": 100, "codes": "pool"}"#, fixture: fixture)
        #expect(try await fixture.store.addRewardCodes(programId: fixture.programId, rewardId: "card", codes: ["A1", "A2", "A1"], now: StoreFixture.start,
                                                           idempotency: nil).value?.added == 2)
        #expect(try await fixture.store.addRewardCodes(programId: fixture.programId, rewardId: "card", codes: ["A2", "A3"], now: StoreFixture.start,
                                                           idempotency: nil).value?.added == 1)
        #expect(try await fixture.store.reward(programId: fixture.programId, id: "card")?.stockLeft == 3)
        let member = try await Self.member(fixture, "ana", points: 1000)
        var codes: [String] = []
        for _ in 0..<3 { codes.append(try #require(try await redeem(fixture, member.id, "card").code)) }
        #expect(Set(codes) == ["A1", "A2", "A3"])
        #expect(await refusal { _ = try await redeem(fixture, member.id, "card") } == "out_of_stock")
    }

    @Test(arguments: StoreBackend.available)
    func pointsToMoneyChargesTheChosenPoints(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        _ = try await Self.reward(#"{"id": "pay", "name": "Pay with points", "type": "points_to_money", "minimum": 200, "step": 100}"#, fixture: fixture)
        let member = try await Self.member(fixture, "ana", points: 1000)
        let paid = try await redeem(fixture, member.id, "pay", points: 700)
        #expect(paid.points == 700 && paid.value == Amount("7"))
        #expect(await refusal { _ = try await redeem(fixture, member.id, "pay", points: 150) } == "invalid_points")
        #expect(await refusal { _ = try await redeem(fixture, member.id, "pay", points: 250) } == "invalid_points")
        #expect(await refusal { _ = try await redeem(fixture, member.id, "pay", points: 400) } == "insufficient_points")
        #expect(try await fixture.reload(member.id).available == 300)
    }

    /// 1,000 members with enough points race for 100 units: exactly 100 are issued.
    @Test(arguments: StoreBackend.available)
    func aThousandMembersRaceForAHundredUnits(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        _ = try await Self.reward(#"{"id": "drop", "name": "Sneaker drop", "type": "free_product", "sku": "SNK", "cost": 100, "stock": 100}"#, fixture: fixture)
        var members: [String] = []
        for index in 0..<1000 { members.append(try await Self.member(fixture, "m\(index)", points: 100).id) }
        let outcomes = await race(fixture, members: members, reward: "drop")
        #expect(outcomes == ["issued": 100, "out_of_stock": 900])
        #expect(try await fixture.store.reward(programId: fixture.programId, id: "drop")?.stockLeft == 0)
        var issued = 0
        var cursor: String?
        repeat {
            let page = try await fixture.store.redemptions(programId: fixture.programId, memberId: nil, limit: 500, startingAfter: cursor, now: StoreFixture.at(hours: 2))
            issued += page.items.count
            cursor = page.hasMore ? page.items.last?.id : nil
        } while cursor != nil
        #expect(issued == 100)
        #expect(try await fixture.audit().isEmpty)
    }

    /// One member with points for 10 redemptions fires 50 at once: exactly 10 succeed, the balance ends at zero.
    @Test(arguments: StoreBackend.available)
    func oneMemberFiringFiftyGetsTen(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        _ = try await Self.reward(#"{"id": "coffee", "name": "Coffee", "type": "free_product", "sku": "COF", "cost": 50}"#, fixture: fixture)
        let member = try await Self.member(fixture, "ana", points: 500)
        let outcomes = await race(fixture, members: Array(repeating: member.id, count: 50), reward: "coffee")
        #expect(outcomes == ["issued": 10, "insufficient_points": 40])
        let after = try await fixture.reload(member.id)
        #expect(after.available == 0)
        #expect(try await fixture.audit().isEmpty)
    }

    /// Fires one redemption per entry of `members` at once; counts the outcomes ("issued" or the refusal's code).
    func race(_ fixture: StoreFixture, members: [String], reward: String) async -> [String: Int] {
        await withTaskGroup(of: String.self) { group in
            for memberId in members {
                group.addTask {
                    do {
                        _ = try await fixture.store.redeem(programId: fixture.programId, id: Identifiers.make("rdm"), memberId: memberId, rewardId: reward,
                                                           points: nil, now: StoreFixture.at(hours: 1), idempotency: nil)
                        return "issued"
                    } catch LoyaltyError.refused(let refusal) {
                        return refusal.code
                    } catch {
                        return "error: \(error)"
                    }
                }
            }
            var counts: [String: Int] = [:]
            for await outcome in group { counts[outcome, default: 0] += 1 }
            return counts
        }
    }

    /// A code usable only some days after issue: the redemption shows both dates, `valid_days`
    /// counts from activation, fulfilling early is refused, and the expiry job waits for the end.
    @Test(arguments: StoreBackend.available)
    func codesWithAnActivationDelayCountTheirValidityFromActivation(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        _ = try await Self.reward(#"{"id": "mug", "name": "Mug", "type": "free_product", "sku": "MUG-1", "cost": 100, "codes": {"pattern": "MUG-XXXXXX"}, "active_after_days": 3, "valid_days": 10}"#, fixture: fixture)
        let member = try await Self.member(fixture, "ana", points: 300)
        let issued = StoreFixture.at(hours: 1)
        let redemption = try await redeem(fixture, member.id, "mug", now: issued)
        let activeFrom = issued.addingTimeInterval(3 * 86_400)
        #expect(redemption.activeFrom == activeFrom)
        #expect(redemption.expiresAt == activeFrom.addingTimeInterval(10 * 86_400))
        let stored = try #require(try await fixture.store.redemption(programId: fixture.programId, id: redemption.id, now: issued))
        #expect(stored.activeFrom == activeFrom && stored.expiresAt == redemption.expiresAt)

        let early = issued.addingTimeInterval(2 * 86_400)
        await #expect(throws: LoyaltyError.notActiveYet(redemption.id, activeFrom)) {
            _ = try await fixture.store.fulfilRedemption(programId: fixture.programId, id: redemption.id, now: early, idempotency: nil)
        }
        #expect(try await fixture.store.redemption(programId: fixture.programId, id: redemption.id, now: early)?.status == .issued)
        // Past what would have been its end without the delay, it is still issued; ten days after activation, expired.
        #expect(try await fixture.store.expireRedemptions(now: issued.addingTimeInterval(11 * 86_400), batchSize: 10) == 0)
        let fulfilled = try await fixture.store.fulfilRedemption(programId: fixture.programId, id: redemption.id, now: activeFrom, idempotency: nil).value
        #expect(fulfilled?.status == .fulfilled)
    }

    /// Several units in one request: all or none, stock and per-member limits counted on the whole
    /// request (a member at 8 of a limit of 10 asking for 3 is refused and keeps 8), a code per unit.
    @Test(arguments: StoreBackend.available)
    func severalUnitsInOneRedemptionAreAllOrNone(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        _ = try await Self.reward(#"{"id": "cup", "name": "Cup", "type": "gift_card", "value": "5", "cost": 10, "stock": 12, "limit": {"per_member": 10}, "codes": {"pattern": "CUP-XXXXXX"}}"#, fixture: fixture)
        let member = try await Self.member(fixture, "ana", points: 500)
        func redeem(_ quantity: Int) async throws -> RedemptionRecord {
            try #require(try await fixture.store.redeem(programId: fixture.programId, id: Identifiers.make("rdm"), memberId: member.id, rewardId: "cup",
                                                        points: nil, quantity: quantity, now: StoreFixture.at(hours: 1), idempotency: nil).value)
        }
        let eight = try await redeem(8)
        #expect(eight.quantity == 8 && eight.points == 80 && eight.value == Amount("40"))
        #expect(eight.codes.count == 8 && Set(eight.codes).count == 8 && eight.code == eight.codes.first && eight.codes.allSatisfy { $0.hasPrefix("CUP-") })
        let stored = try #require(try await fixture.store.redemption(programId: fixture.programId, id: eight.id, now: StoreFixture.at(hours: 1)))
        #expect(stored.quantity == 8 && stored.codes == eight.codes)
        #expect(await refusal { _ = try await redeem(3) } == "limit_reached")
        #expect(try await fixture.reload(member.id).available == 420)
        #expect(try await fixture.store.reward(programId: fixture.programId, id: "cup")?.stockLeft == 4)
        let two = try await redeem(2)
        #expect(two.quantity == 2 && two.points == 20)
        #expect(await refusal { _ = try await redeem(1) } == "limit_reached")
        // Cancelling gives every unit and point back.
        _ = try await fixture.store.cancelRedemption(programId: fixture.programId, id: eight.id, now: StoreFixture.at(hours: 2), idempotency: nil)
        #expect(try await fixture.store.reward(programId: fixture.programId, id: "cup")?.stockLeft == 10)
        #expect(try await fixture.reload(member.id).available == 480)
        #expect(await refusal { _ = try await redeem(0) } == "invalid_quantity")
        #expect(await refusal { _ = try await redeem(101) } == "invalid_quantity")
        #expect(try await fixture.audit().isEmpty)
    }

    /// Units from a code pool: the oldest codes, in order; more than the pool holds is refused whole.
    @Test(arguments: StoreBackend.available)
    func severalUnitsFromACodePoolTakeTheOldestCodes(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        _ = try await Self.reward(#"{"id": "film", "name": "Film", "type": "discount_code", "discount": {"type": "fixed", "value": "3"}, "cost": 5, "codes": "pool"}"#, fixture: fixture)
        _ = try await fixture.store.addRewardCodes(programId: fixture.programId, rewardId: "film", codes: ["F-1", "F-2", "F-3"], now: StoreFixture.start,
                                                   idempotency: nil)
        let member = try await Self.member(fixture, "ana", points: 100)
        func redeem(_ quantity: Int) async throws -> RedemptionRecord {
            try #require(try await fixture.store.redeem(programId: fixture.programId, id: Identifiers.make("rdm"), memberId: member.id, rewardId: "film",
                                                        points: nil, quantity: quantity, now: StoreFixture.at(hours: 1), idempotency: nil).value)
        }
        #expect(await refusal { _ = try await redeem(4) } == "out_of_stock")
        #expect(try await fixture.reload(member.id).available == 100)
        let two = try await redeem(2)
        #expect(two.codes == ["F-1", "F-2"] && two.value == Amount("6"))
        #expect(await refusal { _ = try await redeem(2) } == "out_of_stock")
        #expect(try await redeem(1).codes == ["F-3"])
        #expect(try await fixture.reload(member.id).available == 85)
    }
}
