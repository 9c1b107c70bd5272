import Foundation
import Testing
import LaurelCore

/// Each kind of mistake in a program file, with the exact paths reported; and all of them at once.
struct ProgramValidationIssuesTests {
    static func issues(_ text: String) throws -> [ValidationIssue] {
        let error = try #require(throws: ProgramValidationError.self) { try ProgramDefinition.parse(text) }
        #expect(!error.issues.isEmpty)
        #expect(error.description == error.issues.map(\.description).joined(separator: "\n"))
        return error.issues
    }

    static func rules(_ rules: String, header: String = "") -> String {
        "name: Test\ncurrency: EUR\n\(header.isEmpty ? "" : header + "\n")earning_rules:\n" + rules
    }

    @Test func everyProblemOfOneFileAtOnce() throws {
        let issues = try Self.issues("""
            name: Broken
            currency: eur
            timezone: Mars/Olympus
            colour: green
            earning_rules:
              - id: spend
                event: purchase
                effect: {type: points_per_amount, points: 1}
              - id: double
                event: purchase
                effect: {type: multiplier, factor: -1}
              - event: review
                effect: {type: fixed_points, points: 5}
              - id: spend
                event: review
                effect: {type: fixed_points, points: 5}
              - id: weird
                event: purchase
                effect: {type: teleport}
              - id: fixed
                event: review
                effect: {type: fixed_points, points: 5, per: 2}
            """)
        let byPath = Dictionary(issues.map { ($0.path, $0.message) }, uniquingKeysWith: { "\($0) | \($1)" })
        #expect(Set(byPath.keys) == ["colour", "currency", "timezone", "earning_rules[1].effect.factor", "earning_rules[2].id",
                                     "earning_rules[3].id", "earning_rules[4].effect.type", "earning_rules[5].effect.per"], "\(issues)")
        #expect(issues.count == 8, "\(issues)")
        #expect(byPath["colour"]?.hasPrefix("unknown key") == true)
        #expect(byPath["currency"] == "must be a three-letter ISO 4217 code such as EUR, got \"eur\"")
        #expect(byPath["timezone"]?.contains("Mars/Olympus") == true)
        #expect(byPath["earning_rules[1].effect.factor"] == "must be >= 0")
        #expect(byPath["earning_rules[2].id"] == "is required")
        #expect(byPath["earning_rules[3].id"] == "duplicate rule id \"spend\" (first used at earning_rules[0])")
        #expect(byPath["earning_rules[4].effect.type"]?.hasPrefix("must be one of points_per_amount, fixed_points") == true)
        #expect(byPath["earning_rules[5].effect.per"] == "does not apply to effect type fixed_points")
    }

    static let fixed = "effect: {type: fixed_points, points: 5}"

    /// (program text, the exact set of paths it must report)
    static let cases: [(String, Set<String>)] = [
        ("- a\n- b", [""]),
        ("name: X", ["currency"]),
        ("currency: EUR", ["name"]),
        ("name: X\ncurrency: EURO", ["currency"]),
        ("name: X\ncurrency: EUR\npoint_value: 0", ["point_value"]),
        ("name: X\ncurrency: EUR\npoint_value: 0.00001", ["point_value"]),
        ("name: X\ncurrency: EUR\nrounding: nearest", ["rounding"]),
        ("name: X\ncurrency: EUR\npoints: {pending_days: 4000}", ["points.pending_days"]),
        ("name: X\ncurrency: EUR\npoints: {pending_days: 1.5}", ["points.pending_days"]),
        ("name: X\ncurrency: EUR\npoints: {expiry: {policy: after_days}}", ["points.expiry.days"]),
        ("name: X\ncurrency: EUR\npoints: {expiry: {policy: sometimes}}", ["points.expiry.policy"]),
        ("name: X\ncurrency: EUR\npoints: {expiry: {policy: end_of_month, months_after: -1}}", ["points.expiry.months_after"]),
        ("name: X\ncurrency: EUR\npoints: {expiry: {policy: end_of_year, when: soon}}", ["points.expiry.when"]),
        ("name: X\ncurrency: EUR\npoints: {returns: {when_spent: take_available, debt_limit: 10}}", ["points.returns.debt_limit"]),
        ("name: X\ncurrency: EUR\npoints: {returns: {when_spent: forgive}}", ["points.returns.when_spent"]),
        ("name: X\ncurrency: EUR\npoints: {bonus: 1}", ["points.bonus"]),
        ("name: X\ncurrency: EUR\nearning_rules: 5", ["earning_rules"]),
        ("name: X\ncurrency: EUR\nearning_rules: [5]", ["earning_rules[0]"]),
        (rules("  - {id: \"bad id!\", event: review, \(fixed)}"), ["earning_rules[0].id"]),
        (rules("  - {id: r, event: return, \(fixed)}"), ["earning_rules[0].event"]),
        (rules("  - {id: r, \(fixed)}"), ["earning_rules[0].event"]),
        (rules("  - {id: r, event: review}"), ["earning_rules[0].effect"]),
        (rules("  - {id: r, event: review, \(fixed), colour: red}"), ["earning_rules[0].colour"]),
        (rules("  - {id: r, event: review, \(fixed), stop: maybe}"), ["earning_rules[0].stop"]),
        (rules("  - {id: r, event: review, \(fixed), active_from: 2026-05-01, active_to: 2026-04-01}"), ["earning_rules[0].active_to"]),
        (rules("  - {id: r, event: review, \(fixed), active_from: yesterday}"), ["earning_rules[0].active_from"]),
        (rules("  - {id: r, event: review, effect: {type: fixed_points, points: 1.5}}"), ["earning_rules[0].effect.points"]),
        (rules("  - {id: r, event: review, effect: {type: fixed_points, points: 0}}"), ["earning_rules[0].effect.points"]),
        (rules("  - {id: r, event: review, effect: {type: points_per_amount, points: 1}}"), ["earning_rules[0].effect"]),
        (rules("  - {id: r, event: review, effect: {type: multiplier, factor: 2}}"), ["earning_rules[0].effect"]),
        (rules("  - {id: r, event: purchase, effect: {type: points_per_amount, points: 1, base: total, include: {skus: [A]}}}"),
         ["earning_rules[0].effect.base"]),
        (rules("  - {id: r, event: purchase, effect: {type: points_per_amount, points: 1, include: {}}}"), ["earning_rules[0].effect.include"]),
        (rules("  - {id: r, event: purchase, effect: {type: points_per_amount, points: 1, include: {brands: [x]}}}"),
         ["earning_rules[0].effect.include", "earning_rules[0].effect.include.brands"]),
        (rules("  - {id: r, event: purchase, effect: {type: points_per_amount, points: 1, per: 0}}"), ["earning_rules[0].effect.per"]),
        (rules("  - {id: r, event: purchase, effect: {type: points_per_amount, points: 1, min_order: -5}}"), ["earning_rules[0].effect.min_order"]),
        (rules("  - {id: r, event: purchase, effect: {type: points_per_amount, points: 1, factor: 2}}"), ["earning_rules[0].effect.factor"]),
        (rules("  - {id: r, event: purchase, effect: {type: product_bonus, points: 1}}"), ["earning_rules[0].effect.match"]),
        (rules("  - {id: r, event: purchase, effect: {type: product_bonus, points: 1, per: week, match: {skus: [A]}}}"),
         ["earning_rules[0].effect.per"]),
        (rules("  - {id: r, event: steps, effect: {type: points_per_attribute, points: 1}}"), ["earning_rules[0].effect.attribute"]),
        (rules("  - {id: r, event: review, \(fixed), limit: {period: day}}"), ["earning_rules[0].limit"]),
        (rules("  - {id: r, event: review, \(fixed), limit: {max_times: 0, period: day}}"), ["earning_rules[0].limit.max_times"]),
        (rules("  - {id: r, event: review, \(fixed), limit: {max_times: 1}}"), ["earning_rules[0].limit.period"]),
        (rules("  - {id: r, event: review, \(fixed), limit: {max_times: 1, period: lifetime, window: rolling}}"), ["earning_rules[0].limit.window"]),
        (rules("  - {id: r, event: review, \(fixed), limit: {max_times: 1, period: day, window: sliding}}"), ["earning_rules[0].limit.window"]),
        (rules("  - {id: r, event: review, \(fixed), conditions: [{days_of_week: [tuesday, funday]}]}"),
         ["earning_rules[0].conditions[0].days_of_week[1]"]),
        (rules("  - {id: r, event: review, \(fixed), conditions: [{days_of_week: []}]}"), ["earning_rules[0].conditions[0].days_of_week"]),
        (rules("  - {id: r, event: review, \(fixed), conditions: [{stores: [a], days_of_week: [mon]}]}"), ["earning_rules[0].conditions[0]"]),
        (rules("  - {id: r, event: review, \(fixed), conditions: [{op: eq, value: 1}]}"), ["earning_rules[0].conditions[0]"]),
        (rules("  - {id: r, event: review, \(fixed), conditions: [{stores: []}]}"), ["earning_rules[0].conditions[0].stores"]),
        (rules("  - {id: r, event: review, \(fixed), conditions: [{stores: [a], op: eq}]}"), ["earning_rules[0].conditions[0].op"]),
        (rules("  - {id: r, event: review, \(fixed), conditions: [{days_of_week: [mon], value: 3}]}"), ["earning_rules[0].conditions[0].value"]),
        (rules("  - {id: r, event: review, \(fixed), conditions: [{has_product: {}}]}"), ["earning_rules[0].conditions[0].has_product"]),
        (rules("  - {id: r, event: review, \(fixed), conditions: [{field: channel, op: eq, value: app}]}"), ["earning_rules[0].conditions[0].field"]),
        (rules("  - {id: r, event: review, \(fixed), conditions: [{field: event.x, op: like, value: app}]}"), ["earning_rules[0].conditions[0].op"]),
        (rules("  - {id: r, event: review, \(fixed), conditions: [{field: event.x, op: in, value: app}]}"), ["earning_rules[0].conditions[0].value"]),
        (rules("  - {id: r, event: review, \(fixed), conditions: [{field: event.x, op: gt, value: big}]}"), ["earning_rules[0].conditions[0].value"]),
        (rules("  - {id: r, event: review, \(fixed), conditions: [{field: event.x, op: exists, value: 1}]}"), ["earning_rules[0].conditions[0].value"]),
        (rules("  - {id: r, event: review, \(fixed), conditions: [{field: event.x, op: eq}]}"), ["earning_rules[0].conditions[0].value"]),
        (rules("  - {id: r, event: review, \(fixed), conditions: [{field: event.x, op: eq, value: 1, colour: red}]}"),
         ["earning_rules[0].conditions[0].colour"]),
        (rules("  - {id: 7, event: review, \(fixed)}\n  - {id: 7, event: share, \(fixed)}"), ["earning_rules[1].id"]),
    ]

    @Test func eachMistakeIsReportedAtItsPath() throws {
        for (text, expected) in Self.cases {
            let issues = try Self.issues(text)
            #expect(Set(issues.map(\.path)) == expected, "\(text)\n→ \(issues)")
            #expect(issues.allSatisfy { !$0.message.isEmpty })
        }
    }

    @Test func validFilesParse() throws {
        // The smallest valid program, and the valid neighbours of some of the cases above.
        let minimal = try ProgramDefinition.parse("name: X\ncurrency: EUR")
        #expect(minimal == ProgramDefinition(name: "X", currency: "EUR"))
        _ = try ProgramDefinition.parse(Self.rules("  - {id: r, event: review, \(Self.fixed), limit: {max_times: 1, period: lifetime}}"))
        _ = try ProgramDefinition.parse(Self.rules("  - {id: r, event: review, \(Self.fixed), conditions: [{field: event.x, op: exists}]}"))
        _ = try ProgramDefinition.parse("name: X\ncurrency: EUR\npoints: {returns: {when_spent: debt, debt_limit: 10}}")
        _ = try ProgramDefinition.parse(Self.rules("  - {id: 7, event: review, \(Self.fixed)}\n  - {id: 8, event: share, \(Self.fixed)}"))
    }
}
