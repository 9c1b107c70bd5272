import Foundation
import LaurelTestSupport
import Testing
@testable import LaurelCore

/// Reward definitions and the checks of a redemption, pure.
struct RewardTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)
    static let program = try! ProgramDefinition.parse("""
        name: Rewards
        currency: EUR
        point_value: 0.01
        earning_rules: []
        tiers:
          basis: points_earned
          levels:
            - {id: silver, threshold: 0}
            - {id: gold, threshold: 1000}
        clubs:
          - {id: sneakers, name: Sneakers Club, join: {points: 2000}, duration_months: 12, renewal: purchase, member_cap: 100}
        """)

    static func reward(_ json: String) throws -> Reward { try Reward.read(try ProgramSourceParser.parse(json), program: program) }

    @Test func aRewardReadsBackFromItsCanonicalForm() throws {
        let reward = try Self.reward("""
            {"id": "drop", "name": "Sneaker drop", "type": "free_product", "sku": "SNK-1", "cost": 1500, "stock": 50,
             "limit": {"per_member": 2, "per_period": {"max_times": 1, "period": "month"}},
             "eligibility": {"tiers": ["gold"], "conditions": [{"field": "member.size", "op": "exists"}]},
             "visible_from": "2026-10-01", "available_from": "2026-10-10T10:00:00Z",
             "early_access": [{"club": "sneakers", "available_from": "2026-10-08T10:00:00Z"}], "featured": true, "images": ["https://x/y.png"],
             "active_after_days": 2, "valid_days": 30}
            """)
        #expect(try Reward.read(reward.canonicalTree, program: Self.program) == reward)
        #expect(reward.kind.needsFulfilment)
    }

    @Test func anActivationDelayMovesTheStartOfTheValidity() throws {
        let issued = Date(timeIntervalSince1970: 1_800_000_000)
        let check = RedemptionCheck(program: Self.program)
        let delayed = try Self.reward(#"{"id": "d", "name": "D", "type": "free_product", "sku": "D", "cost": 1, "active_after_days": 7, "valid_days": 30}"#)
        #expect(check.activation(of: delayed, issuedAt: issued) == issued.addingTimeInterval(7 * 86_400))
        #expect(check.expiry(of: delayed, issuedAt: issued) == issued.addingTimeInterval(37 * 86_400))
        let atOnce = try Self.reward(#"{"id": "n", "name": "N", "type": "free_product", "sku": "N", "cost": 1, "valid_days": 30}"#)
        #expect(check.activation(of: atOnce, issuedAt: issued) == nil)
        #expect(check.expiry(of: atOnce, issuedAt: issued) == issued.addingTimeInterval(30 * 86_400))
        for bad in [0, 366] {
            #expect(throws: ProgramValidationError.self) {
                _ = try Self.reward(#"{"id": "b", "name": "B", "type": "free_product", "sku": "B", "cost": 1, "active_after_days": \#(bad)}"#)
            }
        }
    }

    @Test func mistakesAreReportedWithPaths() throws {
        do {
            _ = try Self.reward("""
                {"id": "bad id", "type": "discount_code", "discount": {"type": "percentage", "value": 120}, "sku": "X", "cost": -1,
                 "eligibility": {"tiers": ["platinum"], "clubs": ["chess"], "conditions": [{"field": "event.total", "op": "gt", "value": 1}]},
                 "available_from": "2026-10-10", "available_until": "2026-10-01", "codes": {"pattern": "AB#"}, "colour": "red"}
                """)
            Issue.record("a bad reward was accepted")
        } catch let error as ProgramValidationError {
            let paths = Set(error.issues.map(\.path))
            for path in ["id", "name", "discount.value", "sku", "cost", "eligibility.tiers", "eligibility.clubs", "eligibility.conditions[0]",
                         "available_until", "codes.pattern", "colour"] {
                #expect(paths.contains(path), "missing \(path) in \(paths.sorted())")
            }
        }
    }

    @Test func everyRefusalIsListedWithWhatIsMissing() throws {
        let reward = try Self.reward("""
            {"id": "drop", "name": "Drop", "type": "experience", "cost": 500, "stock": 1, "limit": {"per_member": 1},
             "eligibility": {"tiers": ["gold"], "clubs": ["sneakers"]}, "available_from": "2030-01-01T00:00:00Z"}
            """)
        let check = RedemptionCheck(program: Self.program)
        let context = RedemptionContext(member: MemberProfile(id: "m", tier: "silver"), available: 120, redeemedEver: 1, stockLeft: 0)
        let refusals = check.refusals(reward, cost: 500, context: context, now: Self.t0)
        #expect(refusals.map(\.code) == ["not_yet_available", "tier_required", "club_required", "out_of_stock", "limit_reached", "insufficient_points"])
        #expect(refusals.last?.missingPoints == 380)
        let fine = RedemptionContext(member: MemberProfile(id: "m", tier: "gold", clubs: ["sneakers"]), available: 500, stockLeft: 1)
        let opening = try Fixtures.at("2030-01-01T00:00:00Z")
        #expect(check.refusals(reward, cost: 500, context: fine, now: opening).isEmpty)
    }

    @Test func clubMembersGetEarlyAccess() throws {
        let reward = try Self.reward("""
            {"id": "drop", "name": "Drop", "type": "experience", "cost": 0, "visible_from": "2026-10-01T00:00:00Z",
             "available_from": "2026-10-10T00:00:00Z", "early_access": [{"club": "sneakers", "available_from": "2026-10-05T00:00:00Z"}]}
            """)
        let check = RedemptionCheck(program: Self.program)
        let day6 = try Fixtures.at("2026-10-06T00:00:00Z")
        let outsider = MemberProfile(id: "a"), insider = MemberProfile(id: "b", clubs: ["sneakers"])
        #expect(check.refusals(reward, cost: 0, context: RedemptionContext(member: outsider, available: 0), now: day6).map(\.code) == ["not_yet_available"])
        #expect(check.refusals(reward, cost: 0, context: RedemptionContext(member: insider, available: 0), now: day6).isEmpty)
        let before = try Fixtures.at("2026-09-30T00:00:00Z")
        #expect(reward.isVisible(to: outsider, at: day6) && !reward.isVisible(to: outsider, at: before))
    }

    @Test func redemptionsCountEverAndInsideThePeriodWindow() throws {
        let reward = try Self.reward(#"{"id": "mug", "name": "Mug", "type": "experience", "cost": 1, "limit": {"per_period": {"max_times": 1, "period": "month"}}}"#)
        let check = RedemptionCheck(program: Self.program)
        let now = try Fixtures.at("2026-10-15T12:00:00Z")
        let dates = [try Fixtures.at("2026-09-30T23:00:00Z"), try Fixtures.at("2026-10-01T00:00:00Z"), try Fixtures.at("2026-10-15T11:00:00Z")]
        #expect(check.counts(reward, redeemedAt: dates, now: now) == (3, 2))
        let unlimited = try Self.reward(#"{"id": "cup", "name": "Cup", "type": "experience", "cost": 1}"#)
        #expect(check.counts(unlimited, redeemedAt: dates, now: now) == (3, 0))
    }

    @Test func pointsToMoneyChecksMinimumAndStep() throws {
        let reward = try Self.reward(#"{"id": "pay", "name": "Pay", "type": "points_to_money", "minimum": 500, "step": 100}"#)
        let check = RedemptionCheck(program: Self.program)
        #expect(try check.cost(of: reward, points: 1200).get() == 1200)
        #expect(check.value(of: reward, cost: 1200) == Amount("12"))
        #expect(throws: RedemptionRefusal.self) { try check.cost(of: reward, points: 400).get() }
        #expect(throws: RedemptionRefusal.self) { try check.cost(of: reward, points: 550).get() }
        #expect(throws: RedemptionRefusal.self) { try check.cost(of: reward, points: nil).get() }
    }

    @Test func generatedCodesFollowTheirPattern() {
        var generator = SplitMix64(seed: 7)
        let code = RewardCode.make(pattern: "BEAN-XXXX-##", using: &generator)
        #expect(code.count == 12 && code.hasPrefix("BEAN-"))
        #expect(code.suffix(2).allSatisfy { $0.isNumber })
        #expect(!code.contains("O") && !code.contains("I"))
    }
}
