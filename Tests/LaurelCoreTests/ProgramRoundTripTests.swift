import Foundation
import Testing
import LaurelCore

/// `canonicalTree` writes a definition back in the file format; reading it gives the same definition.
struct ProgramRoundTripTests {
    static let everything = """
        name: Everything
        currency: CHF
        point_value: "0.005"
        rounding: half_even
        timezone: Europe/Zurich
        points:
          expiry: {policy: end_of_month, months_after: 12}
          pending_days: 30
          returns: {when_spent: debt, debt_limit: 500}
        earning_rules:
          - id: base
            name: One point per franc
            description: Everything counts except gift cards and shipping.
            event: purchase
            effect: {type: points_per_amount, points: 1, per: 1, exclude: {skus: [GIFT], labels: [sale]}, exclude_delivery: true, min_order: "10.50"}
          - id: shoes
            event: purchase
            active_from: 2026-03-01
            active_to: "2026-06-30T12:00:00.250+02:00"
            conditions:
              - {field: event.channel, op: in, value: [app, web]}
              - {field: member.profile.size, op: eq, value: "42"}
              - {field: event.total, op: gte, value: 99.95}
              - {field: member.vip, op: eq, value: true}
              - {field: event.coupon, op: exists}
              - days_of_week: [sun, Monday]
              - stores: [zurich-01, bern-02]
              - has_product: {categories: [shoes], labels: [eco, new]}
            effect: {type: points_per_amount, points: "2.5", per: 3, include: {categories: [shoes]}}
            limit: {max_points: 1000, period: month, window: rolling}
          - id: total
            event: purchase
            effect: {type: points_per_amount, points: 1, per: 10, base: total}
          - id: bonus
            event: purchase
            effect: {type: product_bonus, points: 100, per: order, match: {skus: [SKU1]}}
            stop: true
          - id: double
            event: purchase
            effect: {type: multiplier, factor: "1.5", match: {labels: [eco]}}
          - id: all-double
            event: purchase
            effect: {type: multiplier, factor: 2}
          - id: review
            event: review
            effect: {type: fixed_points, points: 50}
            limit: {max_times: 1, period: lifetime}
          - id: walk
            event: steps
            effect: {type: points_per_attribute, attribute: workout.steps, points: 1, per: 1000}
            limit: {max_times: 3, max_points: 40, period: week}
        """

    static let programs: [String] = [
        everything,
        "name: Minimal\ncurrency: EUR",
        "name: Days\ncurrency: USD\npoints: {expiry: {policy: after_days, days: 365}}",
        "name: Year\ncurrency: JPY\ntimezone: Asia/Tokyo\nrounding: up\npoints: {expiry: {policy: end_of_year, years_after: 1}, returns: {when_spent: debt}}",
        "name: Never\ncurrency: EUR\npoints: {expiry: never, returns: {when_spent: take_available}}\nearning_rules: []",
        GamesDefinitionTests.program,
    ]

    @Test(arguments: programs)
    func canonicalTreeReadsBackEqual(text: String) throws {
        let definition = try ProgramDefinition.parse(text)
        let tree = definition.canonicalTree
        #expect(try ProgramDefinition.read(tree) == definition)
        // The canonical tree is a fixed point, and it survives JSON text.
        #expect(try ProgramDefinition.read(tree).canonicalTree == tree)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(tree), as: UTF8.self)
        #expect(try ProgramDefinition.parse(json) == definition, "\(json)")
    }

    @Test func everythingIsReadAsWritten() throws {
        let program = try ProgramDefinition.parse(Self.everything)
        #expect(program.currency == "CHF" && program.pointValue == Amount("0.005") && program.rounding == .halfEven)
        #expect(program.expiry == .endOfMonth(monthsAfter: 12) && program.pendingDays == 30)
        #expect(program.returns == ReturnPolicy(whenSpent: .debt, debtLimit: 500))
        #expect(program.earningRules.map(\.id) == ["base", "shoes", "total", "bonus", "double", "all-double", "review", "walk"])
        #expect(program.earningRules[0].name == "One point per franc" && program.earningRules[1].name == "shoes")
        let shoes = program.earningRules[1]
        #expect(shoes.activeFrom == (try Fixtures.at("2026-02-28T23:00:00Z")))
        #expect(shoes.activeTo.map(Timestamps.millis) == Timestamps.millis(try Fixtures.at("2026-06-30T10:00:00.250Z")))
        #expect(shoes.conditions.count == 8)
        #expect(shoes.conditions[5] == .daysOfWeek([1, 7]))
        #expect(shoes.conditions[1] == .field(path: "member.profile.size", op: .eq, value: .string("42")))
        #expect(shoes.limit == RuleLimit(maxPoints: 1000, period: .month, window: .rolling))
        #expect(program.earningRules[3].stop && !program.earningRules[2].stop)
        #expect(program.earningRules[4].effect == .multiplier(Multiplier(factor: Amount("1.5")!, match: LineFilter(labels: ["eco"]))))
        #expect(program.earningRules[7].effect == .pointsPerAttribute(PointsPerAttribute(attribute: "workout.steps", points: .one, per: Amount(integer: 1000))))
    }

    @Test func jsonParsesTheSameAsYaml() throws {
        let yaml = try ProgramDefinition.parse("""
            name: Twins
            currency: EUR
            rounding: half_up
            timezone: Europe/Paris
            points: {expiry: {policy: end_of_year, years_after: 0}}
            earning_rules:
              - id: app
                event: purchase
                active_from: 2026-01-01
                conditions: [{field: event.channel, op: eq, value: app}, {days_of_week: [tuesday]}]
                effect: {type: points_per_amount, points: 1, per: "2.50", exclude: {categories: [gift-cards]}}
                limit: {max_points: 200, period: week}
              - {id: review, event: review, effect: {type: fixed_points, points: 20}, stop: true}
            """)
        let json = try ProgramDefinition.parse("""
            {
              "name": "Twins", "currency": "EUR", "rounding": "half_up", "timezone": "Europe/Paris",
              "points": {"expiry": {"policy": "end_of_year", "years_after": 0}},
              "earning_rules": [
                {"id": "app", "event": "purchase", "active_from": "2026-01-01",
                 "conditions": [{"field": "event.channel", "op": "eq", "value": "app"}, {"days_of_week": ["tuesday"]}],
                 "effect": {"type": "points_per_amount", "points": 1, "per": 2.5, "exclude": {"categories": ["gift-cards"]}},
                 "limit": {"max_points": 200, "period": "week"}},
                {"id": "review", "event": "review", "effect": {"type": "fixed_points", "points": 20}, "stop": true}
              ]
            }
            """)
        #expect(json == yaml)
        #expect(json.earningRules.count == 2 && json.earningRules[0].conditions.count == 2)
    }

    /// The same mistake in JSON is reported at the same path as in YAML.
    @Test func jsonMistakesHaveTheSamePaths() throws {
        let error = try #require(throws: ProgramValidationError.self) {
            try ProgramDefinition.parse(#"{"name": "J", "currency": "EUR", "earning_rules": [{"id": "x", "event": "purchase", "effect": {"type": "multiplier", "factor": -2}}]}"#)
        }
        #expect(error.issues == [ValidationIssue(path: "earning_rules[0].effect.factor", message: "must be >= 0")])
    }
}
