import Foundation
import LaurelCore
import LaurelStore

/// A member's own code and shareable link, in their view.
struct MemberReferralView: Encodable {
    var code: String
    var link: String?
}

/// One friend in `GET /v1/members/{id}/referrals`.
struct ReferralView: Encodable {
    struct Grant: Encodable {
        var id: String
        var rewardRule: String
        var trigger: String
        var side: String
        var memberId: String
        var eventId: String?
        var points: Int
        var rewardId: String?
        var redemptionId: String?
        var rewardStatus: String?
        var availableAt: String
        var status: String
        var createdAt: String
        enum CodingKeys: String, CodingKey {
            case id, rewardRule = "reward_rule", trigger, side, memberId = "member_id", eventId = "event_id", points, rewardId = "reward_id"
            case redemptionId = "redemption_id", rewardStatus = "reward_status", availableAt = "available_at", status, createdAt = "created_at"
        }
    }
    var object = "referral"
    var friendId: String
    var friendName: String?
    var code: String
    var status: String
    var refusal: String?
    var refusalDetail: String?
    var enrolledAt: String
    var firstPurchaseAt: String?
    var grants: [Grant]

    enum CodingKeys: String, CodingKey {
        case object, friendId = "friend_id", friendName = "friend_name", code, status, refusal, refusalDetail = "refusal_detail"
        case enrolledAt = "enrolled_at", firstPurchaseAt = "first_purchase_at", grants
    }

    init(_ record: ReferralRecord) {
        friendId = record.friendId
        friendName = record.friendName
        code = record.code
        status = record.status.rawValue
        refusal = record.refusal
        refusalDetail = record.refusalDetail
        enrolledAt = Timestamps.format(record.enrolledAt)
        firstPurchaseAt = record.firstPurchaseAt.map(Timestamps.format)
        grants = record.grants.map {
            Grant(id: $0.id, rewardRule: $0.rewardId, trigger: $0.trigger, side: $0.side.rawValue, memberId: $0.memberId, eventId: $0.eventId,
                  points: $0.points, rewardId: $0.reward, redemptionId: $0.redemptionId, rewardStatus: $0.rewardStatus,
                  availableAt: Timestamps.format($0.availableAt), status: $0.status.rawValue, createdAt: Timestamps.format($0.createdAt))
        }
    }
}

/// A member's progress on one punch card.
struct PunchCardView: Encodable {
    var object = "punch_card"
    var cardId: String
    var name: String
    var stamps: Int
    var required: Int
    var remaining: Int
    var nextStampExpiresAt: String?
    var completions: Int
    var lastCompletedAt: String?

    enum CodingKeys: String, CodingKey {
        case object, cardId = "card_id", name, stamps, required, remaining, nextStampExpiresAt = "next_stamp_expires_at", completions
        case lastCompletedAt = "last_completed_at"
    }

    init(_ status: PunchCardStatus) {
        cardId = status.cardId
        name = status.name
        stamps = status.stamps
        required = status.required
        remaining = status.remaining
        nextStampExpiresAt = status.nextExpiry.map(Timestamps.format)
        completions = status.completions
        lastCompletedAt = status.lastCompletedAt.map(Timestamps.format)
    }

    /// The card's members in key order, for the member view's hand-written JSON.
    func write(to json: inout JSONTextWriter) {
        json.object { json in
            json.field("card_id", cardId)
            json.field("completions", completions)
            json.field("last_completed_at", lastCompletedAt)
            json.field("name", name)
            json.field("next_stamp_expires_at", nextStampExpiresAt)
            json.field("object", object)
            json.field("remaining", remaining)
            json.field("required", required)
            json.field("stamps", stamps)
        }
    }
}
