import Foundation
import Testing
@testable import LaurelCore

/// Tier qualification: every basis and window, each downgrade policy, the staff floor and the
/// progress figures, including Open Loyalty's level cases (thresholds 0 / 20 / 30 by spend).
struct TierQualificationTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000) // 2026-09-21T14:13:20Z, a Monday

    static func qualification(basis: String = "amount_spent", window: String = "lifetime", downgrade: String = "{policy: never}",
                              extra: String = "") throws -> TierQualification {
        let program = try ProgramDefinition.parse("""
            name: Tiers
            currency: EUR
            earning_rules: []
            tiers:
              basis: \(basis)
              window: \(window)
              downgrade: \(downgrade)
            \(extra)
              levels:
                - {id: bronze, name: Bronze, threshold: 0}
                - {id: silver, name: Silver, threshold: 20}
                - {id: gold, name: Gold, threshold: 30}
            """)
        return TierQualification(policy: try #require(program.tiers), calendar: program.calendar)
    }

    static func tier(_ id: String?, since: Date = t0, floor: String? = nil, until: Date? = nil, reviewAt: Date? = nil) -> MemberTier {
        MemberTier(tierId: id, since: since, floorTierId: floor, floorUntil: until, reviewAt: reviewAt)
    }

    // MARK: Open Loyalty's level cases

    @Test func spendingFortyReachesTheTopLevel() throws {
        let tiers = try Self.qualification()
        let (state, change) = tiers.evaluate(MemberTier(), basis: Amount(integer: 40), trigger: .event, now: Self.t0)
        #expect(state.tierId == "gold")
        #expect(change == TierChange(from: nil, to: "gold", reason: .qualified, at: Self.t0))
        #expect(tiers.evaluate(MemberTier(), basis: Amount(integer: 25), trigger: .event, now: Self.t0).state.tierId == "silver")
        #expect(tiers.evaluate(MemberTier(), basis: Amount(integer: 20), trigger: .event, now: Self.t0).state.tierId == "silver")
        #expect(tiers.evaluate(MemberTier(), basis: Amount("19.99")!, trigger: .event, now: Self.t0).state.tierId == "bronze")
    }

    @Test func aManualFloorHoldsUntilItEnds() throws {
        let tiers = try Self.qualification(downgrade: "{policy: automatic}")
        let until = Self.t0.addingTimeInterval(10 * 86_400)
        // Staff set gold on a member whose spend supports bronze only.
        var (state, change) = tiers.evaluate(Self.tier("bronze", floor: "gold", until: until), basis: Amount(integer: 5), trigger: .floorChanged, now: Self.t0)
        #expect(state.tierId == "gold" && change?.reason == .manual)
        // Events do not take it away while the floor holds, even under automatic downgrade.
        (state, change) = tiers.evaluate(state, basis: Amount(integer: 5), trigger: .event, now: Self.t0.addingTimeInterval(86_400))
        #expect(state.tierId == "gold" && change == nil)
        // When it runs out, the member lands where the basis puts them.
        (state, change) = tiers.evaluate(state, basis: Amount(integer: 22), trigger: .scheduled, now: until)
        #expect(state.tierId == "silver" && change?.reason == .floorEnded && state.floorTierId == nil)
    }

    @Test(arguments: ["{policy: never}", "{policy: review, review_months: 12}"])
    func aFloorThatRunsOutDropsTheMemberWhateverThePolicy(downgrade: String) throws {
        let tiers = try Self.qualification(downgrade: downgrade)
        let until = Self.t0.addingTimeInterval(10 * 86_400)
        let held = Self.tier("gold", floor: "gold", until: until, reviewAt: until.addingTimeInterval(300 * 86_400))
        #expect(tiers.evaluate(held, basis: .zero, trigger: .scheduled, now: until.addingTimeInterval(-1)).change == nil)
        let (state, change) = tiers.evaluate(held, basis: Amount(integer: 21), trigger: .scheduled, now: until)
        #expect(state.tierId == "silver" && change?.reason == .floorEnded)
    }

    @Test func removingAFloorFallsBackToTheBasis() throws {
        let tiers = try Self.qualification()
        let held = Self.tier("gold", floor: "gold")
        var removed = held
        removed.floorTierId = nil
        let (state, change) = tiers.evaluate(removed, basis: Amount(integer: 21), trigger: .floorChanged, now: Self.t0)
        #expect(state.tierId == "silver" && change?.reason == .floorEnded)
    }

    @Test func neverDowngradeKeepsTheTier() throws {
        let tiers = try Self.qualification(downgrade: "{policy: never}")
        for trigger in [TierQualification.Trigger.event, .scheduled] {
            let (state, change) = tiers.evaluate(Self.tier("gold"), basis: .zero, trigger: trigger, now: Self.t0)
            #expect(state.tierId == "gold" && change == nil)
        }
    }

    @Test func automaticDowngradeFollowsTheBasisAtOnce() throws {
        let tiers = try Self.qualification(downgrade: "{policy: automatic}")
        let (state, change) = tiers.evaluate(Self.tier("gold"), basis: Amount(integer: 10), trigger: .event, now: Self.t0)
        #expect(state.tierId == "bronze" && change?.reason == .basisFell)
        let stepped = try Self.qualification(downgrade: "{policy: automatic, step: one_level}")
        #expect(stepped.evaluate(Self.tier("gold"), basis: Amount(integer: 10), trigger: .event, now: Self.t0).state.tierId == "silver")
    }

    @Test func reviewDowngradeWaitsForTheReviewDate() throws {
        let tiers = try Self.qualification(downgrade: "{policy: review, review_months: 12, step: one_level}")
        let review = Self.t0.addingTimeInterval(100 * 86_400)
        let gold = Self.tier("gold", reviewAt: review)
        // Before the review: kept, whatever the basis.
        #expect(tiers.evaluate(gold, basis: .zero, trigger: .event, now: Self.t0).change == nil)
        #expect(tiers.evaluate(gold, basis: .zero, trigger: .scheduled, now: review.addingTimeInterval(-1)).change == nil)
        // At the review: one level down, and the next review a year later.
        let (state, change) = tiers.evaluate(gold, basis: .zero, trigger: .scheduled, now: review)
        #expect(state.tierId == "silver" && change?.reason == .review)
        #expect(state.reviewAt == tiers.calendar.date(byAdding: .month, value: 12, to: review))
        // Kept at review: the review date moves on without a change.
        let kept = tiers.evaluate(gold, basis: Amount(integer: 35), trigger: .scheduled, now: review)
        #expect(kept.change == nil && kept.state.tierId == "gold" && kept.state.reviewAt! > review)
        // to_qualified lands where the basis supports.
        let direct = try Self.qualification(downgrade: "{policy: review, review_months: 6}")
        #expect(direct.evaluate(gold, basis: .zero, trigger: .scheduled, now: review).state.tierId == "bronze")
    }

    @Test func upgradesSetTheReviewDate() throws {
        let tiers = try Self.qualification(downgrade: "{policy: review, review_months: 12}")
        let (state, _) = tiers.evaluate(Self.tier("bronze"), basis: Amount(integer: 31), trigger: .event, now: Self.t0)
        #expect(state.tierId == "gold" && state.since == Self.t0)
        #expect(state.reviewAt == tiers.calendar.date(byAdding: .month, value: 12, to: Self.t0))
    }

    // MARK: Bases and windows

    @Test func eachBasisCountsItsOwnThing() throws {
        let event = Fixtures.purchase(at: Self.t0, lines: [Fixtures.line("A", "12.50"), Fixtures.line("SHIP", "5", delivery: true),
                                                           Fixtures.line("GIFT", "3", category: "giftcards")])
        let spend = try Self.qualification(extra: "  exclude: {categories: [giftcards]}\n  exclude_delivery: true")
        #expect(spend.contribution(of: event, points: 7) == TierContribution(points: 7, amount: Amount("12.50")!, purchases: 1))
        #expect(spend.basis(TierContribution(points: 7, amount: Amount("12.50")!, purchases: 1), balance: 0) == Amount("12.50"))
        let points = try Self.qualification(basis: "points_earned")
        #expect(points.basis(TierContribution(points: 7, amount: Amount("12.50")!, purchases: 1), balance: 0) == Amount(integer: 7))
        let purchases = try Self.qualification(basis: "purchases")
        #expect(purchases.basis(TierContribution(points: 7, amount: Amount("12.50")!, purchases: 3), balance: 0) == Amount(integer: 3))
        let review = LoyaltyEvent(id: "r", type: "review", occurredAt: Self.t0)
        #expect(spend.contribution(of: review, points: 10) == TierContribution(points: 10))
    }

    @Test func windowsStartWhereTheyShould() throws {
        #expect(try Self.qualification(window: "lifetime").windowStart(at: Self.t0) == nil)
        let yearStart = try Fixtures.at("2026-01-01T00:00:00Z"), yearAgo = try Fixtures.at("2025-09-21T14:13:20Z")
        #expect(try Self.qualification(window: "calendar_year").windowStart(at: Self.t0) == yearStart)
        #expect(try Self.qualification(window: "{rolling_months: 12}").windowStart(at: Self.t0) == yearAgo)
    }

    @Test func nextCheckIsTheReviewTheWindowOrTheFloor() throws {
        let review = Self.t0.addingTimeInterval(50 * 86_400)
        let reviewed = try Self.qualification(downgrade: "{policy: review, review_months: 12}")
        #expect(reviewed.nextCheck(Self.tier("gold", reviewAt: review), oldestInWindow: nil, now: Self.t0) == review)
        let rolling = try Self.qualification(window: "{rolling_months: 3}", downgrade: "{policy: automatic}")
        let oldest = try Fixtures.at("2026-08-01T00:00:00Z")
        let leaves = try Fixtures.at("2026-11-01T00:00:00.001Z")
        #expect(rolling.nextCheck(Self.tier("gold"), oldestInWindow: oldest, now: Self.t0) == leaves)
        let floorEnds = Self.t0.addingTimeInterval(5 * 86_400)
        #expect(try Self.qualification().nextCheck(Self.tier("gold", floor: "gold", until: floorEnds), oldestInWindow: nil, now: Self.t0) == floorEnds)
        #expect(try Self.qualification().nextCheck(Self.tier("gold"), oldestInWindow: nil, now: Self.t0) == nil)
    }

    // MARK: Progress

    @Test func progressShowsWhatIsMissingAndWhatKeepsTheTier() throws {
        let review = Self.t0.addingTimeInterval(30 * 86_400)
        let tiers = try Self.qualification(downgrade: "{policy: review, review_months: 12}")
        let progress = tiers.progress(Self.tier("silver", reviewAt: review), basis: Amount("12.50")!, now: Self.t0)
        #expect(progress.tier?.id == "silver" && progress.nextTier?.id == "gold")
        #expect(progress.toNextTier == Amount("17.50"))
        #expect(progress.toKeepTier == Amount("7.50") && progress.keepBy == review)
        let top = tiers.progress(Self.tier("gold"), basis: Amount(integer: 45), now: Self.t0)
        #expect(top.nextTier == nil && top.toKeepTier == .zero)
        #expect(try Self.qualification().progress(Self.tier("gold"), basis: .zero, now: Self.t0).toKeepTier == nil)
        #expect(tiers.progress(Self.tier("bronze"), basis: .zero, now: Self.t0).toKeepTier == nil) // the first level cannot be lost
    }

    // MARK: Events

    @Test func theEventThatCrossesTheThresholdUpgradesWithBonusAndTheNewTiersMultiplierAppliesNextTime() throws {
        let program = try ProgramDefinition.parse("""
            name: Tiers
            currency: EUR
            earning_rules:
              - {id: spend, event: purchase, effect: {type: points_per_amount, points: 1, per: 1}}
            tiers:
              basis: amount_spent
              levels:
                - {id: bronze, threshold: 0}
                - {id: gold, threshold: 100, benefits: {earning_multiplier: 1.5, bonus_points: 50, discount_percent: 10, perks: [free delivery]}}
            """)
        let processor = EventProcessor(program: program)
        let member = MemberProfile(id: "m", tier: "bronze")
        let first = try processor.process(Fixtures.purchase(at: Self.t0, lines: [Fixtures.line("A", "120")]), member: member,
                                          ledger: MemberLedger(memberId: "m"), usage: [:], returnedPurchase: nil,
                                          tier: TierStanding(state: Self.tier("bronze"), totals: TierContribution()), now: Self.t0)
        #expect(first.tierChange?.to == "gold" && first.tier?.tierId == "gold")
        #expect(first.pointsEarned == 170) // 120, no multiplier yet (bronze when the event came in), + 50 bonus
        #expect(first.rules.map(\.ruleId) == ["spend", "tier_bonus"])
        let second = try processor.process(Fixtures.purchase("evt_2", at: Self.t0, lines: [Fixtures.line("A", "10")]),
                                           member: MemberProfile(id: "m", tier: "gold"), ledger: first.ledger, usage: [:], returnedPurchase: nil,
                                           tier: TierStanding(state: first.tier!, totals: TierContribution(amount: Amount(integer: 120), purchases: 1)), now: Self.t0)
        #expect(second.pointsEarned == 15 && second.tierChange == nil)
        #expect(second.rules.last?.ruleId == "tier_multiplier")
        Fixtures.expectBooksBalance(second.ledger)
    }

    @Test func aReturnTakesItsShareOffTheBasisAndCanDowngrade() throws {
        let program = try ProgramDefinition.parse("""
            name: Tiers
            currency: EUR
            earning_rules:
              - {id: spend, event: purchase, effect: {type: points_per_amount, points: 1, per: 1}}
            tiers:
              basis: amount_spent
              downgrade: {policy: automatic}
              levels:
                - {id: bronze, threshold: 0}
                - {id: gold, threshold: 100}
            """)
        let processor = EventProcessor(program: program)
        let purchase = try processor.process(Fixtures.purchase(at: Self.t0, lines: [Fixtures.line("A", "120")]), member: MemberProfile(id: "m"),
                                             ledger: MemberLedger(memberId: "m"), usage: [:], returnedPurchase: nil,
                                             tier: TierStanding(state: MemberTier(), totals: TierContribution()), now: Self.t0)
        #expect(purchase.tier?.tierId == "gold")
        let record = PurchaseRecord(eventId: "evt_p", memberId: "m", total: Amount(integer: 120), pointsEarned: 120, tierAmount: Amount(integer: 120))
        let returned = try processor.process(LoyaltyEvent(id: "evt_r", type: "return", occurredAt: Self.t0, returnOf: ReturnDetails(purchaseEventId: "evt_p", amount: Amount(integer: 30))),
                                             member: MemberProfile(id: "m", tier: "gold"), ledger: purchase.ledger, usage: [:], returnedPurchase: record,
                                             tier: TierStanding(state: purchase.tier!, totals: TierContribution(points: 120, amount: Amount(integer: 120), purchases: 1)),
                                             now: Self.t0)
        #expect(returned.tierContribution == TierContribution(points: -30, amount: Amount(integer: -30), purchases: 0))
        #expect(returned.tier?.tierId == "bronze" && returned.tierChange?.reason == .basisFell)
    }

    // MARK: Validation

    @Test func tierAndClubMistakesAreReportedWithTheirPaths() throws {
        do {
            _ = try ProgramDefinition.parse("""
                name: Bad
                currency: EUR
                earning_rules: []
                tiers:
                  basis: purchases
                  window: {rolling_months: 0}
                  exclude_delivery: true
                  downgrade: {policy: never, step: one_level}
                  levels:
                    - {id: a, threshold: 5}
                    - {id: b, threshold: 2.5}
                    - {id: a, threshold: 10, benefits: {earning_multiplier: 0.5, colour: red}}
                clubs:
                  - {id: vip, name: VIP, join: {tiers: [platinum]}, renewal: while_in_tier}
                """)
            Issue.record("invalid tiers were accepted")
        } catch {
            let paths = Set(error.issues.map(\.path))
            for path in ["tiers.window.rolling_months", "tiers.exclude", "tiers.downgrade.step", "tiers.levels[1].threshold", "tiers.levels[2].id",
                         "tiers.levels[2].benefits.earning_multiplier", "tiers.levels[2].benefits.colour", "clubs[0].join.tiers", "clubs[0].renewal"] {
                #expect(paths.contains(path), "missing \(path) in \(paths.sorted())")
            }
        }
    }
}
