import Foundation
import GRDB
import LaurelCore

/// Fraud controls on SQLite: screening an event or redemption in its own transaction (one indexed
/// range read per cap that applies), counting what passed, and the reviews of held events.
extension SQLiteStore {
    /// Judges a processed, non-return event against the program's thresholds and earning caps;
    /// throws `FraudHold` when one trips (nothing has been written yet), else answers the caps to count it under.
    static func screen(_ db: Database, _ policy: FraudPolicy, programId: String, memberId: String, event: LoyaltyEvent, outcome: EventOutcome,
                       before: (available: Int, pending: Int), version: Int, apiKeyId: String?, calendar: Calendar, now: Date) throws -> [CapSubject] {
        guard outcome.status == .processed, event.returnOf == nil else { return [] }
        let subjects = policy.earningSubjects(for: event, memberId: memberId, apiKeyId: apiKeyId)
        let usages = try subjects.map { try capUsage(db, programId: programId, $0, calendar: calendar, now: now) }
        let trips = policy.screenEarning(event, points: outcome.pointsEarned, subjects: subjects, usages: usages)
        if !trips.isEmpty { throw FraudHold(trips: trips, available: before.available, pending: before.pending, version: version) }
        return subjects
    }

    /// After an event's writes: counts it under its caps, and flags a return that took back points already spent.
    static func countAndFlag(_ db: Database, _ policy: FraudPolicy, counted: [CapSubject], programId: String, memberId: String, event: LoyaltyEvent,
                             outcome: EventOutcome, apiKeyId: String?, now: Date) throws {
        try mark(db, programId: programId, counted, points: outcome.pointsEarned, amount: event.purchase?.total ?? .zero, now: now)
        if policy.flagRefundAfterRedeem, let purchaseId = event.returnOf?.purchaseEventId {
            let taken = FraudPolicy.pointsTakenBeyondPurchase(outcome, purchaseId: purchaseId)
            if taken > 0 {
                try emit(db, programId: programId, memberId: memberId, [OutboxMessages.fraudFlagged(
                    action: "flagged", memberId: memberId, eventId: event.id, redemptionId: nil, reviewId: nil, apiKeyId: apiKeyId,
                    trips: [FraudPolicy.refundAfterRedeemTrip(points: taken)], now: now)], now: now)
            }
        }
    }

    /// What a cap counted for its subject since its window's start.
    static func capUsage(_ db: Database, programId: String, _ entry: CapSubject, calendar: Calendar, now: Date) throws -> CapUsage {
        let from = entry.cap.window.start(at: now, calendar: calendar).millis
        // total() and the 9e18 ceiling: a count-only cap over a busy key can pass 64 bits of points or
        // 10,000ths, where sum() fails; the sums stay exact below 2^53 and saturate past any limit.
        return try db.row("""
            SELECT count(*), CAST(min(total(points), 9e18) AS INTEGER), CAST(min(total(amount_units), 9e18) AS INTEGER) FROM fraud_marks
            WHERE program_id = ? AND cap_id = ? AND subject = ? AND at >= ?
            """, [programId, entry.cap.id, entry.subject, from]) { CapUsage(count: $0[0], points: $0[1], amount: Amount(units: $0[2])) } ?? CapUsage()
    }

    static func mark(_ db: Database, programId: String, _ subjects: [CapSubject], points: Int, amount: Amount, now: Date) throws {
        for entry in subjects {
            try db.run("INSERT INTO fraud_marks (program_id, cap_id, subject, at, points, amount_units) VALUES (?, ?, ?, ?, ?, ?)",
                       [programId, entry.cap.id, entry.subject, now.millis, points, amount.units])
        }
    }

