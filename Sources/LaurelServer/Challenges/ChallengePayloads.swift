import Foundation
import LaurelCore
import LaurelStore

/// One challenge with the member's progress ("2 of 3 reviews, 9 days left"), as
/// `GET /v1/members/{id}/challenges` and the join answer show it.
/// Every key is written; absent values as null (`Nullable`), so clients see the same shape for each challenge.
struct MemberChallengeView: Encodable {
    var object = "member_challenge"
    var challengeId: String
    var memberId: String
    var name: String
    var names: [String: String]
    var description: Nullable<String>
    var measure: String
    var event: String
    var repeats: Nullable<String>
    var optIn: Bool
    var status: String
    var progress: Int
    var target: Int
    var endsAt: Nullable<String>
    var joinedAt: Nullable<String>
    var completedAt: Nullable<String>
    var completions: Int
    var points: Nullable<Int>
    var rewardId: Nullable<String>
    var badgeId: Nullable<String>

    enum CodingKeys: String, CodingKey {
        case object, challengeId = "challenge_id", memberId = "member_id", name, names, description, measure, event, repeats = "repeat"
        case optIn = "opt_in", status, progress, target, endsAt = "ends_at", joinedAt = "joined_at", completedAt = "completed_at", completions
        case points, rewardId = "reward_id", badgeId = "badge_id"
    }

    init(memberId: String, challenge: ChallengeDefinition, standing: ChallengeStanding) {
        self.memberId = memberId
        challengeId = challenge.id
        name = challenge.name
        names = challenge.names.texts
        description = Nullable(challenge.description)
        measure = challenge.measure.name
        event = challenge.event
        repeats = Nullable(challenge.repeats?.rawValue)
        optIn = challenge.optIn
        status = standing.status.rawValue
        progress = min(standing.progress, standing.target)
        target = standing.target
        endsAt = Nullable(standing.endsAt.map(Timestamps.format))
        joinedAt = Nullable(standing.joinedAt.map(Timestamps.format))
        completedAt = Nullable(standing.completedAt.map(Timestamps.format))
        completions = standing.completions
        points = Nullable(challenge.points)
        rewardId = Nullable(challenge.reward)
        badgeId = Nullable(challenge.badge)
    }

    init(_ record: ChallengeJoinRecord) {
        self.init(memberId: record.memberId, challenge: record.challenge, standing: record.standing)
    }
}

/// A badge the member holds, with its definition from the current program version (a badge the
/// program no longer defines keeps its id, with its name as the id and no image).
struct MemberBadgeView: Encodable {
    var object = "member_badge"
    var badgeId: String
    var name: String
    var names: [String: String]
    var description: Nullable<String>
    var imageURL: Nullable<String>
    var challengeId: Nullable<String>
    /// The event that completed the challenge.
    var eventId: Nullable<String>
    var awardedAt: String

    enum CodingKeys: String, CodingKey {
        case object, badgeId = "badge_id", name, names, description, imageURL = "image_url", challengeId = "challenge_id", eventId = "event_id",
             awardedAt = "awarded_at"
    }

    init(_ award: BadgeAwardRecord, badge: BadgeDefinition?) {
        badgeId = award.badgeId
        name = badge?.name ?? award.badgeId
        names = badge?.names.texts ?? [:]
        description = Nullable(badge?.description)
        imageURL = Nullable(badge?.imageURL)
        challengeId = Nullable(award.challengeId)
        eventId = Nullable(award.eventId)
        awardedAt = Timestamps.format(award.awardedAt)
    }
}
