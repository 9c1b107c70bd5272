import Foundation
import LaurelCore
import LaurelTestSupport
import Testing

/// Pins the evaluator's whole output (ids, matched, points, explanations byte for byte, gifts) on a
/// seeded mix of events and a program using every effect, condition, limit and `stop`: explanations
/// are stored with outcomes, so a speed-up must leave every byte of them as it was.
struct EvaluatorGoldenTests {
    static let program = """
          - id: base
            event: purchase
            effect: {type: points_per_amount, points: 1, per: 1, exclude_delivery: true, exclude: {categories: [c4], labels: [sale]}}
          - id: total
            event: purchase
            effect: {type: points_per_amount, points: "0.5", per: 3, base: total, min_order: 20}
          - id: shoes
            event: purchase
            effect: {type: points_per_amount, points: 3, per: "2.5", include: {categories: [c1, c2]}}
          - id: unit-bonus
            event: purchase
            effect: {type: product_bonus, points: 7, per: unit, match: {skus: [S3, S5]}}
          - id: line-bonus
            event: purchase
            effect: {type: product_bonus, points: 4, per: line, match: {labels: [new]}}
          - id: order-bonus
            event: purchase
            effect: {type: product_bonus, points: 9, per: order, match: {categories: [c0]}}
          - id: labelled
            event: purchase
            conditions: [{field: event.channel, op: in, value: [app, web]}]
            effect: {type: multiplier, factor: "1.25", match: {labels: [new, sale]}}
          - id: twice
            event: purchase
            conditions: [{days_of_week: [tuesday, friday]}]
            effect: {type: multiplier, factor: 2}
          - id: capped
            event: purchase
            conditions: [{field: event.total, op: gte, value: 30}]
            effect: {type: points_per_amount, points: "1.5", per: 1}
            limit: {max_points: 100, period: day}
          - id: counted
            event: purchase
            effect: {type: fixed_points, points: 5}
            limit: {max_times: 3, period: week}
          - id: gold
            event: purchase
            conditions: [{field: member.tier, op: eq, value: gold}, {has_product: {categories: [c3]}}]
            effect: {type: fixed_points, points: 12}
          - id: tote
            event: purchase
            conditions: [{stores: [s1, s2]}]
            effect: {type: gift_reward, reward: tote}
            limit: {max_times: 1, period: month}
          - id: spring
            event: purchase
            active_from: 2026-09-10
            active_to: 2026-09-20
            effect: {type: fixed_points, points: 3}
          - id: sku-triple
            event: purchase
            effect: {type: multiplier, factor: 3, match: {skus: [S1]}}
          - id: segment
            event: purchase
            conditions: [{field: member.segment, op: not_in, value: [b]}, {field: event.total, op: lt, value: "120.5"}]
            effect: {type: fixed_points, points: 6}
          - id: big
            event: purchase
            conditions: [{field: event.total, op: gt, value: 150}]
            effect: {type: fixed_points, points: 1}
            stop: true
          - id: after
            event: purchase
            effect: {type: fixed_points, points: 2}
          - id: walk
            event: steps
            effect: {type: points_per_attribute, attribute: steps, points: "1.5", per: 1000}
          - id: walk-bonus
            event: steps
            conditions: [{field: event.channel, op: exists}]
            effect: {type: fixed_points, points: 4}
        """

    static func event(_ index: Int, _ random: inout SplitMix64) -> LoyaltyEvent {
        let at = Date(timeIntervalSince1970: 1_788_000_000 + Double(index) * 7_919)
        let channel = [nil, "app", "web", "store"][random.int(4)]
        if random.int(8) == 0 {
            let steps: JSONValue = [.number("\(random.int(20_000))"), .string("\(random.int(9_000)).5"), .number("-3")][random.int(3)]
            return LoyaltyEvent(id: "e\(index)", type: "steps", occurredAt: at, channel: channel, attributes: ["steps": steps])
        }
        let lines = (0..<random.int(7)).map { _ in
            PurchaseLine(sku: "S\(random.int(8))", category: random.int(6) == 0 ? nil : "c\(random.int(6))",
                         labels: [[], ["new"], ["sale"], ["new", "sale"]][random.int(4)], quantity: 1 + random.int(4),
                         unitPrice: Amount(units: Int64(random.int(900_000))), delivery: random.int(7) == 0)
        }
        let total: Amount? = random.int(3) == 0 ? Amount(units: Int64(random.int(3_000_000))) : nil
        return Fixtures.purchase("e\(index)", at: at, lines: lines, total: total, store: [nil, "s1", "s2", "s3"][random.int(4)], channel: channel)
    }

    /// FNV-1a over the results' text: stable across runs, unlike `Hasher`.
    static func digest(_ results: [RuleResult], into hash: inout UInt64) {
        for result in results {
            let text = "\(result.ruleId)|\(result.ruleName)|\(result.matched)|\(result.points)|\(result.explanation)|\(result.gift ?? "-")\n"
            for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        }
    }

    /// Recorded from the evaluator before it was made faster; the hashes again when a rule below its
    /// `min_order` became not matched (the only change: with that flag read as before, the old
    /// hashes 16349275846659703385, 10243506354981986973, 16321172439297767111 came out).
    @Test(arguments: [(RoundingMode.down, (points: 1_479_952, hash: UInt64(8_673_477_086_330_261_701))),
                      (.halfEven, (1_483_847, 5_205_834_922_944_612_609)),
                      (.up, (1_487_760, 2_248_419_516_534_278_011))])
    func outputIsUnchanged(rounding: RoundingMode, expected: (points: Int, hash: UInt64)) throws {
        let evaluator = RuleEvaluator(program: try Fixtures.program(Self.program, header: "timezone: Europe/Paris\nrounding: \(rounding.rawValue)"))
        let members = [MemberProfile(id: "m1", tier: "gold", clubs: ["x"]), MemberProfile(id: "m2", attributes: ["segment": .string("b")]),
                       MemberProfile(id: "m3", attributes: ["segment": .string("a")])]
        let usages: [[String: RuleUsage]] = [[:], ["capped": RuleUsage(points: 95, times: 3), "counted": RuleUsage(points: 10, times: 2)],
                                             ["capped": RuleUsage(points: 100, times: 4), "counted": RuleUsage(points: 15, times: 3),
                                              "tote": RuleUsage(times: 1)]]
        var random = SplitMix64(seed: 7)
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        var points = 0
        for index in 0..<3_000 {
            let results = evaluator.evaluate(event: Self.event(index, &random), member: members[index % 3], usage: usages[index % 3])
            points += results.reduce(0) { $0 + $1.points }
            Self.digest(results, into: &hash)
        }
        #expect(points == expected.points && hash == expected.hash, "points \(points), hash \(hash)")
    }
}
