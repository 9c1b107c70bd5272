import Foundation
import LaurelCore

/// A badge a member holds: what gave it and when. Members keep their badges.
public struct BadgeAwardRecord: Hashable, Sendable {
    public var badgeId: String
    public var challengeId: String?
    public var eventId: String?
    public var awardedAt: Date
    public init(badgeId: String, challengeId: String?, eventId: String?, awardedAt: Date) {
        self.badgeId = badgeId
        self.challengeId = challengeId
        self.eventId = eventId
        self.awardedAt = awardedAt
    }
}

/// A member's place in one challenge after joining it (the answer to `POST …/join`).
public struct ChallengeJoinRecord: Hashable, Sendable {
    public var memberId: String
    public var challenge: ChallengeDefinition
    public var standing: ChallengeStanding
    public init(memberId: String, challenge: ChallengeDefinition, standing: ChallengeStanding) {
        self.memberId = memberId
        self.challenge = challenge
        self.standing = standing
    }
}

/// Challenge progress and badges as the stores keep them (`member_challenges`, `member_badges`).
/// Events move the progress in their own transaction (`ChallengeEvaluator.apply`, called where
/// each backend records an event); these are the reads and the opt-in join.
public protocol ChallengeStore: Sendable {
    /// The member's stored progress, by challenge id (challenges never touched are absent).
    /// Throws `StoreError.notFound` for an unknown member.
    func challengeProgress(programId: String, memberId: String) async throws -> [String: ChallengeProgress]
    /// The member's badges, oldest first. Throws `StoreError.notFound` for an unknown member.
    func memberBadges(programId: String, memberId: String) async throws -> [BadgeAwardRecord]
    /// Joins an opt-in challenge of the current version at `now`; throws `StoreError.notFound` for an
    /// unknown member or challenge and `ChallengeJoinRefusal` when the member cannot join (nothing written).
    func joinChallenge(programId: String, memberId: String, challengeId: String, now: Date,
                       idempotency: Idempotency<ChallengeJoinRecord>?) async throws -> Idempotent<ChallengeJoinRecord>
}

/// What both backends write the same way for an event's challenges.
enum ChallengeRows {
    static func encode(_ progress: ChallengeProgress) throws -> String { try JSONText.encode(progress) }
    static func decode(_ text: String) throws -> ChallengeProgress { try JSONText.decode(ChallengeProgress.self, text) }

    /// Progress rows to write, in challenge id order (a stable order of writes).
    static func changed(_ outcome: ChallengeOutcome) -> [(challengeId: String, progress: ChallengeProgress)] {
        outcome.changed.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The gift each completed challenge gave, by challenge id: `settleGifts` issues one per result
    /// with a gift, in the order of the results, after the cancelled gifts of a returned purchase.
    static func gifts(_ outcome: EventOutcome, _ gifts: [RecordedOutcome.Gift]?) -> [String: RecordedOutcome.Gift] {
        let giving = outcome.rules.filter { $0.gift != nil }
        let issued = (gifts ?? []).suffix(giving.count)
        var byChallenge: [String: RecordedOutcome.Gift] = [:]
        for (rule, gift) in zip(giving, issued) where rule.ruleId.hasPrefix("challenge:") {
            byChallenge[String(rule.ruleId.dropFirst("challenge:".count))] = gift
        }
        return byChallenge
    }
}

extension OutboxMessages {
    /// `challenge.completed`: which challenge, by whom, on which event, and what it gave (the reward's
    /// redemption and status, like `punch_card.completed`).
    static func challengeCompleted(_ completion: ChallengeCompletion, completions: Int, gift: RecordedOutcome.Gift?, memberId: String, eventId: String,
                                   zone: TimeZone, now: Date) -> PendingMessage {
        let challenge = completion.challenge
        return message(MessageType.challengeCompleted, now: now) { json in
            json.fieldOrNull("badge_id", challenge.badge)
            json.field("challenge_id", challenge.id)
            json.field("challenge_name", challenge.name)
            json.field("completed_at", Timestamps.format(completion.completedAt))
            json.field("completions", completions)
            json.field("event_id", eventId)
            json.field("member_id", memberId)
            json.fieldOrNull("period_ends_at", completion.period.flatMap { period in challenge.repeats.map { Timestamps.format($0.end(of: period, in: zone)) } })
            json.field("points", challenge.points ?? 0)
            json.fieldOrNull("redemption_id", gift?.redemptionId)
            json.fieldOrNull("reward_id", challenge.reward)
            json.fieldOrNull("reward_status", gift?.status)
        }
    }

    /// `badge.awarded`: sent once per member and badge, when they first get it.
    static func badgeAwarded(_ badge: BadgeDefinition, challengeId: String, memberId: String, eventId: String, now: Date) -> PendingMessage {
        message(MessageType.badgeAwarded, now: now) { json in
            json.field("awarded_at", Timestamps.format(now))
            json.field("badge_id", badge.id)
            json.field("badge_name", badge.name)
            json.field("challenge_id", challengeId)
            json.field("event_id", eventId)
            json.field("image_url", badge.imageURL)
            json.field("member_id", memberId)
        }
    }
}
