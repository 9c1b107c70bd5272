import Foundation

/// A member as the rules see them.
public struct MemberProfile: Hashable, Sendable {
    public var id: String
    public var status: MemberStatus
    public var attributes: [String: JSONValue]
    /// The member's tier id (`member.tier` in conditions).
    public var tier: String?
    /// Clubs the member belongs to now (`member.clubs contains "sneakers"`).
    public var clubs: [String]
    public init(id: String, status: MemberStatus = .active, attributes: [String: JSONValue] = [:], tier: String? = nil, clubs: [String] = []) {
        self.id = id
        self.status = status
        self.attributes = attributes
        self.tier = tier
        self.clubs = clubs
    }
}

public enum MemberStatus: String, Sendable, Codable, CaseIterable { case active, blocked }

/// What a rule already awarded a member inside a limit's window.
public struct RuleUsage: Hashable, Sendable {
    public var points: Int
    public var times: Int
    public init(points: Int = 0, times: Int = 0) { self.points = points; self.times = times }
}

/// The window of past awards the store must sum for one limited rule.
public struct LimitQuery: Hashable, Sendable {
    public let ruleId: String
    public let from: Date?
    public let to: Date
}

/// One rule's part in an event's outcome: "why did I earn this".
public struct RuleResult: Hashable, Sendable, Codable {
    public let ruleId: String
    public let ruleName: String
    public let matched: Bool
    public let points: Int
    public let explanation: String
    /// The reward a `gift_reward` rule issues.
    public var gift: String? = nil

    enum CodingKeys: String, CodingKey {
        case ruleId = "rule_id", ruleName = "rule_name", matched, points, explanation, gift
    }
}

/// Evaluates a program's earning rules against one event, in the order the program lists them.
///
/// Each rule's award is rounded once, by the program's rounding mode. A multiplier scales the
/// points that rules listed before it gave to the lines it matches (and order-level points when it
/// matches every line); several multipliers on one line multiply (×2 then ×1.5 gives ×3), and each
/// multiplier is credited with the extra points it added.
public struct RuleEvaluator: Sendable {
    public let program: ProgramDefinition
    let calendar: Calendar
    /// A rule with its conditions and the fixed part of its explanation, prepared once per program
    /// version. A class, so walking the rules for an event retains one reference per rule instead of
    /// copying each rule's fields.
    private final class CompiledRule: Sendable {
        let rule: EarningRule
        let conditions: [CompiledCondition]
        let text: String
        init(_ rule: EarningRule, timeZone: TimeZone) {
            self.rule = rule
            conditions = rule.conditions.map { CompiledCondition($0, timeZone: timeZone) }
            text = switch rule.effect {
            case .pointsPerAmount(let effect) where effect.base == .total: "\(effect.points) per \(effect.per) on the order total "
            case .pointsPerAmount(let effect): "\(effect.points) per \(effect.per) on "
            case .fixedPoints(let points): "\(points) points for \(rule.event)"
            case .productBonus(let bonus): "\(bonus.points) points per \(bonus.per.rawValue) on matching products"
            case .multiplier(let multiplier): "×\(multiplier.factor) on points from earlier rules for "
            case .pointsPerAttribute(let effect): "\(effect.points) per \(effect.per) \(effect.attribute) ("
            case .giftReward(let reward): "gift: reward \(reward)"
            }
        }
    }

    /// The rules listening to each event type, in program order.
    private let rulesByType: [String: [CompiledRule]]

    public init(program: ProgramDefinition) {
        self.program = program
        self.calendar = program.calendar
        var byType: [String: [CompiledRule]] = [:]
        for rule in program.earningRules { byType[rule.event, default: []].append(CompiledRule(rule, timeZone: program.calendar.timeZone)) }
        self.rulesByType = byType
    }

    /// The usage windows to look up before evaluating `event`.
    public func limitQueries(for event: LoyaltyEvent) -> [LimitQuery] {
        (rulesByType[event.type] ?? []).compactMap { entry in
            guard let limit = entry.rule.limit else { return nil }
            let interval = limit.interval(containing: event.occurredAt, calendar: calendar)
            return LimitQuery(ruleId: entry.rule.id, from: interval.from, to: interval.to)
        }
    }

    /// A share of an award: on one purchase line, or on the order as a whole (`line == nil`).
    private struct Component {
        let award: Int
        let line: Int?
        var value: ExactPoints
    }

