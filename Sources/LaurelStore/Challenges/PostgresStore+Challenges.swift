import Foundation
import LaurelCore
import Logging
import PostgresNIO

extension PostgresStore {
    public func challengeProgress(programId: String, memberId: String) async throws -> [String: ChallengeProgress] {
        try await read { connection in
            guard try await Self.fetchMember(connection, programId: programId, id: memberId, logger) != nil else {
                throw StoreError.notFound("member \(memberId)")
            }
            return try await Self.challengeProgress(connection, memberId: memberId, logger)
        }
    }

    public func memberBadges(programId: String, memberId: String) async throws -> [BadgeAwardRecord] {
        try await read { connection in
            guard try await Self.fetchMember(connection, programId: programId, id: memberId, logger) != nil else {
                throw StoreError.notFound("member \(memberId)")
            }
            return try await connection.rows("""
                SELECT badge_id, challenge_id, event_id, awarded_at FROM member_badges WHERE member_id = \(memberId) ORDER BY awarded_at, badge_id
                """, logger).map { row in
                BadgeAwardRecord(badgeId: try row.get("badge_id"), challengeId: try row.get("challenge_id"), eventId: try row.get("event_id"),
                                 awardedAt: try row.date("awarded_at"))
            }
        }
    }

    /// Under the member's row lock, like every write that reads their state.
    public func joinChallenge(programId: String, memberId: String, challengeId: String, now: Date,
                              idempotency: Idempotency<ChallengeJoinRecord>?) async throws -> Idempotent<ChallengeJoinRecord> {
        try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: programId, idempotency, now: now, logger) { return .replayed(replay) }
            let (_, processor) = try await currentVersion(connection, programId: programId)
            guard let member = try await Self.fetchMember(connection, programId: programId, id: memberId, lock: true, logger) else {
                throw StoreError.notFound("member \(memberId)")
            }
            guard let challenge = processor.program.challenge(challengeId) else { throw StoreError.notFound("challenge \(challengeId)") }
            guard member.status == .active else { throw StoreError.memberBlocked(memberId) }
            guard let evaluator = processor.challenges else { throw StoreError.notFound("challenge \(challengeId)") }
            let segments = challenge.segments.isEmpty ? [] : try await Self.materialisedSegments(connection, memberId: memberId, logger)
            let profile = member.profile(segments: segments)
            let existing = try await Self.challengeProgress(connection, memberId: memberId, ids: [challengeId], logger)[challengeId]
            let joined = try evaluator.join(challenge, progress: existing, member: profile, now: now).get()
            try await Self.saveProgress(connection, programId: programId, memberId: memberId, challengeId: challengeId, joined, now: now, logger)
            let record = ChallengeJoinRecord(memberId: memberId, challenge: challenge,
                                             standing: evaluator.standing(of: challenge, progress: joined, member: profile, now: now))
            return try await Self.remember(connection, programId: programId, idempotency, record, logger)
        }
    }

    /// The member's stored progress, of the challenges `ids` only (nil: all of them).
    static func challengeProgress(_ connection: PostgresConnection, memberId: String, ids: [String]? = nil, _ logger: Logger) async throws
        -> [String: ChallengeProgress] {
        var progress: [String: ChallengeProgress] = [:]
        var query: PostgresQuery = "SELECT challenge_id, state FROM member_challenges WHERE member_id = \(memberId)"
        if let ids { query = "SELECT challenge_id, state FROM member_challenges WHERE member_id = \(memberId) AND challenge_id = ANY(\(ids))" }
        for row in try await connection.rows(query, logger) {
            progress[try row.get("challenge_id", String.self)] = try ChallengeRows.decode(try row.get("state", String.self))
        }
        return progress
    }

    static func saveProgress(_ connection: PostgresConnection, programId: String, memberId: String, challengeId: String, _ progress: ChallengeProgress,
                             now: Date, _ logger: Logger) async throws {
        let state = try ChallengeRows.encode(progress)
        try await connection.query("""
            INSERT INTO member_challenges (member_id, challenge_id, program_id, state, updated_at)
            VALUES (\(memberId), \(challengeId), \(programId), \(state), \(now.millis))
            ON CONFLICT (member_id, challenge_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
            """, logger: logger)
    }

    /// Runs the program's challenges on a processed event (`ChallengeEvaluator.apply`), under the
    /// member's lock in the event's transaction: their points join the outcome's ledger before it is written.
    static func applyChallenges(_ connection: PostgresConnection, _ evaluator: ChallengeEvaluator?, event: LoyaltyEvent, member: MemberProfile,
                                outcome: inout EventOutcome, now: Date, _ logger: Logger) async throws -> ChallengeOutcome {
        guard let evaluator, case let challenges = evaluator.challenges(for: event), !challenges.isEmpty, outcome.status == .processed else {
            return ChallengeOutcome()
        }
        let progress = try await challengeProgress(connection, memberId: member.id, ids: challenges.map(\.id), logger)
        return try evaluator.apply(event, member: member, progress: progress, to: &outcome, now: now)
    }

    /// Writes what `applyChallenges` decided: the progress, badges not held yet, and the
    /// `challenge.completed` and `badge.awarded` messages.
    static func saveChallenges(_ connection: PostgresConnection, _ result: ChallengeOutcome, evaluator: ChallengeEvaluator?, programId: String,
                               memberId: String, event: LoyaltyEvent, gifts: [String: RecordedOutcome.Gift], now: Date, _ logger: Logger) async throws {
        guard let evaluator, !result.isEmpty else { return }
        for (challengeId, progress) in ChallengeRows.changed(result) {
            try await saveProgress(connection, programId: programId, memberId: memberId, challengeId: challengeId, progress, now: now, logger)
        }
        for completion in result.completions {
            let completions = result.changed[completion.challenge.id]?.completions ?? 1
            var messages = [OutboxMessages.challengeCompleted(completion, completions: completions, gift: gifts[completion.challenge.id], memberId: memberId, eventId: event.id,
                                                              zone: evaluator.zone, now: now)]
            if let badgeId = completion.challenge.badge, let badge = evaluator.program.badge(badgeId),
               try await connection.row("""
                   INSERT INTO member_badges (member_id, badge_id, program_id, challenge_id, event_id, awarded_at)
                   VALUES (\(memberId), \(badgeId), \(programId), \(completion.challenge.id), \(event.id), \(now.millis))
                   ON CONFLICT (member_id, badge_id) DO NOTHING RETURNING badge_id
                   """, logger) != nil {
                messages.append(OutboxMessages.badgeAwarded(badge, challengeId: completion.challenge.id, memberId: memberId, eventId: event.id, now: now))
            }
            try await emit(connection, programId: programId, memberId: memberId, messages, now: now, logger)
        }
    }
}
