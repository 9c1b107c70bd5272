import Foundation

/// A condition and an effect, evaluated on every event in the order the program lists them.
public struct EarningRule: Hashable, Sendable {
    /// Stable across program versions; limits count per rule id.
    public var id: String
    public var name: String
    public var description: String?
    /// The event type the rule listens to: `purchase` or any named event (`review`, `steps`…).
    public var event: String
    public var activeFrom: Date?
    public var activeTo: Date?
    public var conditions: [RuleCondition]
    public var effect: RuleEffect
    public var limit: RuleLimit?
    /// When the rule matches, no later rule is evaluated for this event.
    public var stop: Bool

    public init(id: String, name: String, description: String? = nil, event: String, activeFrom: Date? = nil, activeTo: Date? = nil,
                conditions: [RuleCondition] = [], effect: RuleEffect, limit: RuleLimit? = nil, stop: Bool = false) {
        self.id = id
        self.name = name
        self.description = description
        self.event = event
        self.activeFrom = activeFrom
        self.activeTo = activeTo
        self.conditions = conditions
        self.effect = effect
        self.limit = limit
        self.stop = stop
    }
}

/// What a matching rule does.
public enum RuleEffect: Hashable, Sendable {
    /// `points` for every `per` of money spent, on the order total or on matching lines.
    case pointsPerAmount(PointsPerAmount)
    /// A fixed number of points for the event.
    case fixedPoints(Int)
    /// Points for buying given products: per unit, per line or once per order.
    case productBonus(ProductBonus)
    /// Multiplies the points earlier rules gave to matching lines.
    case multiplier(Multiplier)
    /// `points` for every `per` of a numeric event attribute (steps walked, bottles returned).
    case pointsPerAttribute(PointsPerAttribute)
    /// Issues a reward from the catalogue (by id) without spending points (gift on purchase).
    case giftReward(String)

    public var typeName: String {
        switch self {
        case .pointsPerAmount: "points_per_amount"
        case .fixedPoints: "fixed_points"
        case .productBonus: "product_bonus"
        case .multiplier: "multiplier"
        case .pointsPerAttribute: "points_per_attribute"
        case .giftReward: "gift_reward"
        }
    }
}

public struct PointsPerAmount: Hashable, Sendable {
    public enum Base: String, Sendable, CaseIterable {
        /// The purchase total as sent (after order discounts); line filters do not apply.
        case total
        /// The sum of the lines that pass `include` and `exclude`.
        case lines
    }
    public var points: Amount
    public var per: Amount
    public var base: Base
    /// When set, only lines matching it count.
    public var include: LineFilter?
    public var exclude: LineFilter
    public var excludeDelivery: Bool
    /// Orders whose total is below this earn nothing from the rule.
    public var minOrder: Amount?

    public init(points: Amount, per: Amount = .one, base: Base = .lines, include: LineFilter? = nil, exclude: LineFilter = LineFilter(),
                excludeDelivery: Bool = false, minOrder: Amount? = nil) {
        self.points = points
        self.per = per
        self.base = base
        self.include = include
        self.exclude = exclude
        self.excludeDelivery = excludeDelivery
        self.minOrder = minOrder
    }
}

public struct ProductBonus: Hashable, Sendable {
    public enum Per: String, Sendable, CaseIterable {
        /// Points × quantity of each matching line.
        case unit
        /// Points once per matching line, whatever its quantity.
        case line
        /// Points once if any line matches.
        case order
    }
    public var points: Int
    public var per: Per
    public var match: LineFilter
    public init(points: Int, per: Per = .unit, match: LineFilter) {
        self.points = points
        self.per = per
        self.match = match
    }
}

public struct Multiplier: Hashable, Sendable {
    public var factor: Amount
    /// Lines it applies to; nil applies to every line and to order-level points.
    public var match: LineFilter?
    public init(factor: Amount, match: LineFilter? = nil) {
        self.factor = factor
        self.match = match
    }
}

public struct PointsPerAttribute: Hashable, Sendable {
    public var attribute: String
    public var points: Amount
    public var per: Amount
    public init(attribute: String, points: Amount, per: Amount) {
        self.attribute = attribute
        self.points = points
        self.per = per
    }
}

/// Matches purchase lines by SKU, category or label: a line matches if any of them does.
public struct LineFilter: Hashable, Sendable {
    public var skus: Set<String>
    public var categories: Set<String>
    public var labels: Set<String>
    public init(skus: Set<String> = [], categories: Set<String> = [], labels: Set<String> = []) {
        self.skus = skus
        self.categories = categories
        self.labels = labels
    }
    public var isEmpty: Bool { skus.isEmpty && categories.isEmpty && labels.isEmpty }
    public func matches(_ line: PurchaseLine) -> Bool {
        if Self.has(skus, line.sku) { return true }
        if let category = line.category, Self.has(categories, category) { return true }
        return !labels.isEmpty && line.labels.contains { Self.has(labels, $0) }
    }

