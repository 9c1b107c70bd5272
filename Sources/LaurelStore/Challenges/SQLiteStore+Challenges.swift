import Foundation
import GRDB
import LaurelCore

extension SQLiteStore {
    public func challengeProgress(programId: String, memberId: String) async throws -> [String: ChallengeProgress] {
        try await read { db in
            guard try Self.fetchMember(db, programId: programId, id: memberId) != nil else { throw StoreError.notFound("member \(memberId)") }
            return try Self.challengeProgress(db, memberId: memberId)
        }
    }

    public func memberBadges(programId: String, memberId: String) async throws -> [BadgeAwardRecord] {
        try await read { db in
            guard try Self.fetchMember(db, programId: programId, id: memberId) != nil else { throw StoreError.notFound("member \(memberId)") }
            return try db.rows("""
                SELECT badge_id, challenge_id, event_id, awarded_at FROM member_badges WHERE member_id = ? ORDER BY awarded_at, badge_id
                """, [memberId]) { row in
                BadgeAwardRecord(badgeId: row["badge_id"], challengeId: row["challenge_id"], eventId: row["event_id"],
                                 awardedAt: Date(millis: row["awarded_at"]))
            }
        }
    }

    public func joinChallenge(programId: String, memberId: String, challengeId: String, now: Date,
                              idempotency: Idempotency<ChallengeJoinRecord>?) async throws -> Idempotent<ChallengeJoinRecord> {
        let cache = programs
        return try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: programId, idempotency) { return .replayed(replay) }
            let (_, processor) = try Self.currentVersion(db, cache: cache, programId: programId)
            guard let member = try Self.fetchMember(db, programId: programId, id: memberId) else { throw StoreError.notFound("member \(memberId)") }
            guard let challenge = processor.program.challenge(challengeId) else { throw StoreError.notFound("challenge \(challengeId)") }
            guard member.status == .active else { throw StoreError.memberBlocked(memberId) }
            guard let evaluator = processor.challenges else { throw StoreError.notFound("challenge \(challengeId)") }
            let profile = member.profile(segments: challenge.segments.isEmpty ? [] : try Self.materialisedSegments(db, memberId: memberId))
            let existing = try Self.challengeProgress(db, memberId: memberId, ids: [challengeId])[challengeId]
            let joined = try evaluator.join(challenge, progress: existing, member: profile, now: now).get()
            try Self.saveProgress(db, programId: programId, memberId: memberId, challengeId: challengeId, joined, now: now)
            let record = ChallengeJoinRecord(memberId: memberId, challenge: challenge,
                                             standing: evaluator.standing(of: challenge, progress: joined, member: profile, now: now))
            return try Self.remember(db, programId: programId, idempotency, record, now: now)
        }
    }

    /// The member's stored progress, of the challenges `ids` only (nil: all of them).
    static func challengeProgress(_ db: Database, memberId: String, ids: [String]? = nil) throws -> [String: ChallengeProgress] {
        var progress: [String: ChallengeProgress] = [:]
        var sql = "SELECT challenge_id, state FROM member_challenges WHERE member_id = ?"
        var arguments: StatementArguments = [memberId]
        if let ids {
            sql += " AND challenge_id IN (SELECT value FROM json_each(?))"
            arguments += [try JSONText.encode(ids)]
        }
        for row in try db.rows(sql, arguments) {
            progress[row["challenge_id"]] = try ChallengeRows.decode(row["state"])
        }
        return progress
    }

    static func saveProgress(_ db: Database, programId: String, memberId: String, challengeId: String, _ progress: ChallengeProgress, now: Date) throws {
        try db.run("""
            INSERT INTO member_challenges (member_id, challenge_id, program_id, state, updated_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (member_id, challenge_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
            """, [memberId, challengeId, programId, try ChallengeRows.encode(progress), now.millis])
    }

    /// Runs the program's challenges on a processed event (`ChallengeEvaluator.apply`), in the
    /// event's transaction: their points join the outcome's ledger before it is written.
    static func applyChallenges(_ db: Database, _ evaluator: ChallengeEvaluator?, event: LoyaltyEvent, member: MemberProfile,
                                outcome: inout EventOutcome, now: Date) throws -> ChallengeOutcome {
        guard let evaluator, case let challenges = evaluator.challenges(for: event), !challenges.isEmpty, outcome.status == .processed else {
            return ChallengeOutcome()
        }
        let progress = try challengeProgress(db, memberId: member.id, ids: challenges.map(\.id))
        return try evaluator.apply(event, member: member, progress: progress, to: &outcome, now: now)
    }

    /// Writes what `applyChallenges` decided: the progress, badges not held yet, and the
    /// `challenge.completed` and `badge.awarded` messages.
    static func saveChallenges(_ db: Database, _ result: ChallengeOutcome, evaluator: ChallengeEvaluator?, programId: String, memberId: String,
                               event: LoyaltyEvent, gifts: [String: RecordedOutcome.Gift], now: Date) throws {
        guard let evaluator, !result.isEmpty else { return }
        for (challengeId, progress) in ChallengeRows.changed(result) {
            try saveProgress(db, programId: programId, memberId: memberId, challengeId: challengeId, progress, now: now)
        }
        for completion in result.completions {
            let completions = result.changed[completion.challenge.id]?.completions ?? 1
            var messages = [OutboxMessages.challengeCompleted(completion, completions: completions, gift: gifts[completion.challenge.id], memberId: memberId, eventId: event.id,
                                                              zone: evaluator.zone, now: now)]
            if let badgeId = completion.challenge.badge, let badge = evaluator.program.badge(badgeId),
               try db.row("""
                   INSERT INTO member_badges (member_id, badge_id, program_id, challenge_id, event_id, awarded_at) VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT (member_id, badge_id) DO NOTHING RETURNING badge_id
                   """, [memberId, badgeId, programId, completion.challenge.id, event.id, now.millis]) != nil {
                messages.append(OutboxMessages.badgeAwarded(badge, challengeId: completion.challenge.id, memberId: memberId, eventId: event.id, now: now))
            }
            try emit(db, programId: programId, memberId: memberId, messages, now: now)
        }
    }
}
