import Foundation

/// The parts of the analytics one request asks for; the store reads only those.
public enum AnalyticsSection: String, Sendable, CaseIterable {
    case members, points, tiers, rewards, purchases
}

/// Integer figures read from the ledger and its tables for one program and `AnalyticsPeriod`;
/// a section not asked for stays nil. Ratios and money are made from these by `AnalyticsReport`.
public struct AnalyticsFigures: Hashable, Sendable {
    public var members: MemberFigures?
    public var points: PointFigures?
    public var tiers: TierFigures?
    public var rewards: [RewardFigure]?
    public var purchases: PurchaseFigures?
    public init() {}
}

public struct MemberFigures: Hashable, Sendable {
    /// Enrolled before the end of the range.
    public var total: Int
    /// Enrolled within the range.
    public var new: Int
    /// With at least one event (any type or outcome) that occurred in the 30 days before the end
    /// of the range (or before now, when the range ends later).
    public var active: Int
    public init(total: Int, new: Int, active: Int) { self.total = total; self.new = new; self.active = active }
}

/// Ledger movements of one local day, by where the points went (entries recorded that day).
public struct DayPoints: Hashable, Sendable {
    /// Local days since 1970-01-01.
    public var day: Int
    /// Earned for events: out of the `issued` account.
    public var earned: Int = 0
    /// Credited by staff adjustments, campaign and birthday gifts: out of the `adjusted` account.
    public var credited: Int = 0
    /// Into the `redeemed` account (rewards).
    public var spent: Int = 0
    /// Back out of `redeemed` to the member: cancelled redemptions.
    public var restored: Int = 0
    /// Into the `expired` account.
    public var expired: Int = 0
    /// Into the `reversed` account (returns).
    public var reversed: Int = 0
    /// Debited by staff adjustments: into the `adjusted` account.
    public var debited: Int = 0
    /// Points issued: earned and credited.
    public var issued: Int { earned.addingSaturated(credited) }
    public init(day: Int) { self.day = day }
}

public struct PointFigures: Hashable, Sendable {
    /// Days with at least one movement, in order (the others moved nothing).
    public var days: [DayPoints]
    /// Now: members' available points (net of nothing), pending points, and debt.
    public var available: Int
    public var pending: Int
    public var debt: Int
    public init(days: [DayPoints], available: Int, pending: Int, debt: Int) {
        self.days = days; self.available = available; self.pending = pending; self.debt = debt
    }
}

/// A tier move counted in the range; nil is "no tier".
public struct TierMove: Hashable, Sendable {
    public var from: String?
    public var to: String?
    public var count: Int
    public init(from: String?, to: String?, count: Int) { self.from = from; self.to = to; self.count = count }
}

public struct TierFigures: Hashable, Sendable {
    /// Members per tier now (nil: no tier), any order.
    public var members: [String?: Int]
    /// Tier changes recorded in the range, grouped by from and to.
    public var moves: [TierMove]
    public init(members: [String?: Int], moves: [TierMove]) { self.members = members; self.moves = moves }
}

/// Redemptions of a reward made in the range and not cancelled.
public struct RewardFigure: Hashable, Sendable {
    public var rewardId: String
    public var redemptions: Int
    public var points: Int
    public init(rewardId: String, redemptions: Int, points: Int) { self.rewardId = rewardId; self.redemptions = redemptions; self.points = points }
}

/// Processed purchases that occurred in the range. Laurel sees only purchases reported for members.
public struct PurchaseFigures: Hashable, Sendable {
    public var purchases: Int
    /// Members with at least one purchase, and with at least two.
    public var buyers: Int
    public var repeatBuyers: Int
    public init(purchases: Int, buyers: Int, repeatBuyers: Int) { self.purchases = purchases; self.buyers = buyers; self.repeatBuyers = repeatBuyers }
}
