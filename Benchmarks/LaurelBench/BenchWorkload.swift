import Foundation
import LaurelCore

/// The seeded workload of the benchmarks: a program with 20 purchase rules and purchase events
/// of 5 lines drawn from 5,000 SKUs in 50 categories.
struct BenchWorkload {
    static let programYAML: String = {
        var rules: [String] = []
        rules.append("""
              - id: base
                event: purchase
                effect: {type: points_per_amount, points: 1, per: 1, base: lines, exclude_delivery: true, exclude: {categories: [cat-49]}}
            """)
        for index in 0..<4 {
            rules.append("""
                  - id: bonus-\(index)
                    event: purchase
                    effect: {type: product_bonus, points: \(5 + index), per: unit, match: {categories: [cat-\(index * 3)]}}
                """)
        }
        for index in 0..<5 {
            rules.append("""
                  - id: multiplier-\(index)
                    event: purchase
                    effect: {type: multiplier, factor: "1.5", match: {labels: [label-\(index)]}}
                """)
        }
        for (index, channel) in ["app", "web", "store"].enumerated() {
            rules.append("""
                  - id: channel-\(index)
                    event: purchase
                    conditions: [{field: event.channel, op: eq, value: \(channel)}]
                    effect: {type: fixed_points, points: \(10 + index)}
                """)
        }
        for (index, day) in ["tuesday", "saturday"].enumerated() {
            rules.append("""
                  - id: weekday-\(index)
                    event: purchase
                    conditions: [{days_of_week: [\(day)]}]
                    effect: {type: multiplier, factor: 2, match: {categories: [cat-\(index + 20)]}}
                """)
        }
        for index in 0..<2 {
            rules.append("""
                  - id: limited-\(index)
                    event: purchase
                    conditions: [{field: event.total, op: gte, value: \(50 + index * 50)}]
                    effect: {type: fixed_points, points: 25}
                    limit: {max_times: 2, period: day}
                """)
        }
        for index in 0..<3 {
            rules.append("""
                  - id: segment-\(index)
                    event: purchase
                    conditions: [{field: member.segment, op: in, value: [seg-\(index), vip]}, {has_product: {labels: [label-\(index + 5)]}}]
                    effect: {type: fixed_points, points: 15}
                """)
        }
        return """
            name: Bench Retail
            currency: EUR
            timezone: Europe/Paris
            points:
              expiry: {policy: end_of_month, months_after: 12}
              pending_days: 14
            earning_rules:
            \(rules.joined(separator: "\n"))
            """
    }()

    /// SplitMix64: small, fast, reproducible.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    }

    struct Line { let sku: String; let category: String; let labels: [String]; let quantity: Int; let unitPrice: String }

    static func lines(_ random: inout Random) -> [Line] {
        (0..<5).map { _ in
            let sku = random.int(5000)
            return Line(sku: "SKU-\(sku)", category: "cat-\(sku % 50)", labels: ["label-\(sku % 10)"], quantity: 1 + random.int(3),
                        unitPrice: "\(1 + random.int(80)).\(random.int(10))9")
        }
    }

    static let channels = ["app", "web", "store", "pos"]

    static func event(id: String, lines: [Line], channel: String, at date: Date) -> LoyaltyEvent {
        LoyaltyEvent(id: id, type: "purchase", occurredAt: date, channel: channel,
                     purchase: Purchase(currency: "EUR", lines: lines.map {
                         PurchaseLine(sku: $0.sku, category: $0.category, labels: $0.labels, quantity: $0.quantity, unitPrice: Amount($0.unitPrice)!)
                     }))
    }

    /// A purchase body; history for `laurel import` names the member by `external_id` and gives `occurred_at`.
    static func json(memberId: String, lines: [Line], channel: String, byExternalId: Bool = false, occurredAt: String? = nil) -> String {
        let items = lines.map {
            #"{"sku":"\#($0.sku)","category":"\#($0.category)","labels":["\#($0.labels[0])"],"quantity":\#($0.quantity),"unit_price":"\#($0.unitPrice)"}"#
        }
        let member = byExternalId ? #""external_id":"\#(memberId)""# : #""member_id":"\#(memberId)""#
        let when = occurredAt.map { #","occurred_at":"\#($0)""# } ?? ""
        return #"{\#(member)\#(when),"type":"purchase","channel":"\#(channel)","purchase":{"currency":"EUR","lines":[\#(items.joined(separator: ","))]}}"#
    }
}
