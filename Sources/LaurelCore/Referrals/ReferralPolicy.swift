import Foundation

/// A program's referrals (`referrals:` in the program file): the link a member shares, which member
/// attributes are fingerprints (a shared one refuses a referral), how many friends one referrer may
/// bring per period, and what the referrer and the friend get, and when.
public struct ReferralPolicy: Hashable, Sendable {
    /// The link a member shares; `{code}` is replaced by their referral code. Nil shows no link.
    public var link: String?
    /// Member attributes the brand fills with fingerprints (a device id, a payment-card hash): a
    /// friend sharing one with their referrer is refused.
    public var fingerprints: [String]
    /// At most this many accepted referrals per referrer per period.
    public var cap: ReferralCap?
    /// Days points given for a friend's purchase stay pending (the return window); nil uses the
    /// program's `points.pending_days`.
    public var pendingDays: Int?
    public var rewards: [ReferralReward]

    public init(link: String? = nil, fingerprints: [String] = [], cap: ReferralCap? = nil, pendingDays: Int? = nil, rewards: [ReferralReward] = []) {
        self.link = link
        self.fingerprints = fingerprints
        self.cap = cap
        self.pendingDays = pendingDays
        self.rewards = rewards
    }

    /// The member's shareable link, or nil when the program sets none.
    public func link(for code: String) -> String? {
        link?.replacingOccurrences(of: ReferralPolicy.codePlaceholder, with: code)
    }

    public static let codePlaceholder = "{code}"
    public static let maxRewards = 20
    public static let maxFingerprints = 10
}

/// At most `maxReferrals` accepted referrals per referrer in the period containing the friend's enrolment.
public struct ReferralCap: Hashable, Sendable {
    public var maxReferrals: Int
    public var period: RuleLimit.Period
    public var window: RuleLimit.Window
    public init(maxReferrals: Int, period: RuleLimit.Period, window: RuleLimit.Window = .calendar) {
        self.maxReferrals = maxReferrals
        self.period = period
        self.window = window
    }

    /// The first instant whose referrals count against the cap for an enrolment at `date` (nil: ever).
    public func start(at date: Date, calendar: Calendar) -> Date? {
        RuleLimit(maxTimes: maxReferrals, period: period, window: window).interval(containing: date, calendar: calendar).from
    }
}

/// When a referral reward is given.
public enum ReferralTrigger: Hashable, Sendable {
    /// The friend enrolled with the code.
    case enrolled
    /// The friend's first purchase of at least `minAmount` (once).
    case firstPurchase(minAmount: Amount?)
    /// Each of the friend's purchases (of at least `minAmount`) within `days` of enrolling, at most `maxTimes`.
    case purchases(days: Int, maxTimes: Int?, minAmount: Amount?)

    public var name: String {
        switch self {
        case .enrolled: "enrolled"
        case .firstPurchase: "first_purchase"
        case .purchases: "purchase"
        }
    }
}

/// What one side of a referral gets: points, a catalogue reward, or both.
public struct ReferralGift: Hashable, Sendable {
    public var points: Int?
    /// A reward of the catalogue, issued without spending points.
    public var reward: String?
    public init(points: Int? = nil, reward: String? = nil) {
        self.points = points
        self.reward = reward
    }
}

/// One reward of the policy: on `trigger`, the referrer, the friend or both get their gift.
public struct ReferralReward: Hashable, Sendable {
    /// Unique in the policy; what given rewards are stored under (keep it when editing).
    public var id: String
    public var trigger: ReferralTrigger
    public var referrer: ReferralGift?
    public var friend: ReferralGift?
    public init(id: String, trigger: ReferralTrigger, referrer: ReferralGift? = nil, friend: ReferralGift? = nil) {
        self.id = id
        self.trigger = trigger
        self.referrer = referrer
        self.friend = friend
    }
}

/// Who a referral grant is for.
public enum ReferralSide: String, Hashable, Sendable, CaseIterable {
    case referrer, friend
}
