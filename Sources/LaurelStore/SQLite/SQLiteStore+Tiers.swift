import Foundation
import GRDB
import LaurelCore

extension SQLiteStore {
    /// The member's tier going into an evaluation at `date`: stored state, the basis totals of the window
    /// and the available balance as stored.
    static func tierStanding(_ db: Database, member: MemberRecord, tiers: TierQualification, at date: Date) throws -> TierStanding {
        let totals = try db.rowByPosition("""
            SELECT COALESCE(SUM(points), 0), COALESCE(SUM(amount_units), 0), COALESCE(SUM(purchases), 0)
            FROM tier_contributions WHERE member_id = ? AND occurred_at >= ? AND occurred_at <= ?
            """, [.text(member.id), .integer(tiers.windowStart(at: date)?.millis ?? Int64.min), .integer(date.millis)]) { row in
            TierContribution(points: row[0], amount: Amount(units: row[1]), purchases: row[2])
        }
        return TierStanding(state: member.tier, totals: totals ?? TierContribution(), balance: member.available)
    }

    /// Writes a member's tier after an evaluation: the state, when to look again, the change (history,
    /// outbox message) and the clubs the new tier brings. `contributions`, when given, holds the
    /// member's contributions in the window as of now (`record` has them), else they are read.
    static func saveTier(_ db: Database, program: ProgramDefinition, tiers: TierQualification, programId: String, memberId: String,
                         state: MemberTier, change: TierChange?, previous: MemberTier? = nil, sourceId: String, actor: String? = nil,
                         note: String? = nil, now: Date, contributions: JudgingState? = nil) throws {
        if tiers.skipsWrite(state, change: change, previous: previous) { return }
        var oldest: Date?
        if tiers.checksOldestInWindow {
            let from = tiers.windowStart(at: now)?.millis ?? Int64.min
            if let contributions {
                oldest = contributions.oldestContribution(from: from).map(Date.init(millis:))
            } else {
                oldest = (try db.row("SELECT MIN(occurred_at) AS oldest FROM tier_contributions WHERE member_id = ? AND occurred_at >= ?",
                                     [memberId, from])?["oldest"] as Int64?).map(Date.init(millis:))
            }
        }
        try updateTier(db, memberId: memberId, state: state, checkAt: tiers.nextCheck(state, oldestInWindow: oldest, now: now))
        guard let change else { return }
        try insertTierChange(db, programId: programId, memberId: memberId, change: change, policy: tiers.policy, sourceId: sourceId,
                             actor: actor, note: note, now: now)
        if let reached = change.to {
            for club in program.clubs where club.tiers.contains(reached) {
                // A full club or an existing membership simply means no new membership. Both are refused before
                // anything is written, so the transaction goes on; a database error still aborts it.
                do {
                    try joinClubRow(db, programId: programId, club: club, memberId: memberId, via: .tier, invitedBy: nil, now: now,
                                    calendar: program.calendar)
                } catch is LoyaltyError {}
            }
        }
    }

    static func updateTier(_ db: Database, memberId: String, state: MemberTier, checkAt: Date?) throws {
        try db.run("""
            UPDATE members SET tier_id = ?, tier_since = ?, tier_floor = ?, tier_floor_until = ?, tier_review_at = ?, tier_check_at = ? WHERE id = ?
            """, [state.tierId, state.since?.millis, state.floorTierId, state.floorUntil?.millis, state.reviewAt?.millis, checkAt?.millis, memberId])
    }

    /// A tier change's history row and its outbox messages (`OutboxMessages.tier`).
    static func insertTierChange(_ db: Database, programId: String, memberId: String, change: TierChange, policy: TierPolicy, sourceId: String,
                                 actor: String? = nil, note: String? = nil, now: Date) throws {
        try insertTierChangeRow(db, programId: programId, memberId: memberId, change: change, sourceId: sourceId, actor: actor, note: note, now: now)
        try emit(db, programId: programId, memberId: memberId,
                 OutboxMessages.tier(change, policy: policy, memberId: memberId, sourceId: sourceId, now: now), now: now)
    }

