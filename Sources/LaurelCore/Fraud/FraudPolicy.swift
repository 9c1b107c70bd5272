import Foundation

/// A program's fraud controls (`fraud:` in the program file): velocity caps on earning and on
/// redeeming, single-event thresholds that hold an event for review, and whether a return that
/// takes back points already spent is flagged. A program without one pays nothing for it.
public struct FraudPolicy: Hashable, Sendable {
    /// Caps on what events may credit in a window. A trip holds the event for review.
    public var earningCaps: [VelocityCap]
    /// Caps on redemptions in a window. A trip refuses the redemption (422).
    public var redemptionCaps: [VelocityCap]
    /// One event above these is held for review.
    public var hold: HoldThresholds
    /// Whether a return whose points were already spent writes a `fraud.flagged` message.
    public var flagRefundAfterRedeem: Bool

    public init(earningCaps: [VelocityCap] = [], redemptionCaps: [VelocityCap] = [], hold: HoldThresholds = HoldThresholds(),
                flagRefundAfterRedeem: Bool = true) {
        self.earningCaps = earningCaps
        self.redemptionCaps = redemptionCaps
        self.hold = hold
        self.flagRefundAfterRedeem = flagRefundAfterRedeem
    }

    /// At most this many caps per list: each is one indexed read per event it applies to.
    public static let maxCaps = 20
}

/// Whose activity a cap counts.
public enum FraudDimension: String, Hashable, Sendable, CaseIterable {
    /// The member the event or redemption is for.
    case member
    /// The event's `store` (events without one are not counted by a store cap).
    case store
    /// The API key that sent the event or redemption.
    case apiKey = "api_key"
}

/// A window that counts recent activity, ending at the moment of the write (the server's clock,
/// not `occurred_at`, which the caller controls).
public struct FraudWindow: Hashable, Sendable {
    public enum Period: String, Sendable, CaseIterable { case hour, day, week }
    public enum Kind: String, Sendable, CaseIterable {
        /// The clock hour, calendar day or ISO week containing now, in the program's time zone.
        case calendar
        /// The hour, 24 hours or 7 days ending now.
        case rolling
    }
    public var period: Period
    public var kind: Kind
    public init(period: Period, kind: Kind = .calendar) {
        self.period = period
        self.kind = kind
    }

    /// The first instant of the window containing `now`.
    public func start(at now: Date, calendar: Calendar) -> Date {
        switch (period, kind) {
        case (.hour, .rolling): return now.addingTimeInterval(-3_600)
        case (.day, .rolling): return now.addingTimeInterval(-86_400)
        case (.week, .rolling): return now.addingTimeInterval(-7 * 86_400)
        case (.hour, .calendar):
            // By arithmetic on the zone's offset (Calendar's own interval costs more than the event's
            // SQL); zones are offset from UTC by whole quarter hours.
            let offset = Double(calendar.timeZone.secondsFromGMT(for: now))
            return Date(timeIntervalSince1970: ((now.timeIntervalSince1970 + offset) / 3_600).rounded(.down) * 3_600 - offset)
        case (.day, .calendar): return RuleLimit(maxTimes: 1, period: .day).interval(containing: now, calendar: calendar).from ?? now
        case (.week, .calendar): return RuleLimit(maxTimes: 1, period: .week).interval(containing: now, calendar: calendar).from ?? now
        }
    }

    /// `hour`, `rolling day`…: how a trip names it.
    public var name: String { kind == .calendar ? period.rawValue : "rolling \(period.rawValue)" }
}

/// A velocity cap: at most `maxCount` events (or redemptions), `maxPoints` points and `maxAmount`
/// money per subject (`per`) in the window. What trips it is the one that would go past a limit.
public struct VelocityCap: Hashable, Sendable {
    /// Unique among the program's caps; what counted activity is stored under, so keep it when
    /// editing a cap to keep its counts.
    public var id: String
    public var per: FraudDimension
    public var window: FraudWindow
    public var maxCount: Int?
    public var maxPoints: Int?
    /// Purchases' money (earning caps only).
    public var maxAmount: Amount?
    /// The event types it counts (earning caps only); nil counts every type but `return`.
    public var eventTypes: Set<String>?

    public init(id: String, per: FraudDimension, window: FraudWindow, maxCount: Int? = nil, maxPoints: Int? = nil, maxAmount: Amount? = nil,
                eventTypes: Set<String>? = nil) {
        self.id = id
        self.per = per
        self.window = window
        self.maxCount = maxCount
        self.maxPoints = maxPoints
        self.maxAmount = maxAmount
        self.eventTypes = eventTypes
    }

    /// Whether the cap counts events of this type.
    public func counts(_ type: String) -> Bool {
        if let eventTypes { return eventTypes.contains(type) }
        return type != LoyaltyEvent.returnType
    }
}

/// One event above either of these is held for review instead of credited.
public struct HoldThresholds: Hashable, Sendable {
    /// A purchase whose total is above this.
    public var amountOver: Amount?
    /// An event that would earn more points than this.
    public var pointsOver: Int?
    public init(amountOver: Amount? = nil, pointsOver: Int? = nil) {
        self.amountOver = amountOver
        self.pointsOver = pointsOver
    }
}
