import Foundation

/// What the store knows about a member and a reward when checking a redemption.
public struct RedemptionContext: Hashable, Sendable {
    public var member: MemberProfile
    public var available: Int
    /// Redemptions of this reward by the member that were not cancelled: ever, and inside the period limit's window.
    public var redeemedEver: Int
    public var redeemedInPeriod: Int
    /// Units left; nil = unlimited.
    public var stockLeft: Int?
    /// Units asked for in one request: stock and limits must hold for all of them.
    public var quantity: Int
    public init(member: MemberProfile, available: Int, redeemedEver: Int = 0, redeemedInPeriod: Int = 0, stockLeft: Int? = nil, quantity: Int = 1) {
        self.member = member
        self.available = available
        self.redeemedEver = redeemedEver
        self.redeemedInPeriod = redeemedInPeriod
        self.stockLeft = stockLeft
        self.quantity = quantity
    }
}

/// Why a member cannot redeem a reward now; the API shows each with its `code`.
public enum RedemptionRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    case memberBlocked
    case inactive
    case notYetAvailable(opensAt: Date)
    case noLongerAvailable(endedAt: Date)
    case tierRequired([String])
    case clubRequired([String])
    case segmentRequired([String])
    case notEligible(condition: String)
    case outOfStock
    case limitReached(limit: Int, period: String)
    case insufficientPoints(available: Int, cost: Int)
    case invalidPoints(String)
    case invalidQuantity(String)

    public var code: String {
        switch self {
        case .memberBlocked: "member_blocked"
        case .inactive: "reward_inactive"
        case .notYetAvailable: "not_yet_available"
        case .noLongerAvailable: "no_longer_available"
        case .tierRequired: "tier_required"
        case .clubRequired: "club_required"
        case .segmentRequired: "segment_required"
        case .notEligible: "not_eligible"
        case .outOfStock: "out_of_stock"
        case .limitReached: "limit_reached"
        case .insufficientPoints: "insufficient_points"
        case .invalidPoints: "invalid_points"
        case .invalidQuantity: "invalid_quantity"
        }
    }

    /// Points still needed, for `insufficient_points`.
    public var missingPoints: Int? {
        if case .insufficientPoints(let available, let cost) = self { return cost - max(available, 0) }
        return nil
    }

    public var description: String {
        switch self {
        case .memberBlocked: "the member is blocked"
        case .inactive: "the reward is no longer offered"
        case .notYetAvailable(let date): "available from \(Timestamps.format(date))"
        case .noLongerAvailable(let date): "was available until \(Timestamps.format(date))"
        case .tierRequired(let tiers): "for members of tier \(tiers.joined(separator: " or "))"
        case .clubRequired(let clubs): "for members of club \(clubs.joined(separator: " or "))"
        case .segmentRequired(let segments): "for members of segment \(segments.joined(separator: " or "))"
        case .notEligible(let condition): "the member does not meet \(condition)"
        case .outOfStock: "out of stock"
        case .limitReached(let limit, let period): "limit of \(limit) per member \(period == "lifetime" ? "reached" : "per \(period) reached")"
        case .insufficientPoints(let available, let cost):
            "not enough points: costs \(cost), \(max(available, 0)) available (\(cost - max(available, 0)) missing)"
        case .invalidPoints(let why), .invalidQuantity(let why): why
        }
    }
}

/// The checks of a redemption, pure, shared by `POST /v1/redemptions` (which refuses on the first)
/// and the member's catalogue (which lists them all).
public struct RedemptionCheck: Sendable {
    public let program: ProgramDefinition

    public init(program: ProgramDefinition) { self.program = program }

    /// Units one request may ask for.
    static let quantities = 1...100

    /// The points a redemption costs: the reward's cost times the units, or for points-to-money the points asked for.
    public func cost(of reward: Reward, points: Int?, quantity: Int = 1) -> Result<Int, RedemptionRefusal> {
        if quantity != 1 {
            guard Self.quantities.contains(quantity) else { return .failure(.invalidQuantity("quantity must be 1 to \(Self.quantities.upperBound)")) }
            switch reward.kind {
            case .pointsToMoney: return .failure(.invalidQuantity("a points-to-money reward is redeemed once per request; give the points instead"))
            case .clubMembership: return .failure(.invalidQuantity("a club place is redeemed once"))
            default: return .success(reward.cost * quantity)
            }
        }
        guard case .pointsToMoney(let minimum, let step) = reward.kind else { return .success(reward.cost) }
        guard let points else { return .failure(.invalidPoints("points-to-money needs the points to spend")) }
        guard points >= minimum else { return .failure(.invalidPoints("at least \(minimum) points")) }
        guard points % step == 0 else { return .failure(.invalidPoints("points must be a multiple of \(step)")) }
        // What the points are worth (`value(of:cost:)`) must be money one event may carry.
        let (units, overflow) = program.pointValue.units.multipliedReportingOverflow(by: Int64(points))
        guard points <= Bounds.maxPointsPerEvent, !overflow, units <= Bounds.maxEventMoney.units else {
            return .failure(.invalidPoints("points worth at most \(Bounds.maxEventMoney) (and at most \(Bounds.maxPointsPerEvent) points) at a time"))
        }
        return .success(points)
    }