    public func evaluate(event: LoyaltyEvent, member: MemberProfile, usage: [String: RuleUsage]) -> [RuleResult] {
        guard let rules = rulesByType[event.type] else { return [] }
        var results: [RuleResult] = []
        results.reserveCapacity(rules.count)
        var components: [Component] = []
        let lines = effectiveLines(event)
        for entry in rules {
            if let from = entry.rule.activeFrom, event.occurredAt < from {
                results.append(RuleResult(ruleId: entry.rule.id, ruleName: entry.rule.name, matched: false, points: 0,
                                          explanation: "not active before \(Timestamps.format(from))"))
                continue
            }
            if let to = entry.rule.activeTo, event.occurredAt >= to {
                results.append(RuleResult(ruleId: entry.rule.id, ruleName: entry.rule.name, matched: false, points: 0,
                                          explanation: "ended at \(Timestamps.format(to))"))
                continue
            }
            if let failed = entry.conditions.first(where: { !$0.holds(event: event, member: member, lines: lines) }) {
                results.append(RuleResult(ruleId: entry.rule.id, ruleName: entry.rule.name, matched: false, points: 0, explanation: failed.failure))
                continue
            }
            let awardIndex = results.count
            var (mine, explanation) = apply(entry.rule.effect, text: entry.text, event: event, lines: lines, award: awardIndex, existing: components)
            let raw = mine.reduce(ExactPoints.zero) { $0 + $1.value }.rounded(program.rounding)
            var points = max(raw, 0)
            if let limit = entry.rule.limit, points > 0 {
                let used = usage[entry.rule.id] ?? RuleUsage()
                if let maxTimes = limit.maxTimes, used.times >= maxTimes {
                    points = 0
                    explanation += "; limit of \(maxTimes) per \(limit.period.rawValue) reached"
                } else if let maxPoints = limit.maxPoints, used.points + points > maxPoints {
                    points = max(maxPoints - used.points, 0)
                    explanation += "; capped to \(points) by the limit of \(maxPoints) points per \(limit.period.rawValue)"
                }
                if points < raw, raw > 0 {
                    let share = ExactPoints(Int128(points), over: Int128(raw))
                    for index in mine.indices { mine[index].value = mine[index].value * share }
                }
            }
            var gift: String?
            if case .giftReward(let reward) = entry.rule.effect {
                if let maxTimes = entry.rule.limit?.maxTimes, (usage[entry.rule.id]?.times ?? 0) >= maxTimes {
                    explanation += "; limit of \(maxTimes) per \(entry.rule.limit!.period.rawValue) reached"
                } else {
                    gift = reward
                }
            }
            components.append(contentsOf: mine)
            results.append(RuleResult(ruleId: entry.rule.id, ruleName: entry.rule.name, matched: true, points: points, explanation: explanation, gift: gift))
            if entry.rule.stop { break }
        }
        return results
    }

    /// Lines a purchase's rules look at; a purchase sent without lines counts as one line of its total.
    private func effectiveLines(_ event: LoyaltyEvent) -> [PurchaseLine] {
        guard let purchase = event.purchase else { return [] }
        if purchase.lines.isEmpty { return [PurchaseLine(sku: "", unitPrice: purchase.total)] }
        return purchase.lines
    }

    /// The effect's shares of the award and its explanation, which starts with (or is) `text`.
    private func apply(_ effect: RuleEffect, text: String, event: LoyaltyEvent, lines: [PurchaseLine], award: Int,
                       existing: [Component]) -> ([Component], String) {
        switch effect {
        case .pointsPerAmount(let rule):
            let total = event.purchase?.total ?? .zero
            let rate = ExactPoints(rule.points) / ExactPoints(rule.per)
            if let minOrder = rule.minOrder, total < minOrder {
                return ([], "order total \(total) is below the minimum \(minOrder)")
            }
            if rule.base == .total {
                return ([Component(award: award, line: nil, value: ExactPoints(total) * rate)], text + total.description)
            }
            var counted = Amount.zero
            var mine: [Component] = []
            for (index, line) in lines.enumerated() {
                if rule.excludeDelivery && line.delivery { continue }
                if let include = rule.include, !include.matches(line) { continue }
                if rule.exclude.matches(line) { continue }
                counted = counted + line.amount
                mine.append(Component(award: award, line: index, value: ExactPoints(line.amount) * rate))
            }
            return (mine, text + "\(mine.count) of \(lines.count) lines worth \(counted)")
        case .fixedPoints(let points):
            return ([Component(award: award, line: nil, value: ExactPoints(points: points))], text)
        case .productBonus(let bonus):
            var mine: [Component] = []
            for (index, line) in lines.enumerated() where bonus.match.matches(line) {
                switch bonus.per {
                case .unit: mine.append(Component(award: award, line: index, value: ExactPoints(points: bonus.points * line.quantity)))
                case .line: mine.append(Component(award: award, line: index, value: ExactPoints(points: bonus.points)))
                case .order: if mine.isEmpty { mine.append(Component(award: award, line: nil, value: ExactPoints(points: bonus.points))) }
                }
            }
            return (mine, mine.isEmpty ? "no matching product bought" : text)
        case .multiplier(let multiplier):
            let extra = ExactPoints(multiplier.factor) - ExactPoints(points: 1)
            var mine: [Component] = []
            for component in existing {
                let applies: Bool
                if let match = multiplier.match {
                    guard let line = component.line else { continue }
                    applies = match.matches(lines[line])
                } else {
                    applies = true
                }
                if applies { mine.append(Component(award: award, line: component.line, value: component.value * extra)) }
            }
            var touched = [Bool](repeating: false, count: lines.count)
            for component in mine { if let line = component.line { touched[line] = true } }
            return (mine, text + "\(touched.count(where: { $0 })) matching lines")
        case .giftReward:
            return ([], text)
        case .pointsPerAttribute(let rule):
            guard let value = Self.lookup(event.attributes, rule.attribute.split(separator: ".").map(String.init)[...])?.amountValue, value.isPositive else {
                return ([], "attribute \(rule.attribute) is missing or not a positive number")
            }
            let points = ExactPoints(value) * ExactPoints(rule.points) / ExactPoints(rule.per)
            return ([Component(award: award, line: nil, value: points)], text + value.description + ")")
        }
    }

    /// Looks up a dotted attribute path in a free-form attribute map.
    static func lookup(_ attributes: [String: JSONValue], _ path: ArraySlice<String>) -> JSONValue? {
        guard let first = path.first, let value = attributes[first] else { return nil }
        if path.count == 1 { return value }
        guard case .object(let nested) = value else { return nil }
        return lookup(nested, path.dropFirst())
    }
}
