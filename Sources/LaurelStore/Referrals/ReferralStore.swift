import Foundation
import LaurelCore

/// What referrals keep: each member's code (unique per program), who enrolled with whose code and
/// the screen's verdict, and every gift a referral gave. Linking happens in `createMember` (its
/// `referralCode`), gifts in the event write (`recordEvent`), both in their transaction.
public protocol ReferralStore: Sendable {
    /// The member's referral code, made (and kept) now when the member has none yet.
    func referralCode(programId: String, memberId: String) async throws -> String
    /// The friends who enrolled with the member's code, newest first, with their gifts: the first
    /// `ReferralRecord.listLimit`, and whether there are more.
    func referrals(programId: String, referrerId: String, now: Date) async throws -> Page<ReferralRecord>
}

/// One friend of a referrer, as `GET /v1/members/{id}/referrals` lists them.
public struct ReferralRecord: Hashable, Sendable {
    public enum Status: String, Sendable {
        case enrolled, purchased, rewarded, refused
    }
    public var friendId: String
    public var friendName: String?
    public var code: String
    public var status: Status
    public var refusal: String?
    /// For `shared_fingerprint`, the attribute the two share.
    public var refusalDetail: String?
    public var enrolledAt: Date
    public var firstPurchaseAt: Date?
    public var grants: [ReferralGrantRecord]

    public init(friendId: String, friendName: String?, code: String, status: Status, refusal: String?, refusalDetail: String?, enrolledAt: Date,
                firstPurchaseAt: Date?, grants: [ReferralGrantRecord]) {
        self.friendId = friendId
        self.friendName = friendName
        self.code = code
        self.status = status
        self.refusal = refusal
        self.refusalDetail = refusalDetail
        self.enrolledAt = enrolledAt
        self.firstPurchaseAt = firstPurchaseAt
        self.grants = grants
    }

    /// A referral's status from what is stored: refused; rewarded once a referrer's gift is given and
    /// past its return window; purchased once the friend bought; else enrolled.
    /// How many friends `ReferralStore.referrals` lists.
    public static let listLimit = 500

    static func status(refused: Bool, firstPurchaseAt: Date?, grants: [ReferralGrantRecord], now: Date) -> Status {
        if refused { return .refused }
        if grants.contains(where: { $0.side == .referrer && $0.status == .given && $0.availableAt <= now }) { return .rewarded }
        return firstPurchaseAt == nil ? .enrolled : .purchased
    }
}

/// A gift one referral gave one side.
public struct ReferralGrantRecord: Hashable, Sendable {
    public enum Status: String, Sendable {
        /// Given; its points are pending until `availableAt`.
        case given
        /// Taken back: the friend returned the purchase within its return window.
        case cancelled
    }
    public var id: String
    public var rewardId: String
    public var trigger: String
    public var side: ReferralSide
    public var memberId: String
    public var eventId: String?
    public var points: Int
    public var reward: String?
    public var redemptionId: String?
    public var rewardStatus: String?
    public var availableAt: Date
    public var status: Status
    public var createdAt: Date

    public init(id: String, rewardId: String, trigger: String, side: ReferralSide, memberId: String, eventId: String?, points: Int, reward: String?,
                redemptionId: String?, rewardStatus: String?, availableAt: Date, status: Status, createdAt: Date) {
        self.id = id
        self.rewardId = rewardId
        self.trigger = trigger
        self.side = side
        self.memberId = memberId
        self.eventId = eventId
        self.points = points
        self.reward = reward
        self.redemptionId = redemptionId
        self.rewardStatus = rewardStatus
        self.availableAt = availableAt
        self.status = status
        self.createdAt = createdAt
    }
}
