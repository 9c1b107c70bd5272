import Foundation
import LaurelCore
import Logging
import PostgresNIO

/// Fraud controls on PostgreSQL: screening an event (under the member's lock, in the event's
/// transaction) or a redemption, one index-only range read per cap that applies; counting what
/// passed; the reviews of held events.
extension PostgresStore {
    /// Judges a processed, non-return event against the program's thresholds and earning caps;
    /// throws `FraudHold` when one trips (nothing has been written yet), else answers the caps to count it under.
    static func screen(_ connection: PostgresConnection, _ policy: FraudPolicy, programId: String, memberId: String, event: LoyaltyEvent,
                       outcome: EventOutcome, before: MemberLedger, version: Int, apiKeyId: String?, calendar: Calendar, now: Date,
                       _ logger: Logger) async throws -> [CapSubject] {
        guard outcome.status == .processed, event.returnOf == nil else { return [] }
        let subjects = policy.earningSubjects(for: event, memberId: memberId, apiKeyId: apiKeyId)
        var usages: [CapUsage] = []
        for entry in subjects { usages.append(try await capUsage(connection, programId: programId, entry, calendar: calendar, now: now, logger)) }
        let trips = policy.screenEarning(event, points: outcome.pointsEarned, subjects: subjects, usages: usages)
        if !trips.isEmpty { throw FraudHold(trips: trips, available: before.available, pending: before.pending, version: version) }
        return subjects
    }

    /// After an event's writes: counts it under its caps, and flags a return that took back points already spent.
    static func countAndFlag(_ connection: PostgresConnection, _ policy: FraudPolicy, counted: [CapSubject], programId: String, memberId: String,
                             event: LoyaltyEvent, outcome: EventOutcome, apiKeyId: String?, now: Date, _ logger: Logger) async throws {
        try await mark(connection, programId: programId, counted, points: outcome.pointsEarned, amount: event.purchase?.total ?? .zero, now: now, logger)
        if policy.flagRefundAfterRedeem, let purchaseId = event.returnOf?.purchaseEventId {
            let taken = FraudPolicy.pointsTakenBeyondPurchase(outcome, purchaseId: purchaseId)
            if taken > 0 {
                try await emit(connection, programId: programId, memberId: memberId, [OutboxMessages.fraudFlagged(
                    action: "flagged", memberId: memberId, eventId: event.id, redemptionId: nil, reviewId: nil, apiKeyId: apiKeyId,
                    trips: [FraudPolicy.refundAfterRedeemTrip(points: taken)], now: now)], now: now, logger)
            }
        }
    }

    /// What a cap counted for its subject since its window's start.
    static func capUsage(_ connection: PostgresConnection, programId: String, _ entry: CapSubject, calendar: Calendar, now: Date,
                         _ logger: Logger) async throws -> CapUsage {
        let from = entry.cap.window.start(at: now, calendar: calendar).millis
        guard let row = try await connection.row("""
            SELECT count(*)::bigint AS n, least(coalesce(sum(points), 0), 9e18)::bigint AS points, least(coalesce(sum(amount_units), 0), 9e18)::bigint AS units FROM fraud_marks
            WHERE program_id = \(programId) AND cap_id = \(entry.cap.id) AND subject = \(entry.subject) AND at >= \(from)
            """, logger) else { return CapUsage() }
        return CapUsage(count: Int(try row.get("n", Int64.self)), points: Int(try row.get("points", Int64.self)),
                        amount: Amount(units: try row.get("units", Int64.self)))
    }

    static func mark(_ connection: PostgresConnection, programId: String, _ subjects: [CapSubject], points: Int, amount: Amount, now: Date,
                     _ logger: Logger) async throws {
        guard !subjects.isEmpty else { return }
        // One statement for all of the write's caps.
        try await connection.query("""
            INSERT INTO fraud_marks (program_id, cap_id, subject, at, points, amount_units)
            SELECT \(programId), cap, subject, \(now.millis), \(points), \(amount.units)
            FROM unnest(\(subjects.map(\.cap.id))::text[], \(subjects.map(\.subject))::text[]) AS t(cap, subject)
            """, logger: logger)
    }

