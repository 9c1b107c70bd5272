import Foundation
import LaurelCore

extension OutboxMessages {
    /// `referral.converted`: the friend's first purchase, to the referrer's name, with the gifts it gave
    /// either side (points pending until `available_at`). Keys in sorted order, like every message.
    static func referralConverted(referrerId: String, friendId: String, eventId: String, grants: [ReferralGrantRecord], now: Date) -> PendingMessage {
        message(MessageType.referralConverted, now: now) { json in
            json.field("event_id", eventId)
            json.field("friend_id", friendId)
            json.array("grants", grants) { json, grant in
                json.object { json in
                    json.field("available_at", Timestamps.format(grant.availableAt))
                    json.field("member_id", grant.memberId)
                    json.field("points", grant.points)
                    json.fieldOrNull("redemption_id", grant.redemptionId)
                    json.fieldOrNull("reward_id", grant.reward)
                    json.field("reward_rule", grant.rewardId)
                    json.field("side", grant.side.rawValue)
                    json.field("trigger", grant.trigger)
                }
            }
            json.field("referrer_id", referrerId)
        }
    }

    /// `punch_card.completed`: which card, by which purchase, and what it gave.
    static func punchCardCompleted(memberId: String, card: PunchCard, completionId: String, eventId: String, points: Int,
                                   gift: RecordedOutcome.Gift?, now: Date) -> PendingMessage {
        message(MessageType.punchCardCompleted, now: now) { json in
            json.field("card_id", card.id)
            json.field("completion_id", completionId)
            json.field("event_id", eventId)
            json.field("member_id", memberId)
            json.field("name", card.name)
            json.field("points", points)
            json.fieldOrNull("redemption_id", gift?.redemptionId)
            json.fieldOrNull("reward_id", gift?.rewardId)
            json.fieldOrNull("reward_status", gift?.status)
            json.field("stamps", card.stamps)
        }
    }
}
