import Foundation
import Testing
import LaurelCore

/// A program file reports every problem at once, each with its path; unknown keys are errors.
struct ProgramValidationTests {
    @Test func everyProblemIsReportedWithItsPath() throws {
        let text = """
            name: Broken
            currency: euro
            timezone: Mars/Olympus
            colour: green
            points:
              pending_days: -1
            earning_rules:
              - id: ok
                event: purchase
                effect: {type: points_per_amount, points: 1}
              - id: ok
                event: purchase
                effect: {type: multiplier, factor: -0.5}
              - event: review
                effect: {type: fixed_points, points: 5, per: 2}
              - id: weird
                event: purchase
                effect: {type: teleport}
                limit: {period: fortnight}
            """
        let error = try #require(throws: ProgramValidationError.self) { try ProgramDefinition.parse(text) }
        let paths = Set(error.issues.map(\.path))
        for expected in ["currency", "timezone", "colour", "points.pending_days", "earning_rules[1].id", "earning_rules[1].effect.factor",
                         "earning_rules[2].id", "earning_rules[2].effect.per", "earning_rules[3].effect.type", "earning_rules[3].limit",
                         "earning_rules[3].limit.period"] {
            #expect(paths.contains(expected), "missing \(expected) in \(error.issues)")
        }
        #expect(error.issues.first { $0.path == "earning_rules[1].effect.factor" }?.message == "must be >= 0")
        #expect(error.issues.first { $0.path == "colour" }?.message.hasPrefix("unknown key") == true)
    }

    @Test func jsonAndYamlGiveTheSameProgram() throws {
        let yaml = try ProgramDefinition.parse("""
            name: Same
            currency: EUR
            point_value: "0.02"
            points: {expiry: {policy: after_days, days: 90}, pending_days: 7, returns: {when_spent: debt, debt_limit: 100}}
            earning_rules:
              - {id: spend, event: purchase, effect: {type: points_per_amount, points: "1.5", per: 2}}
            """)
        let json = try ProgramDefinition.parse("""
            {"name": "Same", "currency": "EUR", "point_value": "0.02",
             "points": {"expiry": {"policy": "after_days", "days": 90}, "pending_days": 7, "returns": {"when_spent": "debt", "debt_limit": 100}},
             "earning_rules": [{"id": "spend", "event": "purchase", "effect": {"type": "points_per_amount", "points": 1.5, "per": 2}}]}
            """)
        #expect(yaml == json)
        #expect(yaml.returns == ReturnPolicy(whenSpent: .debt, debtLimit: 100))
    }

    @Test(arguments: ["bean-and-thread.yaml", "fashion-vip.yaml", "active-outdoor.yaml"])
    func canonicalTreeReadsBackEqual(example: String) throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples/\(example)")
        let definition = try ProgramDefinition.parse(try String(contentsOf: url, encoding: .utf8))
        #expect(try ProgramDefinition.read(definition.canonicalTree) == definition)
        #expect(definition.earningRules.count >= 10)
    }

    @Test func returnsCannotBeEarningEvents() throws {
        let error = try #require(throws: ProgramValidationError.self) {
            try ProgramDefinition.parse("name: X\ncurrency: EUR\nearning_rules:\n  - {id: r, event: return, effect: {type: fixed_points, points: 1}}")
        }
        #expect(error.issues.map(\.path) == ["earning_rules[0].event"])
    }

    /// A multiplier may lower points (0 ≤ factor < 1, "no points on clearance") but not below zero:
    /// one message for every negative factor, none for 0, 0.5 or 1.
    @Test func multipliersFromZeroUpAreAllowedAndNegativeOnesRefused() throws {
        for factor in ["0", "\"0.5\"", "1", "3"] {
            #expect(throws: Never.self) {
                try ProgramDefinition.parse("name: X\ncurrency: EUR\nearning_rules:\n  - {id: m, event: purchase, effect: {type: multiplier, factor: \(factor)}}")
            }
        }
        for factor in ["-1", "\"-0.5\""] {
            let error = try #require(throws: ProgramValidationError.self) {
                try ProgramDefinition.parse("name: X\ncurrency: EUR\nearning_rules:\n  - {id: m, event: purchase, effect: {type: multiplier, factor: \(factor)}}")
            }
            #expect(error.issues == [ValidationIssue(path: "earning_rules[0].effect.factor", message: "must be >= 0")])
        }
    }

    @Test func notYamlAtAll() {
        #expect(throws: ProgramValidationError.self) { try ProgramDefinition.parse("name: [unclosed") }
        #expect(throws: ProgramValidationError.self) { try ProgramDefinition.parse("") }
    }
}