    /// Keeps a held event as a pending review with its `fraud.flagged` message; answers the `held` record.
    static func hold(_ connection: PostgresConnection, _ hold: FraudHold, programId: String, memberId: String, event: LoyaltyEvent, payload: String,
                     apiKeyId: String?, now: Date, _ logger: Logger) async throws -> EventRecord {
        let (review, message) = hold.review(event, programId: programId, memberId: memberId, payload: payload, apiKeyId: apiKeyId, now: now)
        try await connection.query("""
            INSERT INTO reviews (id, program_id, member_id, event_id, event_type, payload, api_key_id, trips, status, created_at)
            VALUES (\(review.id), \(programId), \(memberId), \(review.eventId), \(review.eventType), \(payload), \(apiKeyId), \(review.tripsJSON),
                    \(review.status.rawValue), \(now.millis))
            """, logger: logger)
        try await emit(connection, programId: programId, memberId: memberId, [message], now: now, logger)
        return hold.heldRecord(event, programId: programId, memberId: memberId, payload: payload, version: hold.version, reviewId: review.id, now: now)
    }

    /// Judges a redemption of `points` (under the member's lock) against the program's redemption caps:
    /// the caps to count it under, or `FraudRefusal` (thrown before anything is written).
    static func screenRedemption(_ connection: PostgresConnection, _ processor: EventProcessor, programId: String, memberId: String, points: Int,
                                 apiKeyId: String?, now: Date, _ logger: Logger) async throws -> [CapSubject] {
        guard let policy = processor.program.fraud, !policy.redemptionCaps.isEmpty else { return [] }
        let subjects = policy.redemptionSubjects(memberId: memberId, apiKeyId: apiKeyId)
        var usages: [CapUsage] = []
        for entry in subjects {
            usages.append(try await capUsage(connection, programId: programId, entry, calendar: processor.calendar, now: now, logger))
        }
        let trips = policy.screenRedemption(points: points, subjects: subjects, usages: usages)
        if !trips.isEmpty { throw FraudRefusal(trips: trips) }
        return subjects
    }

    /// The `fraud.flagged` message of a refused redemption, in a transaction of its own (the refusal wrote nothing).
    func flagRefusal(_ refusal: FraudRefusal, programId: String, memberId: String, redemptionId: String, apiKeyId: String?, now: Date) async throws {
        try await transaction { connection in
            try await Self.emit(connection, programId: programId, memberId: memberId, [OutboxMessages.fraudFlagged(
                action: "refused", memberId: memberId, eventId: nil, redemptionId: redemptionId, reviewId: nil, apiKeyId: apiKeyId,
                trips: refusal.trips, now: now)], now: now, logger)
        }
    }

    // MARK: Reviews

    private static func review(_ row: PostgresRandomAccessRow) throws -> ReviewRecord {
        ReviewRecord(id: try row.get("id"), programId: try row.get("program_id"), memberId: try row.get("member_id"), eventId: try row.get("event_id"),
                     eventType: try row.get("event_type"), payload: try row.get("payload"), apiKeyId: try row.get("api_key_id", String?.self),
                     tripsJSON: try row.get("trips"), status: ReviewRecord.Status(rawValue: try row.get("status")) ?? .pending,
                     createdAt: try row.date("created_at"), decidedAt: try row.optionalDate("decided_at"),
                     decidedBy: try row.get("decided_by", String?.self), points: try row.get("points", Int?.self))
    }

