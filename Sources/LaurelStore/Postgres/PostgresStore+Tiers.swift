import Foundation
import LaurelCore
import Logging
import PostgresNIO

extension PostgresStore {
    /// The member's tier going into an evaluation at `date`: stored state, the basis totals of the window
    /// and the available balance as stored.
    static func tierStanding(_ connection: PostgresConnection, member: MemberRecord, tiers: TierQualification, at date: Date,
                             _ logger: Logger) async throws -> TierStanding {
        let from = tiers.windowStart(at: date)?.millis ?? Int64.min
        let row = try await connection.row(EventSQL.TierTotals.self, logger) { $0.append(member.id); $0.append(from); $0.append(date.millis) }
        let totals = TierContribution(points: try row?.get("points", Int.self) ?? 0, amount: Amount(units: try row?.get("units", Int64.self) ?? 0),
                                      purchases: try row?.get("purchases", Int.self) ?? 0)
        return TierStanding(state: member.tier, totals: totals, balance: member.available)
    }

    /// Writes a member's tier after an evaluation: the state, when to look again, the change (history,
    /// outbox message) and the clubs the new tier brings. The caller holds the member's row lock.
    static func saveTier(_ connection: PostgresConnection, program: ProgramDefinition, tiers: TierQualification, programId: String, memberId: String,
                         state: MemberTier, change: TierChange?, previous: MemberTier? = nil, sourceId: String, actor: String? = nil,
                         note: String? = nil, now: Date, _ logger: Logger) async throws {
        if tiers.skipsWrite(state, change: change, previous: previous) { return }
        var oldest: Date?
        if tiers.checksOldestInWindow {
            let from = tiers.windowStart(at: now)?.millis ?? Int64.min
            oldest = try await connection.row(EventSQL.OldestContribution.self, logger) { $0.append(memberId); $0.append(from) }?
                .optionalDate("oldest")
        }
        let checkAt = tiers.nextCheck(state, oldestInWindow: oldest, now: now)
        try await connection.run(EventSQL.UpdateTierState.self, logger) {
            $0.append(state.tierId); $0.append(state.since?.millis); $0.append(state.floorTierId); $0.append(state.floorUntil?.millis)
            $0.append(state.reviewAt?.millis); $0.append(checkAt?.millis); $0.append(memberId)
        }
        if let change {
            try await recordTierChange(connection, program: program, programId: programId, memberId: memberId, change: change, sourceId: sourceId,
                                       actor: actor, note: note, now: now, logger)
        }
    }

