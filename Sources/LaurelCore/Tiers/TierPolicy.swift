import Foundation

/// A program's VIP tiers: ordered levels, what qualifies a member for them, and how they lose one.
/// See docs/program-format.md (`tiers`).
public struct TierPolicy: Hashable, Sendable {
    public enum Basis: String, Sendable, CaseIterable {
        /// Points earned by events (not staff adjustments, not tier bonuses).
        case pointsEarned = "points_earned"
        /// Money spent on purchases, less returns.
        case amountSpent = "amount_spent"
        /// Number of purchases, less fully refunded ones.
        case purchases
        /// The member's current available points (not pending ones; a member in debt counts as 0):
        /// spending, expiry and transfers lower it. Evaluated after every change of the balance; no window.
        case pointsBalance = "points_balance"
    }

    /// The stretch of time whose activity counts.
    public enum Window: Hashable, Sendable {
        case lifetime
        /// The calendar year of the moment of evaluation, in the program's time zone.
        case calendarYear
        /// The N months up to the moment of evaluation.
        case rollingMonths(Int)
    }

    public enum Downgrade: Hashable, Sendable {
        /// Once reached, a tier is kept.
        case never
        /// As soon as the basis falls below the tier's threshold (a return, activity leaving the window).
        case automatic
        /// At the review date, `everyMonths` after the last tier change; the member keeps the tier until then.
        case review(everyMonths: Int)
    }

    /// Where a downgrade lands.
    public enum Step: String, Sendable, CaseIterable {
        /// One level per downgrade (never below the level the basis supports).
        case oneLevel = "one_level"
        /// Straight to the level the basis supports.
        case toQualified = "to_qualified"
    }

    public var basis: Basis
    public var window: Window
    /// Purchase lines that do not count toward the basis (by SKU or category).
    public var exclude: LineFilter
    public var excludeDelivery: Bool
    public var downgrade: Downgrade
    public var step: Step
    /// Lowest first; thresholds strictly increase.
    public var levels: [TierLevel]

    public init(basis: Basis, window: Window = .lifetime, exclude: LineFilter = LineFilter(), excludeDelivery: Bool = false,
                downgrade: Downgrade = .never, step: Step = .toQualified, levels: [TierLevel]) {
        self.basis = basis
        self.window = window
        self.exclude = exclude
        self.excludeDelivery = excludeDelivery
        self.downgrade = downgrade
        self.step = step
        self.levels = levels
    }

    public func level(_ id: String?) -> TierLevel? { id.flatMap { id in levels.first { $0.id == id } } }
    /// A tier's place in `levels`, lowest first; nil for none or an unknown id.
    public func index(_ id: String?) -> Int? { id.flatMap { id in levels.firstIndex { $0.id == id } } }
}

/// One tier and what it brings.
public struct TierLevel: Hashable, Sendable {
    public var id: String
    public var name: String
    /// The basis a member needs to reach it (points, money or purchases).
    public var threshold: Amount
    public var benefits: TierBenefits
    /// `name` in other languages, for the member portal.
    public var names: Translations
    public init(id: String, name: String, threshold: Amount, benefits: TierBenefits = TierBenefits(), names: Translations = Translations()) {
        self.id = id
        self.name = name
        self.threshold = threshold
        self.benefits = benefits
        self.names = names
    }
}

public struct TierBenefits: Hashable, Sendable {
    /// Multiplies the points every event earns (1.5 = half as much again); nil = ×1.
    public var earningMultiplier: Amount?
    /// Points credited once, on the event that reaches the tier.
    public var bonusPoints: Int
    /// A member discount the checkout applies (category cards, progressive discount scales), in percent.
    public var discountPercent: Amount?
    /// Free-form benefits listed for display ("priority service", "free delivery"). Clubs joined
    /// with a tier are set on the club (`join.tiers`).
    public var perks: [String]
    public init(earningMultiplier: Amount? = nil, bonusPoints: Int = 0, discountPercent: Amount? = nil, perks: [String] = []) {
        self.earningMultiplier = earningMultiplier
        self.bonusPoints = bonusPoints
        self.discountPercent = discountPercent
        self.perks = perks
    }
}

/// A member's tier as stored: the level, since when, a staff floor and the next review.
public struct MemberTier: Hashable, Sendable {
    public var tierId: String?
    /// When the tier last changed.
    public var since: Date?
    /// A tier set by staff: the member never drops below it while it holds.
    public var floorTierId: String?
    /// The floor holds until this moment; nil = until removed.
    public var floorUntil: Date?
    /// When a review-period program reviews the member next.
    public var reviewAt: Date?
    public init(tierId: String? = nil, since: Date? = nil, floorTierId: String? = nil, floorUntil: Date? = nil, reviewAt: Date? = nil) {
        self.tierId = tierId
        self.since = since
        self.floorTierId = floorTierId
        self.floorUntil = floorUntil
        self.reviewAt = reviewAt
    }

    /// The floor, if it still holds at `now`.
    public func activeFloor(at now: Date) -> String? {
        guard let floorTierId else { return nil }
        if let floorUntil, floorUntil <= now { return nil }
        return floorTierId
    }
}

/// What one event adds to (or, for a return, takes from) a member's qualification basis.
public struct TierContribution: Hashable, Sendable {
    public var points: Int
    public var amount: Amount
    public var purchases: Int
    public init(points: Int = 0, amount: Amount = .zero, purchases: Int = 0) {
        self.points = points
        self.amount = amount
        self.purchases = purchases
    }
    public var isZero: Bool { points == 0 && amount == .zero && purchases == 0 }

    /// Saturates instead of trapping: writes keep every window within `Bounds.maxTotal`
    /// (`EventProcessor`), but a back-dated event can still make some other window's sum larger.
    public static func + (lhs: TierContribution, rhs: TierContribution) -> TierContribution {
        func add<Value: FixedWidthInteger>(_ a: Value, _ b: Value) -> Value {
            let (sum, overflow) = a.addingReportingOverflow(b)
            return overflow ? (b > 0 ? .max : .min) : sum
        }
        return TierContribution(points: add(lhs.points, rhs.points), amount: Amount(units: add(lhs.amount.units, rhs.amount.units)),
                                purchases: add(lhs.purchases, rhs.purchases))
    }
}

/// Why a member's tier changed; stored with every change.
public enum TierChangeReason: String, Sendable, Codable, CaseIterable {
    /// The basis reached the tier's threshold.
    case qualified
    /// Automatic downgrade: the basis fell below the threshold.
    case basisFell = "basis_fell"
    /// Downgrade at the review date.
    case review
    /// Staff set a floor above the current tier.
    case manual
    /// A staff floor was removed or ran out.
    case floorEnded = "floor_ended"
}

public struct TierChange: Hashable, Sendable {
    public var from: String?
    public var to: String?
    public var reason: TierChangeReason
    public var at: Date
    public init(from: String?, to: String?, reason: TierChangeReason, at: Date) {
        self.from = from
        self.to = to
        self.reason = reason
        self.at = at
    }
}
