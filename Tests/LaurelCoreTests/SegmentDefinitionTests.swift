import Foundation
import Testing
import LaurelCore

/// Segments in the program file: each kind of condition read, written back unchanged, and every
/// kind of mistake reported with its path.
struct SegmentDefinitionTests {
    static let header = """
        name: Segments
        currency: EUR
        earning_rules:
          - id: spend
            event: purchase
            effect: {type: points_per_amount, points: 1}
        tiers:
          basis: points_earned
          levels:
            - {id: silver, threshold: 0}
            - {id: gold, threshold: 100}
        clubs:
          - {id: sneakers, name: Sneakers, join: {invitations: staff}}

        """

    static func program(_ segments: String) -> String { header + "segments:\n" + segments }

    static func issues(_ segments: String) throws -> [String: String] {
        let error = try #require(throws: ProgramValidationError.self) { try ProgramDefinition.parse(program(segments)) }
        return Dictionary(error.issues.map { ($0.path, $0.message) }, uniquingKeysWith: { "\($0) | \($1)" })
    }

    static let everyKind = """
          - id: vip-lapsed
            name: Lapsed VIPs
            description: Gold members who stopped buying
            conditions:
              - {attribute: gender, op: eq, value: f}
              - {attribute: style.fit, op: in, value: [slim, regular]}
              - {attribute: age, op: range, value: {min: 18, max: 30.5}}
              - {attribute: newsletter, op: exists}
              - {attribute: churned, op: not_exists}
              - {tier: [gold]}
              - {clubs: [sneakers]}
              - {enrolled: {after: 2025-01-01, before: 2026-01-01}}
              - {enrolled: {within_days: 400}}
              - {purchases: {min: 1, max: 5}, within_days: 90}
              - {spend: {min: "100.50"}, within_days: 365}
              - {points: {min: 500}}
              - {last_purchase: {not_within_days: 60}}
              - {last_purchase: {within_days: 365}}
              - {bought: {skus: [SKU-1], categories: [shoes]}, within_days: 90}
              - {did: review, at_least: 2, within_days: 30}
          - id: everyone
            conditions: []
        """

    @Test func everyKindOfConditionIsReadAndWrittenBack() throws {
        let definition = try ProgramDefinition.parse(Self.program(Self.everyKind))
        #expect(definition.segments.map(\.id) == ["vip-lapsed", "everyone"])
        let segment = try #require(definition.segment("vip-lapsed"))
        #expect(segment.name == "Lapsed VIPs" && segment.conditions.count == 16)
        #expect(segment.conditions[0] == .attribute(path: ["gender"], test: .eq(.string("f"))))
        #expect(segment.conditions[1] == .attribute(path: ["style", "fit"], test: .in([.string("slim"), .string("regular")])))
        #expect(segment.conditions[2] == .attribute(path: ["age"], test: .range(SegmentRange(min: Amount("18"), max: Amount("30.5")))))
        #expect(segment.conditions[9] == .purchases(SegmentRange(min: 1, max: 5), withinDays: 90))
        #expect(segment.conditions[10] == .spend(SegmentRange(min: Amount("100.50")), withinDays: 365))
        #expect(segment.conditions[12] == .lastPurchase(days: 60, within: false))
        #expect(segment.conditions[15] == .did(type: "review", atLeast: 2, withinDays: 30))
        #expect(definition.segment("everyone")?.name == "everyone")
        // The canonical tree reads back to the same definition.
        #expect(try ProgramDefinition.read(definition.canonicalTree) == definition)
    }