    /// Membership without hashing for the small sets rules name: comparing a few strings is
    /// cheaper than hashing one (this runs for every line of every purchase).
    @inline(__always)
    private static func has(_ set: Set<String>, _ value: String) -> Bool {
        set.count <= 8 ? set.contains { $0 == value } : set.contains(value)
    }
}

/// How often a rule may award a member.
public struct RuleLimit: Hashable, Sendable {
    public enum Period: String, Sendable, CaseIterable { case day, week, month, year, lifetime }
    public enum Window: String, Sendable, CaseIterable {
        /// The calendar day / ISO week / month / year containing the event, in the program's time zone.
        case calendar
        /// The 1 / 7 / 30 / 365 days ending at the event.
        case rolling
    }
    public var maxPoints: Int?
    public var maxTimes: Int?
    public var period: Period
    public var window: Window
    public init(maxPoints: Int? = nil, maxTimes: Int? = nil, period: Period, window: Window = .calendar) {
        self.maxPoints = maxPoints
        self.maxTimes = maxTimes
        self.period = period
        self.window = window
    }

    /// The half-open interval [from, to) whose awards count against the limit for an event at `date`.
    public func interval(containing date: Date, calendar: Calendar) -> (from: Date?, to: Date) {
        let justAfter = date.addingTimeInterval(0.001)
        switch (period, window) {
        case (.lifetime, _):
            return (nil, .distantFuture)
        case (_, .rolling):
            let days: Double = switch period { case .day: 1; case .week: 7; case .month: 30; default: 365 }
            return (justAfter.addingTimeInterval(-days * 86_400), justAfter)
        case (_, .calendar):
            if let interval = Self.localInterval(period, containing: date, calendar: calendar) { return interval }
            let component: Calendar.Component = switch period { case .day: .day; case .week: .weekOfYear; case .month: .month; default: .year }
            let interval = calendar.dateInterval(of: component, for: date)!
            return (interval.start, interval.end)
        }
    }

    /// The calendar period by date arithmetic (`LocalDays`); nil when a clock change near one of
    /// its midnights, a zone moving by more than an hour, or weeks not starting on Monday leave it
    /// to `Calendar`.
    private static func localInterval(_ period: Period, containing date: Date, calendar: Calendar) -> (from: Date?, to: Date)? {
        let zone = calendar.timeZone
        let day = LocalDays.day(date, zone)
        let (year, month, _) = Timestamps.civilFromDays(day)
        let first: Int
        let next: Int
        switch period {
        case .day:
            (first, next) = (day, day + 1)
        case .week:
            guard calendar.firstWeekday == 2 else { return nil }
            first = day - (LocalDays.isoWeekday(day) - 1)
            next = first + 7
        case .month:
            first = Timestamps.daysFromCivil(year: year, month: month, day: 1)
            next = month == 12 ? Timestamps.daysFromCivil(year: year + 1, month: 1, day: 1) : Timestamps.daysFromCivil(year: year, month: month + 1, day: 1)
        case .year, .lifetime:
            (first, next) = (Timestamps.daysFromCivil(year: year, month: 1, day: 1), Timestamps.daysFromCivil(year: year + 1, month: 1, day: 1))
        }
        guard let from = LocalDays.plainMidnight(first, zone), let to = LocalDays.plainMidnight(next, zone),
              // A zone that moved by more than a daylight-saving hour in between (Apia skipped a day) goes to Calendar.
              abs(zone.secondsFromGMT(for: to) - zone.secondsFromGMT(for: from)) <= 3_600 else { return nil }
        return (from, to)
    }
}

/// One condition of a rule; all of a rule's conditions must hold.
public enum RuleCondition: Hashable, Sendable {
    /// Compares an event or member field: `event.<attribute>`, `event.store`, `event.total`,
    /// `event.channel`, `member.<attribute>`, `member.status`, `member.tier`, `member.clubs`.
    case field(path: String, op: ComparisonOperator, value: JSONValue?)
    /// Days of week in the program's time zone, 1 = Monday … 7 = Sunday.
    case daysOfWeek(Set<Int>)
    case stores(Set<String>)
    /// The purchase has at least one line matching the filter.
    case hasProduct(LineFilter)
    /// The member has granted this consent (`marketing`, `profiling`, the brand's own).
    case consent(String)
}

public enum ComparisonOperator: String, Sendable, CaseIterable {
    case eq, ne, gt, gte, lt, lte
    case `in` = "in"
    case notIn = "not_in"
    case exists, contains
}
