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
    /// Segments the member was in at the last refresh of the materialised memberships (`member.segments contains "vip-lapsed"`).
    public var segments: [String]
    /// The consents the member has granted now (`consent: marketing`).
    public var consents: Set<String>
    public init(id: String, status: MemberStatus = .active, attributes: [String: JSONValue] = [:], tier: String? = nil, clubs: [String] = [],
                segments: [String] = [], consents: Set<String> = []) {
        self.id = id
        self.status = status
        self.attributes = attributes
        self.tier = tier
        self.clubs = clubs
        self.segments = segments
        self.consents = consents
    }
}

/// `erased`: the member's personal data was removed (`POST /v1/members/{id}/erase`); their points
/// stay, and like a blocked member they neither earn nor spend, for good.
public enum MemberStatus: String, Sendable, Codable, CaseIterable { case active, blocked, erased }

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
    /// The campaign whose rule this is; nil for the program's own rules.
    public var campaign: String? = nil

    /// Whether the result counts towards its rule's limit: it gave points or a gift.
    public var isAward: Bool { points > 0 || gift != nil }

    enum CodingKeys: String, CodingKey {
        case ruleId = "rule_id", ruleName = "rule_name", matched, points, explanation, gift, campaign
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

    /// A rule's effect with what does not depend on the event worked out once per program version.
    /// Line filters are numbered per rule set (`RuleSet`); which lines each matches is worked out once per event (`LineFacts`).
    private enum Effect: Sendable {
        /// `points` and `per` as exact fractions; their quotient is taken per event, where a zero
        /// `per` (refused by validation) traps as it always did. `exclude` is nil when empty.
        case pointsPerAmount(points: ExactPoints, per: ExactPoints, base: PointsPerAmount.Base, minOrder: Amount?,
                             include: Int?, exclude: Int?, excludeDelivery: Bool)
        case fixedPoints(ExactPoints)
        case productBonus(points: Int, per: ProductBonus.Per, match: Int)
        /// A factor of 1 or more adds `factor − 1` of earlier points as the multiplier's own shares;
        /// below 1 (`reducing`) it scales the earlier shares down to `factor` in place (`0` keeps none).
        /// `extra` is `factor − 1`, worked out once per program rather than per share.
        case multiplier(match: Int?, factor: ExactPoints, extra: ExactPoints, reducing: Bool)
        case pointsPerAttribute(PointsPerAttribute, path: ArraySlice<String>)
        case giftReward
    }

    /// A rule with its conditions, effect and the fixed part of its explanation, prepared once per
    /// program version. A class, so walking the rules for an event retains one reference per rule
    /// instead of copying each rule's fields.
    private final class CompiledRule: Sendable {
        let rule: EarningRule
        let conditions: [CompiledCondition]
        let effect: Effect
        let text: String
        /// The reward a `gift_reward` rule issues.
        let gift: String?
        /// A multiplier's explanations for 0, 1, 2… matching lines, written once rather than per event.
        let lineCountTexts: [String]
        /// The campaign of a campaign's rule: its window and audience come first.
        let campaign: CompiledCampaign?

        init(_ rule: EarningRule, campaign: CompiledCampaign?, timeZone: TimeZone, filter: (LineFilter) -> Int) {
            self.rule = rule
            self.campaign = campaign
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
            effect = switch rule.effect {
            case .pointsPerAmount(let effect):
                .pointsPerAmount(points: ExactPoints(effect.points), per: ExactPoints(effect.per), base: effect.base, minOrder: effect.minOrder,
                                 include: effect.include.map(filter), exclude: effect.exclude.isEmpty ? nil : filter(effect.exclude),
                                 excludeDelivery: effect.excludeDelivery)
            case .fixedPoints(let points): .fixedPoints(ExactPoints(points: points))
            case .productBonus(let bonus): .productBonus(points: bonus.points, per: bonus.per, match: filter(bonus.match))
            case .multiplier(let multiplier):
                .multiplier(match: multiplier.match.map(filter), factor: ExactPoints(multiplier.factor),
                            extra: ExactPoints(multiplier.factor) - ExactPoints(points: 1), reducing: multiplier.factor < .one)
            case .pointsPerAttribute(let effect): .pointsPerAttribute(effect, path: effect.attribute.split(separator: ".").map(String.init)[...])
            case .giftReward: .giftReward
            }
            if case .giftReward(let reward) = rule.effect { gift = reward } else { gift = nil }
            if case .multiplier = rule.effect {
                lineCountTexts = (0...16).map { [text] in text + "\($0) matching lines" }
            } else {
                lineCountTexts = []
            }
        }

        /// The explanation of the first condition that fails, or nil when all hold.
        /// Why the rule does not match, if it does not: the first condition that fails, or an order
        /// below a `points_per_amount` rule's `min_order` (a threshold is a condition: a rule below
        /// it is not matched, so its `stop` stops nothing).
        func failure(event: LoyaltyEvent, member: MemberProfile, lines: [PurchaseLine], weekday: Int?) -> String? {
            for condition in conditions where !condition.holds(event: event, member: member, lines: lines, weekday: weekday) { return condition.failure }
            if case .pointsPerAmount(_, _, _, let minOrder?, _, _, _) = effect {
                let total = event.purchase?.total ?? .zero
                if total < minOrder { return "order total \(total) is below the minimum \(minOrder)" }
            }
            return nil
        }

        /// A multiplier's explanation for `count` matching lines.
        func matchingLinesText(_ count: Int) -> String {
            count < lineCountTexts.count ? lineCountTexts[count] : text + "\(count) matching lines"
        }
    }

    /// The rules listening to one event type, in program order, and the distinct line filters their
    /// effects name, indexed by the SKUs, categories and labels they name: a line finds the filters
    /// it matches in a lookup per value instead of being compared with every filter.
    private final class RuleSet: Sendable {
        let rules: [CompiledRule]
        /// Whether a rule has a days-of-week condition: the event's weekday is then worked out once for all.
        let readsWeekday: Bool
        let filterCount: Int
        let filtersBySku: [String: [Int]]
        let filtersByCategory: [String: [Int]]
        let filtersByLabel: [String: [Int]]

        init(_ rules: [(EarningRule, CompiledCampaign?)], timeZone: TimeZone) {
            var filters: [LineFilter: Int] = [:]
            func index(_ filter: LineFilter) -> Int {
                if let index = filters[filter] { return index }
                filters[filter] = filters.count
                return filters.count - 1
            }
            self.rules = rules.map { CompiledRule($0.0, campaign: $0.1, timeZone: timeZone, filter: index) }
            readsWeekday = self.rules.contains { $0.conditions.contains(where: \.readsWeekday) }
            filterCount = filters.count
            var bySku: [String: [Int]] = [:], byCategory: [String: [Int]] = [:], byLabel: [String: [Int]] = [:]
            for (filter, index) in filters {
                for sku in filter.skus { bySku[sku, default: []].append(index) }
                for category in filter.categories { byCategory[category, default: []].append(index) }
                for label in filter.labels { byLabel[label, default: []].append(index) }
            }
            (filtersBySku, filtersByCategory, filtersByLabel) = (bySku, byCategory, byLabel)
        }
    }

    /// The rules listening to each event type.
    private let rulesByType: [String: RuleSet]

    public init(program: ProgramDefinition) {
        self.program = program
        self.calendar = program.calendar
        let zone = program.calendar.timeZone
        var rules: [(EarningRule, CompiledCampaign?)] = program.earningRules.map { ($0, nil) }
        for campaign in program.campaigns where !campaign.rules.isEmpty {
            let compiled = CompiledCampaign(campaign, timeZone: zone)
            rules += campaign.rules.map { ($0, compiled) }
        }
        let byType = Dictionary(grouping: rules, by: { $0.0.event })
        self.rulesByType = byType.mapValues { RuleSet($0, timeZone: zone) }
    }

    /// Where the windows of every limited rule, of any event type, start for an event at `date`:
    /// a member's events from `date` on count no award made before it. Nil when some window has no
    /// start (a lifetime limit) or no rule is limited. Windows only move forward with `date`.
    public func earliestLimitStart(at date: Date) -> Date? {
        var earliest: Date?
        for rule in program.allEarningRules {
            guard let limit = rule.limit else { continue }
            guard let from = limit.interval(containing: date, calendar: calendar).from else { return nil }
            earliest = min(earliest ?? from, from)
        }
        return earliest
    }

    /// The usage windows to look up before evaluating `event`.
    public func limitQueries(for event: LoyaltyEvent) -> [LimitQuery] {
        (rulesByType[event.type]?.rules ?? []).compactMap { entry in
            guard let limit = entry.rule.limit else { return nil }
            let interval = limit.interval(containing: event.occurredAt, calendar: calendar)
            return LimitQuery(ruleId: entry.rule.id, from: interval.from, to: interval.to)
        }
    }

    /// What the effects read of a purchase's lines, gathered once per event: they then neither copy
    /// lines (each copy retains three strings) nor match a filter against a line more than once.
    private struct LineFacts {
        struct Line {
            let amount: Amount
            let quantity: Int
            let delivery: Bool
        }
        let lines: [Line]
        private let filterCount: Int
        /// Whether filter `f` matches line `l`, at `l * filterCount + f`.
        private let matches: [Bool]

        /// A line matches a filter naming its SKU, its category or one of its labels (`LineFilter.matches`).
        init(_ lines: [PurchaseLine], _ rules: RuleSet) {
            var facts: [Line] = []
            facts.reserveCapacity(lines.count)
            var matches = [Bool](repeating: false, count: lines.count * rules.filterCount)
            for (index, line) in lines.enumerated() {
                facts.append(Line(amount: line.amount, quantity: line.quantity, delivery: line.delivery))
                let row = index * rules.filterCount
                if !rules.filtersBySku.isEmpty, let filters = rules.filtersBySku[line.sku] {
                    for filter in filters { matches[row + filter] = true }
                }
                if let category = line.category, let filters = rules.filtersByCategory[category] {
                    for filter in filters { matches[row + filter] = true }
                }
                if !rules.filtersByLabel.isEmpty {
                    for label in line.labels {
                        for filter in rules.filtersByLabel[label] ?? [] { matches[row + filter] = true }
                    }
                }
            }
            self.lines = facts
            self.filterCount = rules.filterCount
            self.matches = matches
        }

        func line(_ line: Int, matches filter: Int) -> Bool { matches[line * filterCount + filter] }
    }

    /// A share of an award: on one purchase line, or on the order as a whole (`line == nil`).
    private struct Component {
        let line: Int?
        var value: ExactPoints
    }

    /// What the rules of one event share while they are evaluated.
    private struct Scratch {
        /// Every matched rule's shares in rule order; a rule's own are the ones it appended, and a
        /// multiplier reads those before its own.
        var components: [Component] = []
        /// Per line, whether the multiplier being applied has scaled points there (for its explanation).
        var touched: [Bool]
        /// The matched rules that gave points so far: their place in the results and their shares,
        /// so that a reducing multiplier can take its part back out of each.
        var owners: [Owner] = []
    }

    /// A rule's award and the shares it is made of (`components[range]`).
    private struct Owner {
        let result: Int
        let range: Range<Int>
        var points: Int
    }

    public func evaluate(event: LoyaltyEvent, member: MemberProfile, usage: [String: RuleUsage]) -> [RuleResult] {
        guard let ruleSet = rulesByType[event.type] else { return [] }
        var results: [RuleResult] = []
        results.reserveCapacity(ruleSet.rules.count)
        let lines = effectiveLines(event)
        let facts = LineFacts(lines, ruleSet)
        let weekday = ruleSet.readsWeekday ? CompiledCondition.isoWeekday(event.occurredAt, calendar.timeZone) : nil
        var scratch = Scratch(touched: [Bool](repeating: false, count: lines.count))
        // Room for a share per line from a few rules, so the buffer rarely regrows.
        scratch.components.reserveCapacity(4 * lines.count + ruleSet.rules.count)
        for entry in ruleSet.rules {
            if let campaign = entry.campaign {
                if let failure = campaign.failure(event: event, member: member, lines: lines, weekday: weekday) {
                    results.append(RuleResult(ruleId: entry.rule.id, ruleName: entry.rule.name, matched: false, points: 0, explanation: failure,
                                              campaign: campaign.id))
                    continue
                }
            }
            if let from = entry.rule.activeFrom, event.occurredAt < from {
                results.append(RuleResult(ruleId: entry.rule.id, ruleName: entry.rule.name, matched: false, points: 0,
                                          explanation: "not active before \(Timestamps.format(from))", campaign: entry.campaign?.id))
                continue
            }
            if let to = entry.rule.activeTo, event.occurredAt >= to {
                results.append(RuleResult(ruleId: entry.rule.id, ruleName: entry.rule.name, matched: false, points: 0,
                                          explanation: "ended at \(Timestamps.format(to))", campaign: entry.campaign?.id))
                continue
            }
            if let failure = entry.failure(event: event, member: member, lines: lines, weekday: weekday) {
                results.append(RuleResult(ruleId: entry.rule.id, ruleName: entry.rule.name, matched: false, points: 0, explanation: failure,
                                          campaign: entry.campaign?.id))
                continue
            }
            let mine = scratch.components.count
            var explanation = apply(entry, event: event, facts: facts, scratch: &scratch)
            var sum = ExactPoints.zero
            for index in mine..<scratch.components.count { sum = sum + scratch.components[index].value }
            // Above the per-event maximum the event is refused (`EventProcessor`); capping here keeps
            // the sums that follow far from overflow.
            let raw = min(sum.rounded(program.rounding), Bounds.maxPointsPerEvent + 1)
            var points = max(raw, 0)
            if let limit = entry.rule.limit, points > 0 {
                let used = usage[entry.rule.id] ?? RuleUsage()
                if let maxTimes = limit.maxTimes, used.times >= maxTimes {
                    points = 0
                    explanation += "; limit of \(maxTimes) per \(limit.period.rawValue) reached"
                } else if let maxPoints = limit.maxPoints, points > maxPoints - min(used.points, maxPoints) {
                    points = max(maxPoints - used.points, 0)
                    explanation += "; capped to \(points) by the limit of \(maxPoints) points per \(limit.period.rawValue)"
                }
                if points < raw, raw > 0 {
                    let share = ExactPoints(Int128(points), over: Int128(raw))
                    for index in mine..<scratch.components.count { scratch.components[index].value = scratch.components[index].value * share }
                }
            }
            var gift = entry.gift
            if gift != nil, let maxTimes = entry.rule.limit?.maxTimes, (usage[entry.rule.id]?.times ?? 0) >= maxTimes {
                explanation += "; limit of \(maxTimes) per \(entry.rule.limit!.period.rawValue) reached"
                gift = nil
            }
            if case .multiplier(_, _, _, reducing: true) = entry.effect {
                let taken = Self.reduceEarlierAwards(&results, scratch: &scratch, rounding: program.rounding)
                explanation += "; \(taken) points less from earlier rules"
            } else if points > 0 {
                scratch.owners.append(Owner(result: results.count, range: mine..<scratch.components.count, points: points))
            }
            results.append(RuleResult(ruleId: entry.rule.id, ruleName: entry.rule.name, matched: true, points: points, explanation: explanation, gift: gift,
                                      campaign: entry.campaign?.id))
            if entry.rule.stop { break }
        }
        return results
    }

    /// Re-rounds the awards of earlier rules whose shares a reducing multiplier scaled down (each
    /// award is still rounded once, from its now smaller exact sum, and never rises); answers how
    /// many points they lost in all.
    private static func reduceEarlierAwards(_ results: inout [RuleResult], scratch: inout Scratch, rounding: RoundingMode) -> Int {
        var taken = 0
        for index in scratch.owners.indices {
            let owner = scratch.owners[index]
            var sum = ExactPoints.zero
            for component in scratch.components[owner.range] { sum = sum + component.value }
            let points = min(max(sum.rounded(rounding), 0), owner.points)
            guard points < owner.points else { continue }
            taken += owner.points - points
            scratch.owners[index].points = points
            let old = results[owner.result]
            results[owner.result] = RuleResult(ruleId: old.ruleId, ruleName: old.ruleName, matched: true, points: points,
                                               explanation: old.explanation, gift: old.gift, campaign: old.campaign)
        }
        return taken
    }

    /// Lines a purchase's rules look at; a purchase sent without lines counts as one line of its total.
    private func effectiveLines(_ event: LoyaltyEvent) -> [PurchaseLine] {
        guard let purchase = event.purchase else { return [] }
        if purchase.lines.isEmpty { return [PurchaseLine(sku: "", unitPrice: purchase.total)] }
        return purchase.lines
    }

    /// Appends the effect's shares of the award to `scratch.components` and returns its explanation,
    /// which starts with (or is) the rule's `text`.
    private func apply(_ entry: CompiledRule, event: LoyaltyEvent, facts: LineFacts, scratch: inout Scratch) -> String {
        switch entry.effect {
        case .pointsPerAmount(let points, let per, let base, _, let include, let exclude, let excludeDelivery):
            let total = event.purchase?.total ?? .zero
            let rate = points / per
            if base == .total {
                scratch.components.append(Component(line: nil, value: ExactPoints(total) * rate))
                return entry.text + total.description
            }
            var counted = Amount.zero
            var count = 0
            for (index, line) in facts.lines.enumerated() {
                if excludeDelivery && line.delivery { continue }
                if let include, !facts.line(index, matches: include) { continue }
                if let exclude, facts.line(index, matches: exclude) { continue }
                counted = counted + line.amount
                count += 1
                scratch.components.append(Component(line: index, value: ExactPoints(line.amount) * rate))
            }
            // Appended piece by piece: one allocation for the whole text.
            var explanation = entry.text
            explanation.reserveCapacity(entry.text.utf8.count + 48)
            explanation += String(count)
            explanation += " of "
            explanation += String(facts.lines.count)
            explanation += " lines worth "
            explanation += counted.description
            return explanation
        case .fixedPoints(let points):
            scratch.components.append(Component(line: nil, value: points))
            return entry.text
        case .productBonus(let points, let per, let match):
            var matched = false
            for (index, line) in facts.lines.enumerated() where facts.line(index, matches: match) {
                matched = true
                switch per {
                case .unit: scratch.components.append(Component(line: index, value: ExactPoints(Int128(points) * Int128(line.quantity))))
                case .line: scratch.components.append(Component(line: index, value: ExactPoints(points: points)))
                case .order: scratch.components.append(Component(line: nil, value: ExactPoints(points: points)))
                }
                if per == .order { break }
            }
            return matched ? entry.text : "no matching product bought"
        case .multiplier(let match, let factor, let extra, let reducing):
            for line in scratch.touched.indices { scratch.touched[line] = false }
            var touched = 0
            for index in 0..<scratch.components.count {
                let component = scratch.components[index]
                if let line = component.line {
                    if let match, !facts.line(line, matches: match) { continue }
                    if !scratch.touched[line] {
                        scratch.touched[line] = true
                        touched += 1
                    }
                } else if match != nil {
                    continue
                }
                if reducing {
                    scratch.components[index].value = component.value * factor
                } else {
                    scratch.components.append(Component(line: component.line, value: component.value * extra))
                }
            }
            return entry.matchingLinesText(touched)
        case .giftReward:
            return entry.text
        case .pointsPerAttribute(let rule, let path):
            guard let value = Self.lookup(event.attributes, path)?.amountValue, value.isPositive else {
                return "attribute \(rule.attribute) is missing or not a positive number"
            }
            guard value <= Bounds.maxEventMoney else {
                return "attribute \(rule.attribute) is above the largest value a rule counts (\(Bounds.maxEventMoney))"
            }
            let points = ExactPoints(value) * ExactPoints(rule.points) / ExactPoints(rule.per)
            scratch.components.append(Component(line: nil, value: points))
            return entry.text + value.description + ")"
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
