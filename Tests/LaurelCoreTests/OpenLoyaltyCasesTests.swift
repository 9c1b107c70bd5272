import Foundation
import Testing
import LaurelCore

/// Open Loyalty's published evaluator cases, written as Laurel programs: where the two systems'
/// semantics agree, the points agree.
struct OpenLoyaltyCasesTests {
    static let basket = [
        PurchaseLine(sku: "SKU1", category: "shoes", labels: ["color:red"], unitPrice: Amount("12.00")!),
        PurchaseLine(sku: "SKU2", category: "bags", labels: ["brand:acme"], unitPrice: Amount("100.00")!),
        PurchaseLine(sku: "SKU3", category: "shoes", labels: ["color:blue"], unitPrice: Amount("40.00")!),
    ]

    static func points(_ rules: String, lines: [PurchaseLine] = basket, channel: String? = nil) throws -> (Int, [RuleResult]) {
        let program = try ProgramDefinition.parse("name: OL\ncurrency: EUR\nearning_rules:\n" + rules)
        let event = LoyaltyEvent(id: "evt_1", type: "purchase", occurredAt: Date(timeIntervalSince1970: 1_790_000_000), channel: channel,
                                 purchase: Purchase(currency: "EUR", lines: lines))
        let results = RuleEvaluator(program: program).evaluate(event: event, member: MemberProfile(id: "m"), usage: [:])
        return (results.reduce(0) { $0 + $1.points }, results)
    }

    @Test func generalSpendingFourPointsPerUnit() throws {
        let (points, results) = try Self.points("""
              - id: spend
                event: purchase
                effect: {type: points_per_amount, points: 4, per: 1}
            """)
        #expect(points == 608)
        #expect(results.count == 1 && results[0].matched && results[0].explanation.contains("3 of 3 lines"))
    }

    @Test func generalSpendingWithExcludedSKU() throws {
        let (points, _) = try Self.points("""
              - id: spend
                event: purchase
                effect: {type: points_per_amount, points: 4, per: 1, exclude: {skus: [SKU2]}}
            """)
        #expect(points == 208)
    }

    @Test func generalSpendingBelowMinimumOrder() throws {
        let (points, results) = try Self.points("""
              - id: spend
                event: purchase
                effect: {type: points_per_amount, points: 4, per: 1, min_order: 300}
            """)
        #expect(points == 0)
        #expect(results[0].explanation.contains("below the minimum"))
    }

    @Test func generalSpendingExcludesDeliveryAndLabels() throws {
        let lines = Self.basket + [PurchaseLine(sku: "SHIP", unitPrice: Amount("9.99")!, delivery: true)]
        let (withDelivery, _) = try Self.points("""
              - id: spend
                event: purchase
                effect: {type: points_per_amount, points: 1, per: 1}
            """, lines: lines)
        #expect(withDelivery == 161) // 161.99 rounded down
        let (withoutDelivery, _) = try Self.points("""
              - id: spend
                event: purchase
                effect: {type: points_per_amount, points: 1, per: 1, exclude_delivery: true, exclude: {labels: ["color:blue"]}}
            """, lines: lines)
        #expect(withoutDelivery == 112)
    }

    @Test func onlyTheseCategoriesAndLabels() throws {
        let (shoes, _) = try Self.points("""
              - id: shoes
                event: purchase
                effect: {type: points_per_amount, points: 2, per: 1, include: {categories: [shoes]}}
            """)
        #expect(shoes == 104)
        let (acme, _) = try Self.points("""
              - id: acme
                event: purchase
                effect: {type: points_per_amount, points: 1, per: 10, include: {labels: ["brand:acme"]}}
            """)
        #expect(acme == 10)
    }

    @Test func productPurchaseBonusPerUnitLineAndOrder() throws {
        let lines = [PurchaseLine(sku: "SKU1", quantity: 3, unitPrice: Amount("5.00")!), PurchaseLine(sku: "SKU1", quantity: 2, unitPrice: Amount("5.00")!)]
        for (per, expected) in [("unit", 50), ("line", 20), ("order", 10)] {
            let (points, _) = try Self.points("""
                  - id: bonus
                    event: purchase
                    effect: {type: product_bonus, points: 10, per: \(per), match: {skus: [SKU1]}}
                """, lines: lines)
            #expect(points == expected, "per \(per)")
        }
    }

    @Test func multiplyForProductAndByLabels() throws {
        let (bySku, results) = try Self.points("""
              - id: spend
                event: purchase
                effect: {type: points_per_amount, points: 1, per: 1}
              - id: double-sku3
                event: purchase
                effect: {type: multiplier, factor: 2, match: {skus: [SKU3]}}
            """)
        #expect(bySku == 152 + 40)
        #expect(results[1].points == 40)
        let (byLabel, _) = try Self.points("""
              - id: spend
                event: purchase
                effect: {type: points_per_amount, points: 1, per: 1}
              - id: red
                event: purchase
                effect: {type: multiplier, factor: 3, match: {labels: ["color:red"]}}
            """)
        #expect(byLabel == 152 + 24)
    }

    @Test func multipliersOnOneLineMultiply() throws {
        let (points, results) = try Self.points("""
              - id: spend
                event: purchase
                effect: {type: points_per_amount, points: 1, per: 1}
              - id: double
                event: purchase
                effect: {type: multiplier, factor: 2, match: {skus: [SKU2]}}
              - id: half-more
                event: purchase
                effect: {type: multiplier, factor: "1.5", match: {categories: [bags]}}
            """, lines: [PurchaseLine(sku: "SKU2", category: "bags", unitPrice: Amount("100.00")!)])
        #expect(points == 300) // 100 × 2 × 1.5
        #expect(results.map(\.points) == [100, 100, 100])
    }

    @Test func eventRuleAndCustomEventWithLimit() throws {
        let program = try ProgramDefinition.parse("""
            name: Events
            currency: EUR
            earning_rules:
              - id: review
                event: review
                effect: {type: fixed_points, points: 50}
                limit: {max_times: 2, period: day}
            """)
        let evaluator = RuleEvaluator(program: program)
        let event = LoyaltyEvent(id: "e", type: "review", occurredAt: Date(timeIntervalSince1970: 1_790_000_000))
        #expect(evaluator.evaluate(event: event, member: MemberProfile(id: "m"), usage: ["review": RuleUsage(points: 50, times: 1)])[0].points == 50)
        let capped = evaluator.evaluate(event: event, member: MemberProfile(id: "m"), usage: ["review": RuleUsage(points: 100, times: 2)])
        #expect(capped[0].points == 0 && capped[0].explanation.contains("limit of 2 per day reached"))
        #expect(evaluator.evaluate(event: LoyaltyEvent(id: "x", type: "share", occurredAt: event.occurredAt), member: MemberProfile(id: "m"), usage: [:]).isEmpty)
    }
}
