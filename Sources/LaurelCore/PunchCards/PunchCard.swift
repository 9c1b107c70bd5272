import Foundation

/// A punch card (`punch_cards:` in the program file): every `stamps` qualifying purchases earn
/// points and/or a reward ("every 10th coffee free"), then the card starts again. Stamps may expire
/// `stampExpiryDays` after their purchase; a return removes its purchase's stamp.
public struct PunchCard: Hashable, Sendable {
    /// What a return does to a card its purchase helped complete.
    public enum OnReturn: String, Hashable, Sendable, CaseIterable {
        /// Take back the completion's points and reward if they are not used yet; its other stamps
        /// go back on the card.
        case revoke
        /// The member keeps what the card gave; only the stamp goes.
        case keep
    }

    public var id: String
    public var name: String
    /// Stamps that complete the card.
    public var stamps: Int
    /// Lines a purchase must contain one of (nil: any purchase).
    public var products: LineFilter?
    /// A purchase's total must be at least this.
    public var minAmount: Amount?
    /// Days a stamp lasts; nil: stamps never expire.
    public var stampExpiryDays: Int?
    public var points: Int?
    /// A catalogue reward issued without spending points.
    public var reward: String?
    public var onReturn: OnReturn

    public init(id: String, name: String, stamps: Int, products: LineFilter? = nil, minAmount: Amount? = nil, stampExpiryDays: Int? = nil,
                points: Int? = nil, reward: String? = nil, onReturn: OnReturn = .revoke) {
        self.id = id
        self.name = name
        self.stamps = stamps
        self.products = products
        self.minAmount = minAmount
        self.stampExpiryDays = stampExpiryDays
        self.points = points
        self.reward = reward
        self.onReturn = onReturn
    }

    public static let maxPerProgram = 50
    public static let maxStamps = 1_000

    /// Whether a purchase earns a stamp: at least `minAmount`, with a line `products` selects.
    public func qualifies(_ purchase: Purchase) -> Bool {
        if let minAmount, purchase.total < minAmount { return false }
        if let products { return purchase.lines.contains(where: products.matches) }
        return true
    }

    /// When a stamp given for a purchase at `stampedAt` expires; nil: never.
    public func expiry(stampedAt: Date) -> Date? {
        stampExpiryDays.map { stampedAt.addingTimeInterval(Double($0) * 86_400) }
    }
}

/// One stamp on a member's card.
public struct PunchStamp: Hashable, Sendable {
    public var id: String
    public var stampedAt: Date
    public var expiresAt: Date?
    public init(id: String, stampedAt: Date, expiresAt: Date?) {
        self.id = id
        self.stampedAt = stampedAt
        self.expiresAt = expiresAt
    }

    public func isLive(at now: Date) -> Bool { expiresAt.map { $0 > now } ?? true }
}

/// A member's progress on one card: the live stamps not yet spent on a completion.
public struct PunchCardProgress: Hashable, Sendable {
    public var card: PunchCard
    /// Live stamps, oldest first.
    public var stamps: [PunchStamp]

    /// `open` are the member's stamps not spent on a completion; expired ones are dropped as of `now`.
    public init(card: PunchCard, open: [PunchStamp], now: Date) {
        self.card = card
        self.stamps = open.filter { $0.isLive(at: now) }.sorted { ($0.stampedAt, $0.id) < ($1.stampedAt, $1.id) }
    }

    public var count: Int { stamps.count }
    /// When the next stamp expires, if one does.
    public var nextExpiry: Date? { stamps.compactMap(\.expiresAt).min() }

    /// Adds a stamp. When it fills the card, returns the stamps the completion spends (the oldest
    /// `card.stamps`), which leave the card; otherwise nil.
    public mutating func add(_ stamp: PunchStamp) -> [PunchStamp]? {
        stamps.append(stamp)
        guard stamps.count >= card.stamps else { return nil }
        let spent = Array(stamps.prefix(card.stamps))
        stamps.removeFirst(card.stamps)
        return spent
    }
}

/// What a return does to the stamp its purchase earned: the stamp always goes. When it was spent on a
/// completion, the member's oldest open stamp on the card takes its place if they have one (the card
/// was still earned); otherwise, under `on_return: revoke`, the completion is revoked — its points
/// taken back if none of them were spent yet, its reward cancelled if still unused, and its other
/// stamps put back on the card.
public struct PunchCardReturnPlan: Hashable, Sendable {
    /// Move the oldest open stamp into the completion in place of the returned one.
    public var substitute: Bool
    public var revokeCompletion: Bool
    /// Points to take back (0: none, or the member already used them).
    public var takeBackPoints: Int
    public var cancelReward: Bool

    public init(substitute: Bool = false, revokeCompletion: Bool, takeBackPoints: Int, cancelReward: Bool) {
        self.substitute = substitute
        self.revokeCompletion = revokeCompletion
        self.takeBackPoints = takeBackPoints
        self.cancelReward = cancelReward
    }

    /// `card` is nil when the program no longer has it (what it gave is kept). `openStamps` counts the
    /// member's live stamps on the card not spent on a completion; `pointsLeft` is what the completion's
    /// lot still holds; `rewardUnused` whether its reward is still issued, not used.
    public static func plan(card: PunchCard?, openStamps: Int, completionPoints: Int, pointsLeft: Int, rewardUnused: Bool) -> PunchCardReturnPlan {
        guard let card else { return PunchCardReturnPlan(revokeCompletion: false, takeBackPoints: 0, cancelReward: false) }
        if openStamps > 0 { return PunchCardReturnPlan(substitute: true, revokeCompletion: false, takeBackPoints: 0, cancelReward: false) }
        guard card.onReturn == .revoke else { return PunchCardReturnPlan(revokeCompletion: false, takeBackPoints: 0, cancelReward: false) }
        let unused = completionPoints > 0 && pointsLeft >= completionPoints
        return PunchCardReturnPlan(revokeCompletion: true, takeBackPoints: unused ? completionPoints : 0, cancelReward: rewardUnused)
    }
}