    /// What a tier change leaves besides the member's state: its history row, the outbox message and
    /// the clubs the new tier brings.
    static func recordTierChange(_ connection: PostgresConnection, program: ProgramDefinition, programId: String, memberId: String,
                                 change: TierChange, sourceId: String, actor: String? = nil, note: String? = nil, now: Date,
                                 _ logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO tier_changes (program_id, member_id, from_tier, to_tier, reason, source_id, actor, note, created_at)
            VALUES (\(programId), \(memberId), \(change.from), \(change.to), \(change.reason.rawValue), \(sourceId), \(actor), \(note), \(now.millis))
            """, logger: logger)
        try await emit(connection, programId: programId, memberId: memberId,
                       OutboxMessages.tier(change, policy: program.tiers, memberId: memberId, sourceId: sourceId, now: now), now: now, logger)
        try await joinTierClubs(connection, program: program, programId: programId, memberId: memberId, change: change, now: now, logger)
    }

    /// The clubs a tier change brings: those joined with the tier it reached.
    static func joinTierClubs(_ connection: PostgresConnection, program: ProgramDefinition, programId: String, memberId: String,
                              change: TierChange, now: Date, _ logger: Logger) async throws {
        guard let reached = change.to else { return }
        for club in program.clubs where club.tiers.contains(reached) {
            // A full club or an existing membership simply means no new membership. Both are refused before
            // anything is written, so the transaction goes on; a database error still aborts it.
            do {
                try await joinClubRow(connection, programId: programId, club: club, memberId: memberId, via: .tier, invitedBy: nil, now: now,
                                      calendar: program.calendar, logger)
            } catch is LoyaltyError {}
        }
    }

    public func setTierFloor(programId: String, memberId: String, tierId: String?, until: Date?, note: String, actor: String, now: Date,
                             expiringWithin: TimeInterval, idempotency: Idempotency<PointsSummary>?) async throws -> Idempotent<PointsSummary> {
        let auditActor = AuditActor.current
        return try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: programId, idempotency, now: now, logger) { return .replayed(replay) }
            guard let member = try await Self.fetchMember(connection, programId: programId, id: memberId, lock: true, logger) else {
                throw StoreError.notFound("member \(memberId)")
            }
            let (_, processor) = try await currentVersion(connection, programId: programId)
            guard let tiers = processor.tiers else { throw LoyaltyError.noTiers }
            if let tierId, tiers.policy.level(tierId) == nil { throw LoyaltyError.unknownTier(tierId) }
            var standing = try await Self.tierStanding(connection, member: member, tiers: tiers, at: now, logger)
            standing.state.floorTierId = tierId
            standing.state.floorUntil = tierId == nil ? nil : until
            let (state, change) = tiers.evaluate(standing.state, basis: tiers.basis(standing), trigger: .floorChanged, now: now)
            try await Self.saveTier(connection, program: processor.program, tiers: tiers, programId: programId, memberId: memberId, state: state,
                                    change: change, sourceId: Identifiers.make("tfl", now: now), actor: actor, note: note, now: now, logger)
            let summary = try await pointsSummary(connection, programId: programId, memberId: memberId, now: now, expiringWithin: expiringWithin)
            try await Self.appendAudit(connection, AuditRecord(programId: programId, actor: auditActor, action: tierId == nil ? .tierFloorRemoved : .tierFloorSet,
                                                               target: ("member", memberId), before: AuditSnapshots.tierFloor(member.tier),
                                                               after: AuditSnapshots.tierFloor(summary.member.tier), idempotencyKey: idempotency?.key, at: now), logger)
            return try await Self.remember(connection, programId: programId, idempotency, summary, logger)
        }
    }

    public func tierChanges(programId: String, memberId: String, limit: Int, startingAfter: Int64?) async throws -> Page<TierChangeRecord> {
        try await read { connection in
            guard try await Self.fetchMember(connection, programId: programId, id: memberId, logger) != nil else {
                throw StoreError.notFound("member \(memberId)")
            }
            let rows = try await connection.rows("""
                SELECT * FROM tier_changes WHERE member_id = \(memberId) AND seq < \(startingAfter ?? Int64.max) ORDER BY seq DESC LIMIT \(limit + 1)
                """, logger)
            return Page(items: try rows.prefix(limit).map { row in
                TierChangeRecord(sequence: try row.get("seq"), memberId: try row.get("member_id"), from: try row.get("from_tier", String?.self),
                                 to: try row.get("to_tier", String?.self), reason: TierChangeReason(rawValue: try row.get("reason")) ?? .qualified,
                                 sourceId: try row.get("source_id"), actor: try row.get("actor", String?.self), note: try row.get("note", String?.self),
                                 createdAt: try row.date("created_at"))
            }, hasMore: rows.count > limit)
        }
    }

    public func reviewTiers(now: Date, batchSize: Int) async throws -> Int {
        let due = try await read { connection in
            try await connection.rows("""
                SELECT id, program_id FROM members WHERE tier_check_at <= \(now.millis) LIMIT \(batchSize)
                """, logger).map { (try $0.get("id", String.self), try $0.get("program_id", String.self)) }
        }
        for (memberId, programId) in due {
            try await transaction { connection in
                // Another node reviewing this member right now holds the lock: skip it, they will do it. One that
                // already did has moved tier_check_at on, so the member is no longer due and is skipped too.
                guard let row = try await connection.row("""
                    SELECT * FROM members WHERE id = \(memberId) AND tier_check_at <= \(now.millis) FOR UPDATE SKIP LOCKED
                    """, logger) else { return }
                let (_, processor) = try await currentVersion(connection, programId: programId)
                try await Self.reviewTier(connection, member: try Self.member(row), processor: processor, at: now, logger)
            }
        }
        return due.count
    }

    public func reviewDueTiers(programId: String, memberId: String, until date: Date) async throws {
        // Most members have nothing due: one read, and the transaction only when something is.
        let due: Int64? = try await read { connection in
            try await connection.row("SELECT tier_check_at FROM members WHERE program_id = \(programId) AND id = \(memberId)", logger)?
                .get("tier_check_at", Int64?.self)
        }
        guard let due, due <= date.millis else { return }
        try await transaction { connection in
            try await reviewDueTiers(connection, programId: programId, memberId: memberId, until: date)
        }
    }

    /// The scheduled review of one member's tier at `date`, the member's row locked by the caller.
    static func reviewTier(_ connection: PostgresConnection, member: MemberRecord, processor: EventProcessor, at date: Date,
                           _ logger: Logger) async throws {
        guard let tiers = processor.tiers else {
            try await connection.query("UPDATE members SET tier_check_at = NULL WHERE id = \(member.id)", logger: logger)
            return
        }
        let standing = try await tierStanding(connection, member: member, tiers: tiers, at: date, logger)
        let (state, change) = tiers.evaluate(standing.state, basis: tiers.basis(standing), trigger: .scheduled, now: date)
        try await saveTier(connection, program: processor.program, tiers: tiers, programId: member.programId, memberId: member.id, state: state,
                           change: change, sourceId: TierReviews.sourceId(at: date), now: date, logger)
    }

    /// An imported event's member, reviewed at each time a review fell due before the event is
    /// judged at `date`, as the scheduled job would have (`TierReviews`); locks the member's row.
    func reviewDueTiers(_ connection: PostgresConnection, programId: String, memberId: String, until date: Date) async throws {
        var last = Int64.min
        while let row = try await connection.row("""
                  SELECT * FROM members WHERE program_id = \(programId) AND id = \(memberId) AND tier_check_at <= \(date.millis) FOR UPDATE
                  """, logger),
              let due = try row.get("tier_check_at", Int64?.self), TierReviews.isDue(due, after: last, until: date) {
            let (_, processor) = try await currentVersion(connection, programId: programId)
            try await Self.reviewTier(connection, member: try Self.member(row), processor: processor, at: Date(millis: due), logger)
            last = due
        }
    }

    /// The member's tier progress as of `now`, for the member summary.
    static func tierProgress(_ connection: PostgresConnection, member: MemberRecord, processor: EventProcessor, now: Date,
                             _ logger: Logger) async throws -> TierProgress? {
        guard let tiers = processor.tiers else { return nil }
        let standing = try await tierStanding(connection, member: member, tiers: tiers, at: now, logger)
        return tiers.progress(member.tier, basis: tiers.basis(standing), now: now)
    }

    /// Appends a message to the outbox, in the caller's transaction.
    static func emit(_ connection: PostgresConnection, programId: String, type: String, memberId: String?, payload: [String: JSONValue], now: Date,
                     _ logger: Logger) async throws {
        try await emit(connection, programId: programId, type: type, memberId: memberId, payloadJSON: try JSONText.encode(payload), now: now, logger)
    }

    /// Appends a message whose payload is already JSON text.
    static func emit(_ connection: PostgresConnection, programId: String, type: String, memberId: String?, payloadJSON: String, now: Date,
                     _ logger: Logger) async throws {
        try await emit(connection, programId: programId, memberId: memberId,
                       [PendingMessage(id: Identifiers.make("msg", now: now), type: type, payload: payloadJSON)], now: now, logger)
    }

    /// Appends messages made by `OutboxMessages`, in order, in the caller's transaction.
    static func emit(_ connection: PostgresConnection, programId: String, memberId: String?, _ messages: [PendingMessage], now: Date,
                     _ logger: Logger) async throws {
        for message in messages {
            try await connection.query("""
                INSERT INTO outbox (id, program_id, type, member_id, payload, created_at)
                VALUES (\(message.id), \(programId), \(message.type), \(memberId), \(message.payload), \(now.millis))
                """, logger: logger)
        }
    }

    public func outbox(programId: String, limit: Int, startingAfter: Int64?) async throws -> Page<OutboxMessage> {
        try await read { connection in
            let rows = try await connection.rows("""
                SELECT * FROM outbox WHERE program_id = \(programId) AND seq > \(startingAfter ?? 0) ORDER BY seq LIMIT \(limit + 1)
                """, logger)
            return Page(items: try rows.prefix(limit).map { row in
                OutboxMessage(sequence: try row.get("seq"), id: try row.get("id"), programId: try row.get("program_id"), type: try row.get("type"),
                              memberId: try row.get("member_id", String?.self), payload: try row.get("payload"), createdAt: try row.date("created_at"))
            }, hasMore: rows.count > limit)
        }
    }
}
