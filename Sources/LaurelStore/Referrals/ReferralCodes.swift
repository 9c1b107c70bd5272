import Foundation
import LaurelCore

/// What both backends share about referral codes and gifts.
enum ReferralCodes {
    /// Candidates tried before giving up (a program would need billions of members to use them up).
    static let attempts = 64

    struct Exhausted: Error, CustomStringConvertible {
        let memberId: String
        var description: String { "no free referral code for member \(memberId) after \(ReferralCodes.attempts) candidates" }
    }

    static func exhausted(_ memberId: String) -> Exhausted { Exhausted(memberId: memberId) }

    /// The ledger entry's reason for a referral gift: which reward, on what, for which friend.
    static func reason(_ grant: ReferralGrant, friendId: String, eventId: String?) -> String {
        "referral \(grant.rewardId) (\(grant.trigger)) for friend \(friendId)" + (eventId.map { ", purchase \($0)" } ?? "")
    }
}

extension MemberRecord {
    /// The member as the referral screen compares them.
    var referralParty: ReferralParty {
        ReferralParty(memberId: id, email: email, attributes: attributes, blocked: status != .active)
    }
}