    /// Every reason the member cannot redeem `reward` at `now` for `cost` points, in a fixed order; empty means they can.
    public func refusals(_ reward: Reward, cost: Int, context: RedemptionContext, now: Date) -> [RedemptionRefusal] {
        var refusals: [RedemptionRefusal] = []
        let member = context.member
        if member.status != .active { refusals.append(.memberBlocked) }
        if !reward.active { refusals.append(.inactive) }
        if let opensAt = reward.opensAt(for: member), opensAt > now { refusals.append(.notYetAvailable(opensAt: opensAt)) }
        if let until = reward.availableUntil, until <= now { refusals.append(.noLongerAvailable(endedAt: until)) }
        if !reward.tiers.isEmpty, !reward.tiers.contains(member.tier ?? "") { refusals.append(.tierRequired(reward.tiers)) }
        if !reward.clubs.isEmpty, !reward.clubs.contains(where: member.clubs.contains) { refusals.append(.clubRequired(reward.clubs)) }
        if !reward.segments.isEmpty, !reward.segments.contains(where: member.segments.contains) { refusals.append(.segmentRequired(reward.segments)) }
        if !reward.conditions.isEmpty {
            let probe = LoyaltyEvent(id: "", type: "redemption", occurredAt: now)
            let timeZone = program.calendar.timeZone
            for condition in reward.conditions {
                let compiled = CompiledCondition(condition, timeZone: timeZone)
                if !compiled.holds(event: probe, member: member, lines: []) { refusals.append(.notEligible(condition: compiled.description)); break }
            }
        }
        let units = max(context.quantity, 1)
        if let left = context.stockLeft, left < units { refusals.append(.outOfStock) }
        if let limit = reward.limitPerMember, context.redeemedEver + units > limit { refusals.append(.limitReached(limit: limit, period: "lifetime")) }
        if let period = reward.limitPerPeriod, let maxTimes = period.maxTimes, context.redeemedInPeriod + units > maxTimes {
            refusals.append(.limitReached(limit: maxTimes, period: period.period.rawValue))
        }
        if context.available < cost { refusals.append(.insufficientPoints(available: context.available, cost: cost)) }
        return refusals
    }

    /// How often a member has redeemed `reward` (not cancelled), ever and inside its per-period
    /// limit's window at `now`, from the moments of those redemptions.
    public func counts(_ reward: Reward, redeemedAt dates: [Date], now: Date) -> (ever: Int, inPeriod: Int) {
        guard let window = reward.limitPerPeriod?.interval(containing: now, calendar: program.calendar) else { return (dates.count, 0) }
        return (dates.count, dates.count { ($0 >= (window.from ?? .distantPast)) && $0 < window.to })
    }

    /// The money value a redemption carries: a gift card's value, a fixed discount (each times the
    /// units), or points × point value.
    public func value(of reward: Reward, cost: Int, quantity: Int = 1) -> Amount? {
        switch reward.kind {
        case .giftCard(let value): value * quantity
        case .discountCode(let discount) where discount.unit == .fixed: discount.value * quantity
        case .pointsToMoney: program.pointValue * cost
        default: nil
        }
    }

    /// When a redemption issued at `issuedAt` can first be used (nil = at once).
    public func activation(of reward: Reward, issuedAt: Date) -> Date? {
        reward.activeAfterDays.map { issuedAt.addingTimeInterval(Double($0) * 86_400) }
    }

    /// When a redemption issued at `issuedAt` stops being valid: `valid_days` after it became usable.
    public func expiry(of reward: Reward, issuedAt: Date) -> Date? {
        let start = activation(of: reward, issuedAt: issuedAt) ?? issuedAt
        return reward.validDays.map { start.addingTimeInterval(Double($0) * 86_400) }
    }
}
