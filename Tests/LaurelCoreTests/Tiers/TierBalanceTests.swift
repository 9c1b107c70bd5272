import Foundation
import Testing
@testable import LaurelCore

/// `tiers.basis: points_balance`: the basis is the available balance (not pending, debt as 0), an
/// event is judged on its ledger after it, the policies and floors hold as for the other bases,
/// and a window is refused.
struct TierBalanceTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    static func source(downgrade: String = "{policy: automatic}", extra: String = "", pendingDays: Int = 0) -> String {
        """
        name: Balance
        currency: EUR
        points: {pending_days: \(pendingDays)}
        earning_rules:
          - {id: spend, event: purchase, effect: {type: points_per_amount, points: 1, per: 1}}
          - {id: review, event: review, effect: {type: fixed_points, points: 150}}
        tiers:
          basis: points_balance
          downgrade: \(downgrade)
        \(extra)
          levels:
            - {id: member, threshold: 0}
            - {id: silver, threshold: 100}
            - {id: gold, threshold: 300, benefits: {bonus_points: 20}}
        """
    }

    static func qualification(downgrade: String = "{policy: automatic}") throws -> TierQualification {
        let program = try ProgramDefinition.parse(source(downgrade: downgrade))
        return TierQualification(policy: try #require(program.tiers), calendar: program.calendar)
    }

    static func issues(_ text: String) throws -> [ValidationIssue] {
        let error = try #require(throws: ProgramValidationError.self) { try ProgramDefinition.parse(text) }
        return error.issues
    }

    @Test func theBasisIsTheAvailableBalanceAndDebtCountsAsZero() throws {
        let tiers = try Self.qualification()
        let totals = TierContribution(points: 999, amount: Amount(integer: 999), purchases: 9)
        #expect(tiers.basis(totals, balance: 250) == Amount(integer: 250))
        #expect(tiers.basis(totals, balance: -40) == .zero)
        #expect(tiers.basis(TierStanding(state: MemberTier(), totals: totals, balance: 120)) == Amount(integer: 120))
        #expect(tiers.followsBalance)
        let earned = TierQualification(policy: TierPolicy(basis: .pointsEarned, levels: tiers.policy.levels), calendar: Calendar(identifier: .gregorian))
        #expect(!earned.followsBalance)
        #expect(earned.evaluateBalance(MemberTier(tierId: "member"), balance: 500, now: Self.t0) == nil)
    }

    @Test(arguments: [("{policy: automatic}", "member", TierChangeReason?.some(.basisFell)),
                      ("{policy: automatic, step: one_level}", "silver", .some(.basisFell)),
                      ("{policy: never}", "gold", nil),
                      ("{policy: review, review_months: 6}", "gold", nil)])
    func spendingBelowAThresholdFollowsThePolicy(downgrade: String, landing: String, reason: TierChangeReason?) throws {
        let tiers = try Self.qualification(downgrade: downgrade)
        let gold = try #require(tiers.evaluateBalance(MemberTier(), balance: 320, now: Self.t0))
        #expect(gold.state.tierId == "gold" && gold.change?.reason == .qualified)
        let spent = try #require(tiers.evaluateBalance(gold.state, balance: 20, now: Self.t0.addingTimeInterval(60)))
        #expect(spent.state.tierId == landing && spent.change?.reason == reason)
        // Earning back lifts the member again at once, whatever the policy.
        let back = try #require(tiers.evaluateBalance(spent.state, balance: 300, now: Self.t0.addingTimeInterval(120)))
        #expect(back.state.tierId == "gold")
    }

    @Test func aFloorHoldsWhateverIsSpent() throws {
        let tiers = try Self.qualification()
        let held = MemberTier(tierId: "gold", since: Self.t0, floorTierId: "gold")
        let spent = try #require(tiers.evaluateBalance(held, balance: 0, now: Self.t0))
        #expect(spent.state.tierId == "gold" && spent.change == nil)
    }

    @Test func anEventIsJudgedOnItsLedgerAfterItAndPendingPointsDoNotCount() throws {
        let processor = EventProcessor(program: try ProgramDefinition.parse(Self.source(pendingDays: 7)))
        let standing = TierStanding(state: MemberTier(tierId: "member", since: Self.t0), totals: TierContribution())
        var ledger = MemberLedger(memberId: "m")
        _ = ledger.earn(200, sourceId: "adj", earnedAt: Self.t0, availableAt: Self.t0, expiresAt: nil, now: Self.t0)
        // 150 from a review, available at once: 350, gold, with gold's bonus.
        let review = try processor.process(LoyaltyEvent(id: "evt_r", type: "review", occurredAt: Self.t0), member: MemberProfile(id: "m"),
                                           ledger: ledger, usage: [:], returnedPurchase: nil, tier: standing, now: Self.t0)
        #expect(review.tier?.tierId == "gold" && review.tierChange?.from == "member" && review.pointsEarned == 170)
        // 400 from a purchase wait seven days: the balance stays 200, silver.
        let purchase = try processor.process(Fixtures.purchase("evt_p", at: Self.t0, lines: [Fixtures.line("A", "400")]), member: MemberProfile(id: "m"),
                                             ledger: ledger, usage: [:], returnedPurchase: nil, tier: standing, now: Self.t0)
        #expect(purchase.ledger.pending == 400 && purchase.tier?.tierId == "silver" && purchase.tierChange?.reason == .qualified)
    }

    @Test func pointsCreditedAfterTheRulesCanLiftTheMemberFurther() throws {
        let processor = EventProcessor(program: try ProgramDefinition.parse(Self.source()))
        let standing = TierStanding(state: MemberTier(tierId: "member", since: Self.t0), totals: TierContribution())
        let event = LoyaltyEvent(id: "evt_r", type: "review", occurredAt: Self.t0)
        var outcome = try processor.process(event, member: MemberProfile(id: "m"), ledger: MemberLedger(memberId: "m"), usage: [:],
                                            returnedPurchase: nil, tier: standing, now: Self.t0)
        #expect(outcome.tier?.tierId == "silver")
        // A challenge's 200 points on the same event: one change, member to gold.
        try outcome.creditBonus(200, of: event, expiresAt: nil, now: Self.t0)
        outcome.followBalance(processor.tiers, now: Self.t0)
        #expect(outcome.tier?.tierId == "gold" && outcome.tierChange == TierChange(from: "member", to: "gold", reason: .qualified, at: Self.t0))
        // Nothing moves when the balance supports the tier already.
        let before = outcome
        outcome.followBalance(processor.tiers, now: Self.t0)
        #expect(outcome == before)
    }

    @Test func aWindowAndExclusionsAreRefused() throws {
        let window = try Self.issues(Self.source(extra: "  window: {rolling_months: 12}"))
        #expect(window.map(\.path) == ["tiers.window"])
        #expect(window.first?.message.contains("points_balance") == true)
        #expect(try Self.issues(Self.source(extra: "  window: lifetime")).map(\.path) == ["tiers.window"])
        #expect(try Self.issues(Self.source(extra: "  exclude_delivery: true")).map(\.path) == ["tiers.exclude"])
        let fraction = Self.source().replacingOccurrences(of: "threshold: 100", with: "threshold: \"100.5\"")
        #expect(try Self.issues(fraction).map(\.path) == ["tiers.levels[1].threshold"])
    }

    @Test func theProgramFileReadsBackAsWritten() throws {
        let definition = try ProgramDefinition.parse(Self.source(downgrade: "{policy: review, review_months: 3, step: one_level}"))
        let tree = definition.canonicalTree
        guard case .object(let fields) = tree, case .object(let tiers)? = fields["tiers"] else { Issue.record("no tiers in \(tree)"); return }
        #expect(tiers["basis"] == .string("points_balance") && tiers["window"] == nil)
        #expect(try ProgramDefinition.read(tree) == definition)
        #expect(try ProgramDefinition.read(tree).canonicalTree == tree)
    }

    @Test func theSummarySaysSpendingCanLowerTheTier() throws {
        let program = try ProgramDefinition.parse(Self.source())
        let lines = ProgramSummary.make(program, language: .en).sections.first { $0.title == "Tiers" }?.lines ?? []
        #expect(lines.first == "Tiers follow the points balance: spending points can lower the tier.")
        #expect(lines.contains { $0.hasPrefix("gold from a balance of 300 points") }, "\(lines)")
    }
}