    public func reviews(programId: String, status: ReviewRecord.Status?, limit: Int, startingAfter: String?) async throws -> Page<ReviewRecord> {
        try await read { connection in
            let rows = if let status {
                try await connection.rows("""
                    SELECT * FROM reviews WHERE program_id = \(programId) AND status = \(status.rawValue) AND id > \(startingAfter ?? "")
                    ORDER BY id LIMIT \(limit + 1)
                    """, logger)
            } else {
                try await connection.rows("""
                    SELECT * FROM reviews WHERE program_id = \(programId) AND id > \(startingAfter ?? "") ORDER BY id LIMIT \(limit + 1)
                    """, logger)
            }
            let items = try rows.map(Self.review)
            return Page(items: Array(items.prefix(limit)), hasMore: items.count > limit)
        }
    }

    public func review(programId: String, id: String) async throws -> ReviewRecord? {
        try await read { connection in
            try await connection.row("SELECT * FROM reviews WHERE program_id = \(programId) AND id = \(id)", logger).map(Self.review)
        }
    }

    /// The review's row lock makes concurrent approvals (on any node) wait for the first, which then
    /// finds it decided; the event is recorded under the member's lock like any other.
    public func approveReview(programId: String, id: String, event: @escaping @Sendable (ReviewRecord) throws -> LoyaltyEvent, actor: String,
                              now: Date, idempotency: Idempotency<ReviewRecord>?) async throws -> Idempotent<ReviewRecord> {
        let auditActor = AuditActor.current
        return try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: programId, idempotency, now: now, logger) { return .replayed(replay) }
            var review = try await Self.lockPendingReview(connection, programId: programId, id: id, logger)
            let before = AuditSnapshots.review(review)
            guard let (member, currentVersion) = try await Self.lockMember(connection, programId: programId, id: review.memberId, logger) else {
                throw StoreError.notFound("member \(review.memberId)")
            }
            let write = try await recordLocked(connection, programId: programId, member: member, currentVersion: currentVersion, event: try event(review),
                                               payload: review.payload, now: now, idempotency: nil, screening: nil)
            try await connection.query("""
                UPDATE reviews SET status = 'approved', decided_at = \(now.millis), decided_by = \(actor), points = \(write.record.points) WHERE id = \(id)
                """, logger: logger)
            (review.status, review.decidedAt, review.decidedBy, review.points) = (.approved, now, actor, write.record.points)
            try await Self.appendAudit(connection, AuditRecord(programId: programId, actor: auditActor, action: .reviewApproved, target: ("review", id),
                                                               before: before, after: AuditSnapshots.review(review), idempotencyKey: idempotency?.key, at: now), logger)
            return try await Self.remember(connection, programId: programId, idempotency, review, logger)
        }
    }

    public func rejectReview(programId: String, id: String, actor: String, now: Date,
                             idempotency: Idempotency<ReviewRecord>?) async throws -> Idempotent<ReviewRecord> {
        let auditActor = AuditActor.current
        return try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: programId, idempotency, now: now, logger) { return .replayed(replay) }
            var review = try await Self.lockPendingReview(connection, programId: programId, id: id, logger)
            let before = AuditSnapshots.review(review)
            try await connection.query("""
                UPDATE reviews SET status = 'rejected', decided_at = \(now.millis), decided_by = \(actor) WHERE id = \(id)
                """, logger: logger)
            (review.status, review.decidedAt, review.decidedBy) = (.rejected, now, actor)
            try await Self.appendAudit(connection, AuditRecord(programId: programId, actor: auditActor, action: .reviewRejected, target: ("review", id),
                                                               before: before, after: AuditSnapshots.review(review), idempotencyKey: idempotency?.key, at: now), logger)
            return try await Self.remember(connection, programId: programId, idempotency, review, logger)
        }
    }

    private static func lockPendingReview(_ connection: PostgresConnection, programId: String, id: String, _ logger: Logger) async throws -> ReviewRecord {
        guard let row = try await connection.row("SELECT * FROM reviews WHERE program_id = \(programId) AND id = \(id) FOR UPDATE", logger) else {
            throw StoreError.notFound("review \(id)")
        }
        let review = try Self.review(row)
        guard review.status == .pending else { throw StoreError.reviewDecided(id: id, status: review.status.rawValue) }
        return review
    }
}
