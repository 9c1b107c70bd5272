import Foundation
import Testing
@testable import LaurelCore

/// No value a request or a program file can carry makes the core trap: overflow becomes a refusal
/// (issue 27's crash reproductions, each as a test).
struct OverflowTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)
    static let member = MemberProfile(id: "m")

    /// A program as the store would hold it, built without validation (as if an older version had let it through).
    static func unvalidated(_ rules: [EarningRule], tiers: TierPolicy? = nil) -> EventProcessor {
        EventProcessor(program: ProgramDefinition(name: "Raw", currency: "EUR", earningRules: rules, tiers: tiers))
    }

    @Test func exactPointsOverflowIsStickyAndRoundsBeyondEveryBound() {
        let huge = ExactPoints(Int128.max / 2)
        let product = huge * ExactPoints(points: 4)
        #expect(product.isOverflow)
        #expect((product + ExactPoints(points: 1)).isOverflow && (ExactPoints(points: 1) - product).isOverflow && (product / huge).isOverflow)
        #expect(product.rounded(.down) == Int.max)
        // Beyond Int but within 128 bits: no trap ("Not enough bits"), the largest Int instead.
        #expect(ExactPoints(Int128(Int64.max) * 1000).rounded(.halfUp) == Int.max)
        #expect(ExactPoints(Int128(Int64.min) * 1000).rounded(.halfUp) == Int.min)
        // Sums of fractions with unrelated denominators still add exactly when they fit.
        #expect(ExactPoints(1, over: 3) + ExactPoints(1, over: 6) == ExactPoints(1, over: 2))
    }

    @Test func aRuleEarningBeyondTheMaximumRefusesTheEventInsteadOfTrapping() throws {
        // issue 27: points 900000000000000 per 0.0001 trapped in ExactPoints.
        let perAmount = Self.unvalidated([EarningRule(id: "r", name: "r", event: "purchase",
                                                      effect: .pointsPerAmount(PointsPerAmount(points: Amount(integer: 900_000_000_000_000), per: Amount("0.0001")!)))])
        let purchase = Fixtures.purchase(at: Self.t0, lines: [Fixtures.line("A", "1000000000000")])
        #expect(throws: EventProcessingError.pointsOutOfRange) {
            try perAmount.process(purchase, member: Self.member, ledger: MemberLedger(memberId: "m"), usage: [:], returnedPurchase: nil, now: Self.t0)
        }
        // issue 27: two fixed_points rules of 2^62 on one event type overflowed when summed.
        let twoFixed = Self.unvalidated((1...2).map { EarningRule(id: "f\($0)", name: "f", event: "review", effect: .fixedPoints(4_611_686_018_427_387_904)) })
        #expect(throws: EventProcessingError.pointsOutOfRange) {
            try twoFixed.process(LoyaltyEvent(id: "e", type: "review", occurredAt: Self.t0), member: Self.member, ledger: MemberLedger(memberId: "m"),
                                 usage: [:], returnedPurchase: nil, now: Self.t0)
        }
    }

    @Test func aBalanceNeverPassesTheLargestTotal() throws {
        // issue 27: fixed_points of 4e18 overflowed a balance on the third event; now the event that would pass 10^18 is refused.
        let processor = Self.unvalidated([EarningRule(id: "f", name: "f", event: "review", effect: .fixedPoints(Bounds.maxPointsPerEvent))])
        var ledger = MemberLedger(memberId: "m", lots: [PointLot(id: "old", memberId: "m", sourceId: "old", earnedAt: Self.t0, availableAt: Self.t0,
                                                                 expiresAt: nil, points: Bounds.maxTotal - 1, remaining: Bounds.maxTotal - 1, pending: false)],
                                  lifetimeEarned: Bounds.maxTotal - 1)
        let review = LoyaltyEvent(id: "e", type: "review", occurredAt: Self.t0)
        #expect(throws: EventProcessingError.totalOutOfRange("points")) {
            try processor.process(review, member: Self.member, ledger: ledger, usage: [:], returnedPurchase: nil, now: Self.t0)
        }
        #expect(throws: LedgerError.totalOutOfRange) { try ledger.adjust(2, program: processor.program, sourceId: "adj", now: Self.t0) }
        try ledger.adjust(1, program: processor.program, sourceId: "adj", now: Self.t0)
        #expect(ledger.available == Bounds.maxTotal)
        var receiver = MemberLedger(memberId: "r", lots: [PointLot(id: "r1", memberId: "r", sourceId: "r1", earnedAt: Self.t0, availableAt: Self.t0,
                                                                   expiresAt: nil, points: Bounds.maxTotal, remaining: Bounds.maxTotal, pending: false)])
        #expect(throws: LedgerError.totalOutOfRange) { try ledger.transfer(1, to: &receiver, sourceId: "t", now: Self.t0) }
    }

    @Test func aTierWindowThatWouldPassTheLargestTotalRefusesTheEvent() throws {
        // issue 27: two purchases of 500000000000000 overflowed the tier window's sum on the writer thread.
        let tiers = TierPolicy(basis: .amountSpent, window: .lifetime, levels: [TierLevel(id: "gold", name: "Gold", threshold: Amount(integer: 1000))])
        let processor = Self.unvalidated([EarningRule(id: "r", name: "r", event: "purchase", effect: .fixedPoints(1))], tiers: tiers)
        let standing = TierStanding(state: MemberTier(), totals: TierContribution(points: 0, amount: Amount(units: Int64(Bounds.maxTotal) - 1), purchases: 1))
        let purchase = Fixtures.purchase(at: Self.t0, lines: [Fixtures.line("A", "1.00")])
        #expect(throws: EventProcessingError.totalOutOfRange("tier spend")) {
            try processor.process(purchase, member: Self.member, ledger: MemberLedger(memberId: "m"), usage: [:], returnedPurchase: nil,
                                  tier: standing, now: Self.t0)
        }
        // Sums the store makes of stored contributions saturate instead of trapping.
        let most = TierContribution(points: .max, amount: Amount(units: .max), purchases: .max)
        #expect(most + TierContribution(points: 1, amount: Amount(units: 1), purchases: 1) == most)
    }

    @Test func validationRefusesProgramsThatCouldEarnBeyondTheMaximumPerEvent() throws {
        func problems(_ rules: String, header: String = "") -> [ValidationIssue] {
            do {
                _ = try Fixtures.program(rules, header: header)
                return []
            } catch let error as ProgramValidationError { return error.issues } catch { return [ValidationIssue(path: "?", message: "\(error)")] }
        }
        // The three programs of issue 27.
        let perAmount = problems("  - {id: r, event: purchase, effect: {type: points_per_amount, points: 900000000000000, per: 0.0001}}")
        #expect(perAmount.map(\.path) == ["earning_rules[0].effect.points"])
        let twoFixed = problems("""
              - {id: a, event: review, effect: {type: fixed_points, points: 4611686018427387904}}
              - {id: b, event: review, effect: {type: fixed_points, points: 4611686018427387904}}
            """)
        #expect(twoFixed.map(\.path) == ["earning_rules[0].effect.points", "earning_rules[1].effect.points"])
        #expect(!problems("  - {id: a, event: review, effect: {type: fixed_points, points: 4000000000000000000}}").isEmpty)
        // Values each within range whose combination could pass 10^15 on one event.
        let combined = problems("""
              - {id: a, event: review, effect: {type: fixed_points, points: 600000000000000}}
              - {id: b, event: review, effect: {type: fixed_points, points: 600000000000000}}
            """)
        #expect(combined.count == 1 && combined[0].path == "earning_rules" && combined[0].message.contains("\"review\"")
                && combined[0].message.contains("up to 1200000000000000"))
        let rate = problems("  - {id: r, event: purchase, effect: {type: points_per_amount, points: 10000, per: 1}}")
        #expect(rate.count == 1 && rate[0].path == "earning_rules")
        let multiplied = problems("""
              - {id: r, event: purchase, effect: {type: points_per_amount, points: 10, per: 1}}
              - {id: m, event: purchase, effect: {type: multiplier, factor: 1000}}
            """)
        #expect(multiplied.count == 1)
        // A limit bounds what its rule can add.
        #expect(problems("""
              - {id: r, event: purchase, effect: {type: points_per_amount, points: 10, per: 1}}
              - {id: m, event: purchase, effect: {type: multiplier, factor: 1000}, limit: {max_points: 1000, period: day}}
            """).isEmpty)
        // A common rate stays within the bound (the example programs are validated in ProgramValidationTests).
        #expect(problems("  - {id: r, event: purchase, effect: {type: points_per_amount, points: 10, per: 1}}").isEmpty)
        #expect(problems("  - {id: r, event: purchase, effect: {type: points_per_amount, points: 1, per: 1}}", header: "points: {expiry: {policy: after_days, days: 99999}}")
                    .map(\.path) == ["points.expiry.days"])
    }

    @Test func programSourcesCannotExpandOrNestWithoutBound() throws {
        // issue 27: 447 bytes of aliases expanded to 10^8 nodes.
        var laughs = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        for level in 1...8 {
            let previous = Character(UnicodeScalar(UInt8(ascii: "a") + UInt8(level - 1)))
            let name = Character(UnicodeScalar(UInt8(ascii: "a") + UInt8(level)))
            laughs += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ",") + "]\n"
        }
        let started = ContinuousClock.now
        let error = try #require(throws: ProgramValidationError.self) { try ProgramSourceParser.parse(laughs) }
        #expect(error.issues.first?.message.contains("anchors and aliases") == true)
        #expect(ContinuousClock.now - started < .seconds(5))
        let plainAlias = try #require(throws: ProgramValidationError.self) { try ProgramSourceParser.parse("x: &v 1\ny: *v\n") }
        #expect(plainAlias.issues.first?.path == "x")
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: ProgramValidationError.self) { try ProgramSourceParser.parse(deep) }
        let tooBig = String(repeating: "#", count: ProgramSourceParser.maxSourceBytes + 1)
        #expect(throws: ProgramValidationError.self) { try ProgramSourceParser.parse(tooBig) }
        let nul = try #require(throws: ProgramValidationError.self) { try ProgramSourceParser.parse("name: \"a\\0b\"\n") }
        #expect(nul.issues.first?.path == "name")
    }

    @Test func programsHoldAtMostSoManyRules() throws {
        let rules = (0...ProgramDefinition.maxEarningRules).map { "  - {id: r\($0), event: review, effect: {type: fixed_points, points: 1}}" }
        let error = try #require(throws: ProgramValidationError.self) { try Fixtures.program(rules.joined(separator: "\n")) }
        #expect(error.issues.map(\.path) == ["earning_rules"])
        #expect(try Fixtures.program(rules.dropLast().joined(separator: "\n")).earningRules.count == ProgramDefinition.maxEarningRules)
    }
}
