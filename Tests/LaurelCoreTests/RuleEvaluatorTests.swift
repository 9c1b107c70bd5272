import Foundation
import Testing
import LaurelCore

/// Effects, activity windows, `stop` and explanations of the rule evaluator.
struct RuleEvaluatorTests {
    static let when = Date(timeIntervalSince1970: 1_790_000_000)

    static func evaluate(_ program: ProgramDefinition, _ event: LoyaltyEvent, member: MemberProfile = MemberProfile(id: "m"),
                         usage: [String: RuleUsage] = [:]) -> [RuleResult] {
        RuleEvaluator(program: program).evaluate(event: event, member: member, usage: usage)
    }

    static func steps(_ value: JSONValue?, key: String = "steps") -> LoyaltyEvent {
        LoyaltyEvent(id: "evt_s", type: "steps", occurredAt: when, attributes: value.map { [key: $0] } ?? [:])
    }

    @Test(arguments: [(RoundingMode.down, "2500", 2), (.halfUp, "2500", 3), (.halfEven, "2500", 2), (.up, "2500", 3),
                      (.halfEven, "3500", 4), (.halfUp, "2499", 2), (.up, "2001", 3), (.down, "999", 0), (.down, "1000", 1)])
    func pointsPerAttributeRoundsByTheProgram(mode: RoundingMode, steps: String, expected: Int) throws {
        let program = try Fixtures.program("""
              - id: walk
                event: steps
                effect: {type: points_per_attribute, attribute: steps, points: 1, per: 1000}
            """, header: "rounding: \(mode.rawValue)")
        let results = Self.evaluate(program, Self.steps(.number(steps)))
        #expect(results.map(\.points) == [expected])
        #expect(results[0].matched && results[0].explanation == "1.00 per 1000.00 steps (\(Amount(steps)!))")
    }

    @Test func pointsPerAttributeNeedsAPositiveNumber() throws {
        let program = try Fixtures.program("""
              - id: walk
                event: steps
                effect: {type: points_per_attribute, attribute: workout.minutes, points: "0.5", per: 1}
            """)
        #expect(Self.evaluate(program, Self.steps(.object(["minutes": .string("45")]), key: "workout")).map(\.points) == [22])
        for value: JSONValue? in [nil, .number("-30"), .number("0"), .string("lots"), .bool(true), .object(["seconds": .number("60")])] {
            let result = Self.evaluate(program, Self.steps(value, key: "workout"))[0]
            #expect(result.points == 0, "\(String(describing: value))")
            #expect(result.explanation.contains("missing or not a positive number"))
        }
    }

    @Test func fixedPointsForANamedEventOnly() throws {
        let program = try Fixtures.program("""
              - id: review
                name: Product review
                event: review
                effect: {type: fixed_points, points: 50}
              - id: share
                event: social_share
                effect: {type: fixed_points, points: 5}
            """)
        let results = Self.evaluate(program, LoyaltyEvent(id: "e", type: "review", occurredAt: Self.when))
        #expect(results.map(\.ruleId) == ["review"] && results.map(\.ruleName) == ["Product review"])
        #expect(results.map(\.matched) == [true] && results.map(\.points) == [50] && results.map(\.explanation) == ["50 points for review"])
        #expect(Self.evaluate(program, LoyaltyEvent(id: "e", type: "check_in", occurredAt: Self.when)).isEmpty)
    }

    /// `active_from` is inclusive, `active_to` exclusive; plain dates are midnight in the program's zone.
    @Test func activeWindowInTheProgramTimeZone() throws {
        let program = try Fixtures.program("""
              - id: spring
                event: visit
                active_from: 2026-03-01
                active_to: 2026-04-01
                effect: {type: fixed_points, points: 7}
            """, header: "timezone: Europe/Paris")
        func result(_ text: String) throws -> RuleResult {
            Self.evaluate(program, LoyaltyEvent(id: "e", type: "visit", occurredAt: try Fixtures.at(text)))[0]
        }
        let early = try result("2026-02-28T22:59:59.999Z")
        #expect(!early.matched && early.points == 0 && early.explanation == "not active before 2026-02-28T23:00:00.000Z")
        #expect(try result("2026-02-28T23:00:00Z").points == 7)
        #expect(try result("2026-03-31T21:59:59Z").points == 7) // summer time: April 1 starts at 22:00Z
        let late = try result("2026-03-31T22:00:00Z")
        #expect(!late.matched && late.points == 0 && late.explanation == "ended at 2026-03-31T22:00:00.000Z")
    }

