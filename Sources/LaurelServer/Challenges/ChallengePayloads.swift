import Foundation
import LaurelCore
import LaurelStore

/// One challenge with the member's progress ("2 of 3 reviews, 9 days left"), as
/// `GET /v1/members/{id}/challenges` and the join answer show it.
struct MemberChallengeView: Encodable {
    var object = "member_challenge"
    var challengeId: String
    var memberId: String
    var name: String
    var names: [String: String]
    var description: String?
    var measure: String
    var event: String
    var repeats: String?
    var optIn: Bool
    var status: String
    var progress: Int
    var target: Int
    var endsAt: String?
    var joinedAt: String?
    var completedAt: String?
    var completions: Int
    var points: Int?
    var rewardId: String?
    var badgeId: String?

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
        description = challenge.description
        switch challenge.measure {
        case .count: measure = "count"
        case .distinct: measure = "distinct"
        case .sum: measure = "sum"
        case .streak: measure = "streak"
        }
        event = challenge.event
        repeats = challenge.repeats?.rawValue
        optIn = challenge.optIn
        status = standing.status.rawValue
        progress = min(standing.progress, standing.target)
        target = standing.target
        endsAt = standing.endsAt.map(Timestamps.format)
        joinedAt = standing.joinedAt.map(Timestamps.format)
        completedAt = standing.completedAt.map(Timestamps.format)
        completions = standing.completions
        points = challenge.points
        rewardId = challenge.reward
        badgeId = challenge.badge
    }

    init(_ record: ChallengeJoinRecord) {
        self.init(memberId: record.memberId, challenge: record.challenge, standing: record.standing)
    }

    /// Every key is written; absent values as null, so clients see the same shape for each challenge.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(object, forKey: .object)
        try container.encode(challengeId, forKey: .challengeId)
        try container.encode(memberId, forKey: .memberId)
        try container.encode(name, forKey: .name)
        try container.encode(names, forKey: .names)
        try container.encode(description, forKey: .description)
        try container.encode(measure, forKey: .measure)
        try container.encode(event, forKey: .event)
        try container.encode(repeats, forKey: .repeats)
        try container.encode(optIn, forKey: .optIn)
        try container.encode(status, forKey: .status)
        try container.encode(progress, forKey: .progress)
        try container.encode(target, forKey: .target)
        try container.encode(endsAt, forKey: .endsAt)
        try container.encode(joinedAt, forKey: .joinedAt)
        try container.encode(completedAt, forKey: .completedAt)
        try container.encode(completions, forKey: .completions)
        try container.encode(points, forKey: .points)
        try container.encode(rewardId, forKey: .rewardId)
        try container.encode(badgeId, forKey: .badgeId)
    }
}

/// A badge the member holds, with its definition from the current program version (a badge the
/// program no longer defines keeps its id, with its name as the id and no image).
struct MemberBadgeView: Encodable {
    var object = "member_badge"
    var badgeId: String
    var name: String
    var names: [String: String]
    var description: String?
    var imageURL: String?
    var challengeId: String?
    var awardedAt: String

    enum CodingKeys: String, CodingKey {
        case object, badgeId = "badge_id", name, names, description, imageURL = "image_url", challengeId = "challenge_id", awardedAt = "awarded_at"
    }

    init(_ award: BadgeAwardRecord, badge: BadgeDefinition?) {
        badgeId = award.badgeId
        name = badge?.name ?? award.badgeId
        names = badge?.names.texts ?? [:]
        description = badge?.description
        imageURL = badge?.imageURL
        challengeId = award.challengeId
        awardedAt = Timestamps.format(award.awardedAt)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(object, forKey: .object)
        try container.encode(badgeId, forKey: .badgeId)
        try container.encode(name, forKey: .name)
        try container.encode(names, forKey: .names)
        try container.encode(description, forKey: .description)
        try container.encode(imageURL, forKey: .imageURL)
        try container.encode(challengeId, forKey: .challengeId)
        try container.encode(awardedAt, forKey: .awardedAt)
    }
}