    /// Keeps a held event as a pending review with its `fraud.flagged` message; answers the `held` record.
    static func hold(_ db: Database, _ hold: FraudHold, programId: String, memberId: String, event: LoyaltyEvent, payload: String, apiKeyId: String?,
                     now: Date) throws -> EventRecord {
        let (review, message) = hold.review(event, programId: programId, memberId: memberId, payload: payload, apiKeyId: apiKeyId, now: now)
        try db.run("""
            INSERT INTO reviews (id, program_id, member_id, event_id, event_type, payload, api_key_id, trips, status, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [review.id, programId, memberId, review.eventId, review.eventType, payload, apiKeyId, review.tripsJSON, review.status.rawValue, now.millis])
        try emit(db, programId: programId, memberId: memberId, [message], now: now)
        return hold.heldRecord(event, programId: programId, memberId: memberId, payload: payload, version: hold.version, reviewId: review.id, now: now)
    }

    /// Judges a redemption of `points` against the program's redemption caps: the caps to count it
    /// under, or `FraudRefusal` (thrown before anything is written).
    static func screenRedemption(_ db: Database, _ processor: EventProcessor, programId: String, memberId: String, points: Int,
                                 apiKeyId: String?, now: Date) throws -> [CapSubject] {
        guard let policy = processor.program.fraud, !policy.redemptionCaps.isEmpty else { return [] }
        let subjects = policy.redemptionSubjects(memberId: memberId, apiKeyId: apiKeyId)
        let usages = try subjects.map { try capUsage(db, programId: programId, $0, calendar: processor.calendar, now: now) }
        let trips = policy.screenRedemption(points: points, subjects: subjects, usages: usages)
        if !trips.isEmpty { throw FraudRefusal(trips: trips) }
        return subjects
    }

    /// The `fraud.flagged` message of a refused redemption, in a transaction of its own (the refusal wrote nothing).
    func flagRefusal(_ refusal: FraudRefusal, programId: String, memberId: String, redemptionId: String, apiKeyId: String?, now: Date) async throws {
        try await write { db in
            try Self.emit(db, programId: programId, memberId: memberId, [OutboxMessages.fraudFlagged(
                action: "refused", memberId: memberId, eventId: nil, redemptionId: redemptionId, reviewId: nil, apiKeyId: apiKeyId,
                trips: refusal.trips, now: now)], now: now)
        }
    }

    // MARK: Reviews

    private static let reviewColumns = "id, program_id, member_id, event_id, event_type, payload, api_key_id, trips, status, created_at, decided_at, decided_by, points"

    private static func review(_ row: Row) -> ReviewRecord {
        ReviewRecord(id: row[0], programId: row[1], memberId: row[2], eventId: row[3], eventType: row[4], payload: row[5], apiKeyId: row[6],
                     tripsJSON: row[7], status: ReviewRecord.Status(rawValue: row[8]) ?? .pending, createdAt: Date(millis: row[9]),
                     decidedAt: (row[10] as Int64?).map(Date.init(millis:)), decidedBy: row[11], points: row[12])
    }

    private static func fetchReview(_ db: Database, programId: String, id: String) throws -> ReviewRecord? {
        try db.row("SELECT \(reviewColumns) FROM reviews WHERE program_id = ? AND id = ?", [programId, id], review)
    }

    public func reviews(programId: String, status: ReviewRecord.Status?, limit: Int, startingAfter: String?) async throws -> Page<ReviewRecord> {
        try await read { db in
            let items = if let status {
                try db.rows("SELECT \(Self.reviewColumns) FROM reviews WHERE program_id = ? AND status = ? AND id > ? ORDER BY id LIMIT ?",
                            [programId, status.rawValue, startingAfter ?? "", limit + 1], Self.review)
            } else {
                try db.rows("SELECT \(Self.reviewColumns) FROM reviews WHERE program_id = ? AND id > ? ORDER BY id LIMIT ?",
                            [programId, startingAfter ?? "", limit + 1], Self.review)
            }
            return Page(items: Array(items.prefix(limit)), hasMore: items.count > limit)
        }
    }

    public func review(programId: String, id: String) async throws -> ReviewRecord? {
        try await read { db in try Self.fetchReview(db, programId: programId, id: id) }
    }

    /// The one writer runs approvals one after another: the second finds the review decided.
    public func approveReview(programId: String, id: String, event: @escaping @Sendable (ReviewRecord) throws -> LoyaltyEvent, actor: String, now: Date,
                              idempotency: Idempotency<ReviewRecord>?) async throws -> Idempotent<ReviewRecord> {
        let (cache, judging) = (programs, judging)
        let auditActor = AuditActor.current
        return try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: programId, idempotency) { return .replayed(replay) }
            var review = try Self.pendingReview(db, programId: programId, id: id)
            let before = AuditSnapshots.review(review)
            let record = try Self.record(db, cache: cache, judging: judging, programId: programId, memberId: review.memberId, event: try event(review),
                                         payload: review.payload, now: now)
            try db.run("UPDATE reviews SET status = 'approved', decided_at = ?, decided_by = ?, points = ? WHERE id = ?",
                       [now.millis, actor, record.points, id])
            (review.status, review.decidedAt, review.decidedBy, review.points) = (.approved, now, actor, record.points)
            try Self.appendAudit(db, AuditRecord(programId: programId, actor: auditActor, action: .reviewApproved, target: ("review", id), before: before,
                                                 after: AuditSnapshots.review(review), idempotencyKey: idempotency?.key, at: now))
            return try Self.remember(db, programId: programId, idempotency, review, now: now)
        }
    }

    public func rejectReview(programId: String, id: String, actor: String, now: Date,
                             idempotency: Idempotency<ReviewRecord>?) async throws -> Idempotent<ReviewRecord> {
        let auditActor = AuditActor.current
        return try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: programId, idempotency) { return .replayed(replay) }
            var review = try Self.pendingReview(db, programId: programId, id: id)
            let before = AuditSnapshots.review(review)
            try db.run("UPDATE reviews SET status = 'rejected', decided_at = ?, decided_by = ? WHERE id = ?", [now.millis, actor, id])
            (review.status, review.decidedAt, review.decidedBy) = (.rejected, now, actor)
            try Self.appendAudit(db, AuditRecord(programId: programId, actor: auditActor, action: .reviewRejected, target: ("review", id), before: before,
                                                 after: AuditSnapshots.review(review), idempotencyKey: idempotency?.key, at: now))
            return try Self.remember(db, programId: programId, idempotency, review, now: now)
        }
    }

    private static func pendingReview(_ db: Database, programId: String, id: String) throws -> ReviewRecord {
        guard let review = try fetchReview(db, programId: programId, id: id) else { throw StoreError.notFound("review \(id)") }
        guard review.status == .pending else { throw StoreError.reviewDecided(id: id, status: review.status.rawValue) }
        return review
    }
}