    /// A tier change's history row alone (the import writes its messages in the order of its events).
    static func insertTierChangeRow(_ db: Database, programId: String, memberId: String, change: TierChange, sourceId: String,
                                    actor: String? = nil, note: String? = nil, now: Date) throws {
        try db.run("""
            INSERT INTO tier_changes (program_id, member_id, from_tier, to_tier, reason, source_id, actor, note, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [programId, memberId, change.from, change.to, change.reason.rawValue, sourceId, actor, note, now.millis])
    }

    public func setTierFloor(programId: String, memberId: String, tierId: String?, until: Date?, note: String, actor: String, now: Date,
                             expiringWithin: TimeInterval, idempotency: Idempotency<PointsSummary>?) async throws -> Idempotent<PointsSummary> {
        let cache = programs
        let auditActor = AuditActor.current
        return try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: programId, idempotency) { return .replayed(replay) }
            guard let member = try Self.fetchMember(db, programId: programId, id: memberId) else { throw StoreError.notFound("member \(memberId)") }
            let (_, processor) = try Self.currentVersion(db, cache: cache, programId: programId)
            guard let tiers = processor.tiers else { throw LoyaltyError.noTiers }
            if let tierId, tiers.policy.level(tierId) == nil { throw LoyaltyError.unknownTier(tierId) }
            var standing = try Self.tierStanding(db, member: member, tiers: tiers, at: now)
            standing.state.floorTierId = tierId
            standing.state.floorUntil = tierId == nil ? nil : until
            let (state, change) = tiers.evaluate(standing.state, basis: tiers.basis(standing), trigger: .floorChanged, now: now)
            try Self.saveTier(db, program: processor.program, tiers: tiers, programId: programId, memberId: memberId, state: state, change: change,
                              sourceId: Identifiers.make("tfl", now: now), actor: actor, note: note, now: now)
            let summary = try Self.pointsSummary(db, cache: cache, programId: programId, memberId: memberId, now: now, expiringWithin: expiringWithin)
            try Self.appendAudit(db, AuditRecord(programId: programId, actor: auditActor, action: tierId == nil ? .tierFloorRemoved : .tierFloorSet,
                                                 target: ("member", memberId), before: AuditSnapshots.tierFloor(member.tier),
                                                 after: AuditSnapshots.tierFloor(summary.member.tier), idempotencyKey: idempotency?.key, at: now))
            return try Self.remember(db, programId: programId, idempotency, summary, now: now)
        }
    }

    public func tierChanges(programId: String, memberId: String, limit: Int, startingAfter: Int64?) async throws -> Page<TierChangeRecord> {
        try await read { db in
            guard try Self.fetchMember(db, programId: programId, id: memberId) != nil else { throw StoreError.notFound("member \(memberId)") }
            let rows = try db.rows("SELECT * FROM tier_changes WHERE member_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
                                   [memberId, startingAfter ?? Int64.max, limit + 1])
            return Page(items: rows.prefix(limit).map { row in
                TierChangeRecord(sequence: row["seq"], memberId: row["member_id"], from: row["from_tier"], to: row["to_tier"],
                                 reason: TierChangeReason(rawValue: row["reason"]) ?? .qualified, sourceId: row["source_id"],
                                 actor: row["actor"], note: row["note"], createdAt: Date(millis: row["created_at"]))
            }, hasMore: rows.count > limit)
        }
    }

    public func reviewTiers(now: Date, batchSize: Int) async throws -> Int {
        let cache = programs
        let due = try await read { db in
            try db.rows("SELECT id, program_id FROM members WHERE tier_check_at <= ? LIMIT ?", [now.millis, batchSize])
                .map { (($0["id"] as String), ($0["program_id"] as String)) }
        }
        for (memberId, programId) in due {
            try await write { db in
                guard let member = try Self.fetchMember(db, programId: programId, id: memberId) else { return }
                let (_, processor) = try Self.currentVersion(db, cache: cache, programId: programId)
                try Self.reviewTier(db, member: member, processor: processor, at: now)
            }
        }
        return due.count
    }

    public func reviewDueTiers(programId: String, memberId: String, until date: Date) async throws {
        let cache = programs
        try await write { db in
            let (_, processor) = try Self.currentVersion(db, cache: cache, programId: programId)
            try Self.reviewDueTiers(db, programId: programId, memberId: memberId, processor: processor, until: date)
        }
    }

    /// The scheduled review of one member's tier at `date` (`reviewTiers` runs it for every member due).
    static func reviewTier(_ db: Database, member: MemberRecord, processor: EventProcessor, at date: Date) throws {
        guard let tiers = processor.tiers else {
            try db.run("UPDATE members SET tier_check_at = NULL WHERE id = ?", [member.id])
            return
        }
        let standing = try tierStanding(db, member: member, tiers: tiers, at: date)
        let (state, change) = tiers.evaluate(standing.state, basis: tiers.basis(standing), trigger: .scheduled, now: date)
        try saveTier(db, program: processor.program, tiers: tiers, programId: member.programId, memberId: member.id, state: state, change: change,
                     sourceId: TierReviews.sourceId(at: date), now: date)
    }

    /// An imported event's member, reviewed at each time a review fell due before the event is
    /// judged at `date`, as the scheduled job would have (`TierReviews`).
    static func reviewDueTiers(_ db: Database, programId: String, memberId: String, processor: EventProcessor, until date: Date) throws {
        var last = Int64.min
        while let due = try db.row("SELECT tier_check_at FROM members WHERE program_id = ? AND id = ?", [programId, memberId])?["tier_check_at"] as Int64?,
              TierReviews.isDue(due, after: last, until: date) {
            guard let member = try fetchMember(db, programId: programId, id: memberId) else { return }
            try reviewTier(db, member: member, processor: processor, at: Date(millis: due))
            last = due
        }
    }

    /// The member's tier progress as of `now`, for the member summary.
    static func tierProgress(_ db: Database, member: MemberRecord, processor: EventProcessor, now: Date) throws -> TierProgress? {
        guard let tiers = processor.tiers else { return nil }
        let standing = try tierStanding(db, member: member, tiers: tiers, at: now)
        return tiers.progress(member.tier, basis: tiers.basis(standing), now: now)
    }

    /// Appends a message to the outbox, in the caller's transaction.
    static func emit(_ db: Database, programId: String, type: String, memberId: String?, payload: [String: JSONValue], now: Date) throws {
        try emit(db, programId: programId, type: type, memberId: memberId, payloadJSON: try JSONText.encode(payload), now: now)
    }

    /// Appends a message whose payload is already JSON text.
    static func emit(_ db: Database, programId: String, type: String, memberId: String?, payloadJSON: String, now: Date) throws {
        try emit(db, programId: programId, memberId: memberId, [PendingMessage(id: Identifiers.make("msg", now: now), type: type, payload: payloadJSON)],
                 now: now)
    }

    /// Appends messages made by `OutboxMessages`, in order, in the caller's transaction.
    static func emit(_ db: Database, programId: String, memberId: String?, _ messages: [PendingMessage], now: Date) throws {
        for message in messages {
            try db.run("INSERT INTO outbox (id, program_id, type, member_id, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                       [message.id, programId, message.type, memberId, message.payload, now.millis])
        }
    }

    public func outbox(programId: String, limit: Int, startingAfter: Int64?) async throws -> Page<OutboxMessage> {
        try await read { db in
            let rows = try db.rows("SELECT * FROM outbox WHERE program_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                                   [programId, startingAfter ?? 0, limit + 1])
            return Page(items: rows.prefix(limit).map { row in
                OutboxMessage(sequence: row["seq"], id: row["id"], programId: row["program_id"], type: row["type"], memberId: row["member_id"],
                              payload: row["payload"], createdAt: Date(millis: row["created_at"]))
            }, hasMore: rows.count > limit)
        }
    }
}