    @Test func stopEndsEvaluationOnlyWhenTheRuleMatches() throws {
        let program = try Fixtures.program("""
              - id: app-only
                event: review
                conditions: [{field: event.channel, op: eq, value: app}]
                effect: {type: fixed_points, points: 30}
                stop: true
              - id: everyone
                event: review
                effect: {type: fixed_points, points: 10}
            """)
        let app = Self.evaluate(program, LoyaltyEvent(id: "e", type: "review", occurredAt: Self.when, channel: "app"))
        #expect(app.map(\.ruleId) == ["app-only"] && app.map(\.points) == [30])
        let web = Self.evaluate(program, LoyaltyEvent(id: "e", type: "review", occurredAt: Self.when, channel: "web"))
        #expect(web.map(\.ruleId) == ["app-only", "everyone"])
        #expect(web.map(\.matched) == [false, true] && web.map(\.points) == [0, 10])
    }

    /// A factor below 1 takes a share back out of what earlier rules gave the matching lines: ×0 on
    /// clearance items leaves the spending rule only the other lines' points; the multiplier itself
    /// is credited 0 and says how many points it took.
    @Test func aMultiplierOfZeroTakesAwayEarlierPointsOnItsLines() throws {
        let program = try Fixtures.program("""
              - id: spend
                event: purchase
                effect: {type: points_per_amount, points: 1, per: 1}
              - id: no-points-on-clearance
                event: purchase
                effect: {type: multiplier, factor: 0, match: {labels: [clearance]}}
              - id: welcome
                event: purchase
                effect: {type: fixed_points, points: 10}
            """)
        let lines = [Fixtures.line("A", "100.00", labels: ["clearance"]), Fixtures.line("B", "50.00")]
        let results = Self.evaluate(program, Fixtures.purchase(at: Self.when, lines: lines))
        #expect(results.map(\.points) == [50, 0, 10])
        #expect(results.map(\.matched) == [true, true, true])
        #expect(results[1].explanation == "×0.00 on points from earlier rules for 1 matching lines; 100 points less from earlier rules")
        let none = Self.evaluate(program, Fixtures.purchase(at: Self.when, lines: [Fixtures.line("B", "50.00")]))
        #expect(none.map(\.points) == [50, 0, 10])
        #expect(none[1].explanation.hasSuffix("; 0 points less from earlier rules"))
    }

    /// Factors combine by multiplication whatever their order, each award is rounded once from its
    /// reduced exact sum (149.90 × 0.5 = 74.95 → 74 rounding down), and an award never rises.
    @Test func reducingMultipliersCombineAndRoundOnce() throws {
        let program = try Fixtures.program("""
              - id: spend
                event: purchase
                effect: {type: points_per_amount, points: 1, per: 1}
              - id: shoes-double
                event: purchase
                effect: {type: multiplier, factor: 2, match: {categories: [shoes]}}
              - id: shoes-half
                event: purchase
                effect: {type: multiplier, factor: 0.5, match: {categories: [shoes]}}
              - id: everything-double
                event: purchase
                effect: {type: multiplier, factor: 2}
            """)
        let shoes = Self.evaluate(program, Fixtures.purchase(at: Self.when, lines: [Fixtures.line("S", "100.00", category: "shoes")]))
        // 100, +100 (×2), both halved (50 + 50), then ×2 on everything adds 100: 200 = 100 × 2 × 0.5 × 2.
        #expect(shoes.map(\.points) == [50, 50, 0, 100])
        #expect(shoes[2].explanation.hasSuffix("; 100 points less from earlier rules"))
        let rope = Self.evaluate(program, Fixtures.purchase(at: Self.when, lines: [Fixtures.line("R", "149.90", category: "shoes")]))
        // 149.9 → 149; +149.9 → 149; halved: 74.95 → 74 each; then +149.9 → 149.
        #expect(rope.map(\.points) == [74, 74, 0, 149])
    }

    /// A `stop` on a rule below its `min_order` stops nothing (Open Loyalty's expectation: a rule
    /// whose conditions are not met does not stop later rules); at or above it, it stops.
    @Test func stopOnARuleBelowItsMinimumOrderStopsNothing() throws {
        let program = try Fixtures.program("""
              - id: big-basket
                event: purchase
                effect: {type: points_per_amount, points: 2, per: 1, min_order: 100}
                stop: true
              - id: everyday
                event: purchase
                effect: {type: points_per_amount, points: 1, per: 1}
            """)
        let small = Self.evaluate(program, Fixtures.purchase(at: Self.when, lines: [Fixtures.line("A", "40.00")]))
        #expect(small.map(\.ruleId) == ["big-basket", "everyday"])
        #expect(small.map(\.matched) == [false, true] && small.map(\.points) == [0, 40])
        #expect(small[0].explanation == "order total 40.00 is below the minimum 100.00")
        let big = Self.evaluate(program, Fixtures.purchase(at: Self.when, lines: [Fixtures.line("A", "100.00")]))
        #expect(big.map(\.ruleId) == ["big-basket"] && big.map(\.points) == [200], "at the minimum the rule matches and stops")
    }