    @Test func unknownTiersAndClubsAreReported() throws {
        let issues = try Self.issues("""
              - id: a
                conditions:
                  - {tier: [gold, diamond]}
                  - {clubs: [golf]}
            """)
        #expect(issues == ["segments[0].conditions[0].tier[1]": "unknown tier \"diamond\"",
                           "segments[0].conditions[1].clubs[0]": "unknown club \"golf\""])
    }

    @Test func wrongValueTypesAreReported() throws {
        let issues = try Self.issues("""
              - id: a
                conditions:
                  - {attribute: age, op: eq, value: {years: 3}}
                  - {attribute: age, op: range, value: {min: young}}
                  - {attribute: age, op: in, value: 3}
                  - {attribute: age, op: exists, value: 3}
                  - {purchases: {min: 1.5}}
                  - {points: {min: many}}
                  - {spend: {min: -1}}
                  - {did: Review}
                  - {last_purchase: {within_days: 0}}
                  - {attribute: "a b", op: eq, value: 1}
            """)
        let base = "segments[0].conditions"
        #expect(issues["\(base)[0].value"] == "must be a string, number or boolean, got object")
        #expect(issues["\(base)[1].value.min"]?.hasPrefix("must be a decimal number") == true)
        #expect(issues["\(base)[2].value"]?.hasPrefix("in needs a list") == true)
        #expect(issues["\(base)[3].value"] == "exists takes no value")
        #expect(issues["\(base)[4].purchases.min"] == "must be an integer, got a fraction")
        #expect(issues["\(base)[5].points.min"] == "must be an integer, got string")
        #expect(issues["\(base)[6].spend.min"] == "must be >= 0")
        #expect(issues["\(base)[7].did"]?.hasPrefix("must be an event type") == true)
        #expect(issues["\(base)[8].last_purchase.within_days"] == "must be >= 1")
        #expect(issues["\(base)[9].attribute"]?.hasPrefix("must be an attribute name") == true)
        #expect(issues.count == 10, "\(issues)")
    }

    @Test func rangesWithMinAboveMaxAreReported() throws {
        let issues = try Self.issues("""
              - id: a
                conditions:
                  - {purchases: {min: 5, max: 1}}
                  - {spend: {min: "10.00", max: "9.99"}}
                  - {attribute: age, op: range, value: {min: 30, max: 18}}
                  - {points: {}}
                  - {enrolled: {after: 2026-01-01, before: 2025-01-01}}
            """)
        #expect(issues == [
            "segments[0].conditions[0].purchases.min": "must be <= max (1)",
            "segments[0].conditions[1].spend.min": "must be <= max (9.99)",
            "segments[0].conditions[2].value.min": "must be <= max (18.00)",
            "segments[0].conditions[3].points": "needs min, max or both",
            "segments[0].conditions[4].enrolled.before": "must be after \"after\"",
        ])
    }

    @Test func unknownKeysDuplicateIdsAndShapesAreReported() throws {
        let issues = try Self.issues("""
              - id: a
                colour: red
                conditions:
                  - {tier: [gold], clubs: [sneakers]}
                  - {purchases: {min: 1}, at_least: 2}
                  - {tier: [gold], within_days: 3}
                  - {bought: {brands: [x]}}
                  - {}
              - id: a
                conditions: []
              - id: "bad id!"
                conditions: []
              - id: b
            """)
        #expect(issues["segments[0].colour"]?.hasPrefix("unknown key") == true)
        #expect(issues["segments[0].conditions[0]"]?.hasPrefix("must have exactly one of") == true)
        #expect(issues["segments[0].conditions[1].at_least"] == "does not apply to a purchases condition")
        #expect(issues["segments[0].conditions[2].within_days"] == "does not apply to a tier condition")
        #expect(issues["segments[0].conditions[3].bought.brands"]?.hasPrefix("unknown key") == true)
        #expect(issues["segments[0].conditions[4]"]?.hasPrefix("must have exactly one of") == true)
        #expect(issues["segments[1].id"] == "duplicate segment id \"a\" (first used at segments[0])")
        #expect(issues["segments[2].id"] == "must be 1 to 64 letters, digits, - or _")
        #expect(issues["segments[3].conditions"] == "is required")
    }

    @Test func segmentsAndConditionsAreBounded() throws {
        let many = (0...ProgramDefinition.maxSegments).map { "  - {id: s\($0), conditions: []}" }.joined(separator: "\n")
        #expect(try Self.issues(many)["segments"] == "has 101 items; at most 100 are allowed")
        let conditions = (0...ProgramDefinition.maxConditionsPerSegment).map { _ in "      - {points: {min: 1}}" }.joined(separator: "\n")
        #expect(try Self.issues("  - id: a\n    conditions:\n" + conditions)["segments[0].conditions"] == "has 21 items; at most 20 are allowed")
    }

    @Test func rulesMayTestSegmentsThatExist() throws {
        let rules = """
            name: Segments
            currency: EUR
            earning_rules:
              - id: lapsed-bonus
                event: purchase
                conditions: [{field: member.segments, op: contains, value: lapsed}]
                effect: {type: fixed_points, points: 50}
              - id: ghost
                event: purchase
                conditions: [{field: member.segments, op: contains, value: ghost}]
                effect: {type: fixed_points, points: 50}
            segments:
              - {id: lapsed, conditions: [{last_purchase: {not_within_days: 90}}]}
            """
        let error = try #require(throws: ProgramValidationError.self) { try ProgramDefinition.parse(rules) }
        #expect(error.issues == [ValidationIssue(path: "earning_rules[1].conditions[0].value", message: "unknown segment \"ghost\"")])
        let fixed = try ProgramDefinition.parse(rules.replacingOccurrences(of: "value: ghost", with: "value: lapsed"))
        #expect(fixed.rulesReadSegments)
        #expect(!(try ProgramDefinition.parse(Self.program(Self.everyKind))).rulesReadSegments)
    }
}