    @Test func totalBaseIgnoresLinesAndPurchasesWithoutLinesCountAsOneLine() throws {
        let program = try Fixtures.program("""
              - id: total
                event: purchase
                effect: {type: points_per_amount, points: 1, per: 3, base: total}
              - id: lines
                event: purchase
                effect: {type: points_per_amount, points: 1, per: 3}
            """)
        // Paid 90.00 after an order discount on 100.00 of lines.
        let discounted = Fixtures.purchase(at: Self.when, lines: [Fixtures.line("A", "100.00")], total: try Fixtures.amount("90.00"))
        #expect(Self.evaluate(program, discounted).map(\.points) == [30, 33])
        let noLines = Fixtures.purchase(at: Self.when, lines: [], total: try Fixtures.amount("10.00"))
        let results = Self.evaluate(program, noLines)
        #expect(results.map(\.points) == [3, 3])
        #expect(results[1].explanation == "1.00 per 3.00 on 1 of 1 lines worth 10.00")
    }

    @Test func fractionsAreRoundedOncePerRule() throws {
        // Three lines of 0.50 at 1 point per 1.00: per-line rounding would give 0, the rule gives 1.
        let program = try Fixtures.program("""
              - id: spend
                event: purchase
                effect: {type: points_per_amount, points: 1, per: 1}
            """)
        let lines = (1...3).map { Fixtures.line("S\($0)", "0.50") }
        #expect(Self.evaluate(program, Fixtures.purchase(at: Self.when, lines: lines)).map(\.points) == [1])
    }

    @Test func multiplierWithoutMatchAlsoScalesOrderLevelPoints() throws {
        let program = try Fixtures.program("""
              - id: welcome
                event: purchase
                effect: {type: product_bonus, points: 10, per: order, match: {skus: [A]}}
              - id: spend
                event: purchase
                effect: {type: points_per_amount, points: 1, per: 1}
              - id: shoes-double
                event: purchase
                effect: {type: multiplier, factor: 2, match: {categories: [shoes]}}
              - id: weekend-triple
                event: purchase
                effect: {type: multiplier, factor: 3}
            """)
        let lines = [Fixtures.line("A", "20.00", category: "shoes"), Fixtures.line("B", "5.00", category: "bags")]
        let results = Self.evaluate(program, Fixtures.purchase(at: Self.when, lines: lines))
        // welcome 10 (order level, untouched by the matched multiplier); spend 25; shoes ×2 adds 20;
        // ×3 adds twice everything before it: 2 × (10 + 25 + 20) = 110.
        #expect(results.map(\.points) == [10, 25, 20, 110])
        #expect(results[2].explanation.contains("1 matching lines") && results.allSatisfy(\.matched))
    }

    @Test func multiplierOnlyScalesRulesListedBeforeIt() throws {
        let program = try Fixtures.program("""
              - id: double
                event: purchase
                effect: {type: multiplier, factor: 2}
              - id: spend
                event: purchase
                effect: {type: points_per_amount, points: 1, per: 1}
            """)
        #expect(Self.evaluate(program, Fixtures.purchase(at: Self.when, lines: [Fixtures.line("A", "10.00")])).map(\.points) == [0, 10])
    }

    @Test func everyResultIsExplained() throws {
        let program = try Fixtures.program("""
              - id: spend
                event: purchase
                effect: {type: points_per_amount, points: 2, per: 1, include: {categories: [shoes]}}
              - id: bags-bonus
                event: purchase
                effect: {type: product_bonus, points: 5, per: unit, match: {categories: [bags]}}
              - id: app
                event: purchase
                conditions: [{field: event.channel, op: eq, value: app}]
                effect: {type: fixed_points, points: 100}
              - id: future
                event: purchase
                active_from: 2030-01-01
                effect: {type: fixed_points, points: 100}
              - id: big
                event: purchase
                effect: {type: points_per_amount, points: 1, per: 1, min_order: 1000}
            """)
        let lines = [Fixtures.line("A", "10.00", category: "shoes"), Fixtures.line("B", "3.00", category: "bags", quantity: 2)]
        let results = Self.evaluate(program, Fixtures.purchase(at: Self.when, lines: lines, channel: "web"))
        #expect(results.map(\.ruleId) == ["spend", "bags-bonus", "app", "future", "big"])
        #expect(results.map(\.matched) == [true, true, false, false, false], "below its min_order a rule is not matched")
        #expect(results.map(\.points) == [20, 10, 0, 0, 0])
        #expect(results.allSatisfy { !$0.explanation.isEmpty })
        #expect(results[0].explanation == "2.00 per 1.00 on 1 of 2 lines worth 10.00")
        #expect(results[1].explanation == "5 points per unit on matching products")
        #expect(results[4].explanation == "order total 16.00 is below the minimum 1000.00")
    }
}
