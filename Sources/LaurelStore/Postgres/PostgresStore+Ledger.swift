import Foundation
import LaurelCore
import Logging
import PostgresNIO

extension PostgresStore {
    static func loadLedger(_ connection: PostgresConnection, member: MemberRecord, _ logger: Logger) async throws -> MemberLedger {
        let lots = try await connection.rows(EventSQL.OpenLots.self, logger) { $0.append(member.id) }.map { try lot($0) }
        return MemberLedger(memberId: member.id, lots: lots, debt: member.debt, lifetimeEarned: member.lifetimeEarned)
    }

    /// Writes what the core did to a ledger in one statement (`LedgerSQL.Save`): its entries, the
    /// lots it touched, the cached balances and its points messages (`OutboxMessages.points`).
    /// Under a `points_balance` tier basis, the tier that balance keeps follows (`followBalance`);
    /// `program` is the version the operation ran under (nil only when the program has none).
    static func saveLedger(_ connection: PostgresConnection, programId: String, ledger: MemberLedger, version: Int?, program: ProgramDefinition?,
                           now: Date, actor: String? = nil, reason: String? = nil, _ logger: Logger) async throws {
        try await connection.run(LedgerSQL.Save.self, logger) {
            LedgerSQL.bind(&$0, programId: programId, ledger: ledger, version: version, now: now, actor: actor, reason: reason)
            LedgerSQL.bindNewLots(&$0, ledger: ledger)
            LedgerSQL.bindMessages(&$0, OutboxMessages.points(ledger, now: now))
        }
        try await followBalance(connection, program: program, programId: programId, ledger: ledger, now: now, logger)
    }

    /// The column names a lot is read from: a lots row's own, or `lot_…` where the row holds the
    /// event's state too (`EventSQL.stateColumns`). Built once, not per row.
    struct LotColumns {
        let id, memberId, sourceId, earnedAt, availableAt, expiresAt, points, remaining, pending: String
        init(prefix: String) {
            id = prefix + "id"
            memberId = prefix + "member_id"
            sourceId = prefix + "source_id"
            earnedAt = prefix + "earned_at"
            availableAt = prefix + "available_at"
            expiresAt = prefix + "expires_at"
            points = prefix + "points"
            remaining = prefix + "remaining"
            pending = prefix + "pending"
        }
        static let plain = LotColumns(prefix: "")
        static let event = LotColumns(prefix: "lot_")
    }

    static func lot(_ row: PostgresRandomAccessRow, _ columns: LotColumns = .plain) throws -> PointLot {
        PointLot(id: try row.get(columns.id), memberId: try row.get(columns.memberId), sourceId: try row.get(columns.sourceId),
                 earnedAt: try row.date(columns.earnedAt), availableAt: try row.date(columns.availableAt),
                 expiresAt: try row.optionalDate(columns.expiresAt), points: try row.get(columns.points),
                 remaining: try row.get(columns.remaining), pending: try row.get(columns.pending))
    }

    static func entry(_ row: PostgresRandomAccessRow) throws -> LedgerEntryRecord {
        let entry = LedgerEntry(kind: LedgerEntryKind(rawValue: try row.get("kind")) ?? .adjust, from: LedgerAccount(try row.get("from_account")) ?? .issued,
                                to: LedgerAccount(try row.get("to_account")) ?? .issued, points: try row.get("points"), memberId: try row.get("member_id"),
                                lotId: try row.get("lot_id", String?.self), sourceId: try row.get("source_id"))
        return LedgerEntryRecord(sequence: try row.get("seq"), entry: entry, programVersion: try row.get("program_version", Int?.self),
                                 createdAt: try row.date("created_at"), actor: try row.get("actor", String?.self), reason: try row.get("reason", String?.self))
    }

    public func ledger(programId: String, memberId: String, limit: Int, startingAfter: Int64?) async throws -> Page<LedgerEntryRecord> {
        try await read { connection in
            guard try await Self.fetchMember(connection, programId: programId, id: memberId, logger) != nil else {
                throw StoreError.notFound("member \(memberId)")
            }
            let account = LedgerAccount.available(member: memberId).description
            // The member's own entries and the transfers they received, each read through its index.
            let before = startingAfter ?? Int64.max
            let rows = try await connection.rows("""
                (SELECT * FROM ledger_entries WHERE member_id = \(memberId) AND seq < \(before) ORDER BY seq DESC LIMIT \(limit + 1))
                UNION ALL
                (SELECT * FROM ledger_entries WHERE kind = 'transfer' AND to_account = \(account) AND member_id <> \(memberId) AND seq < \(before)
                 ORDER BY seq DESC LIMIT \(limit + 1))
                ORDER BY seq DESC LIMIT \(limit + 1)
                """, logger)
            return Page(items: try rows.prefix(limit).map(Self.entry), hasMore: rows.count > limit)
        }
    }
    public func pointsActivity(programId: String, memberId: String, from: Date?, until: Date?) async throws -> PointsActivity {
        try await read { connection in
            guard try await Self.fetchMember(connection, programId: programId, id: memberId, lock: false, logger) != nil else {
                throw StoreError.notFound("member \(memberId)")
            }
            let start = from?.millis ?? Int64.min, end = until?.millis ?? Int64.max
            let received = LedgerAccount.available(member: memberId).description
            // The member's own entries, and transfers they received (recorded on the sender).
            let rows = try await connection.rows("""
                SELECT kind, from_account, to_account, SUM(points)::BIGINT AS points FROM ledger_entries
                WHERE member_id = \(memberId) AND created_at >= \(start) AND created_at < \(end) GROUP BY kind, from_account, to_account
                UNION ALL
                SELECT kind, from_account, to_account, SUM(points)::BIGINT FROM ledger_entries
                WHERE to_account = \(received) AND kind = 'transfer' AND created_at >= \(start) AND created_at < \(end)
                GROUP BY kind, from_account, to_account
                """, logger).map { row in
                (kind: try row.get("kind", String.self), from: try row.get("from_account", String.self), to: try row.get("to_account", String.self),
                 points: Int(try row.get("points", Int64.self)))
            }
            return PointsActivity.summing(rows, memberId: memberId)
        }
    }


    /// Shown as of now, even if the settlement job has not run yet; nothing is written. Only the
    /// lots that can change the answer are read; one millisecond more than the horizon, as
    /// rounding may need. Usually one statement (`EventSQL.Balance`); a program with clubs, or one
    /// whose current version is not the one last seen, is read in a snapshot transaction.
    public func pointsSummary(programId: String, memberId: String, now: Date, expiringWithin: TimeInterval) async throws -> PointsSummary {
        let horizon = now.addingTimeInterval(expiringWithin).millis + 1
        if let known = currentVersions.withLock({ $0[programId] }), let (_, processor) = programs.get(programId: programId, version: known),
           processor.program.clubs.isEmpty {
            let summary = try await read { connection -> PointsSummary? in
                let tiers = processor.tiers
                let rows = try await connection.rows(EventSQL.Balance.self, logger) {
                    $0.append(programId); $0.append(memberId); $0.append(horizon)
                    $0.append(tiers.map { $0.windowStart(at: now)?.millis ?? Int64.min } ?? Int64.max); $0.append(tiers == nil ? Int64.min : now.millis)
                    $0.append(now.millis)
                }
                guard let first = rows.first else { throw StoreError.notFound("member \(memberId)") }
                guard try first.get("current_version", Int?.self) == known else { return nil }
                let member = try Self.member(first)
                // Without such lots, the one row's lot columns are NULL.
                let lots = try rows.compactMap { row in try row.get("lot_id", String?.self) == nil ? nil : try Self.lot(row, LotColumns.event) }
                let tier = try tiers.map { tiers in
                    let totals = TierContribution(points: try first.get("tier_points", Int.self), amount: Amount(units: try first.get("tier_units", Int64.self)),
                                                  purchases: try first.get("tier_purchases", Int.self))
                    return tiers.progress(member.tier, basis: tiers.basis(totals, balance: member.available), now: now)
                }
                return PointsSummary(member: member, lotsThatCanChange: lots, now: now, expiringWithin: expiringWithin, tier: tier ?? nil)
            }
            if let summary { return summary }
        }
        return try await snapshotRead { connection in
            try await pointsSummary(connection, programId: programId, memberId: memberId, now: now, expiringWithin: expiringWithin)
        }
    }

    /// A member's points summary as of `now`, in the caller's transaction (a snapshot read, or a write that answers with it).
    func pointsSummary(_ connection: PostgresConnection, programId: String, memberId: String, now: Date,
                       expiringWithin: TimeInterval) async throws -> PointsSummary {
        let horizon = now.addingTimeInterval(expiringWithin).millis + 1
        guard let member = try await Self.fetchMember(connection, programId: programId, id: memberId, logger) else {
            throw StoreError.notFound("member \(memberId)")
        }
        let lots = try await connection.rows(EventSQL.LotsThatCanChange.self, logger) {
            $0.append(member.id)
            $0.append(horizon)
            $0.append(now.millis)
        }.map { try Self.lot($0) }
        let current = try? await currentVersion(connection, programId: programId)
        if let current { currentVersions.withLock { $0[programId] = current.0.version } }
        let processor = current?.1
        var tier: TierProgress?
        if let processor { tier = try await Self.tierProgress(connection, member: member, processor: processor, now: now, logger) }
        var summary = PointsSummary(member: member, lotsThatCanChange: lots, now: now, expiringWithin: expiringWithin, tier: tier)
        if processor?.program.clubs.isEmpty == false { summary.clubs = try await Self.memberships(connection, memberId: memberId, logger) }
        return summary
    }

    public func adjust(programId: String, memberId: String, id: String, points: Int, reason: String, actor: String, now: Date,
                       idempotency: Idempotency<AdjustmentRecord>?) async throws -> Idempotent<AdjustmentRecord> {
        let auditActor = AuditActor.current
        return try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: programId, idempotency, now: now, logger) { return .replayed(replay) }
            guard let member = try await Self.fetchMember(connection, programId: programId, id: memberId, lock: true, logger) else {
                throw StoreError.notFound("member \(memberId)")
            }
            let record = try await applyAdjustment(connection, programId: programId, member: member, id: id, points: points, reason: reason,
                                                   actor: actor, auditActor: auditActor, idempotencyKey: idempotency?.key, now: now)
            return try await Self.remember(connection, programId: programId, idempotency, record, logger)
        }
    }

    /// A staff adjustment of `member`'s points (whose row the caller locked) in the caller's transaction:
    /// its ledger entries (with the messages they send) and its audit entry. The one credit path of
    /// `adjust` and of bulk awards. Throws `LedgerError` before writing anything when the ledger refuses it.
    func applyAdjustment(_ connection: PostgresConnection, programId: String, member: MemberRecord, id: String, points: Int, reason: String,
                         actor: String, auditActor: String, idempotencyKey: String?, now: Date) async throws -> AdjustmentRecord {
        // An erased member's points can be written off (a debit), never added to.
        if points > 0, member.status == .erased { throw StoreError.memberErased(member.id) }
        let (version, processor) = try await currentVersion(connection, programId: programId)
        var ledger = try await Self.loadLedger(connection, member: member, logger)
        ledger.settle(now: now, sourceId: id)
        try ledger.adjust(points, program: processor.program, sourceId: id, now: now)
        try await Self.saveLedger(connection, programId: programId, ledger: ledger, version: version.version, program: processor.program, now: now, actor: actor, reason: reason, logger)
        let record = AdjustmentRecord(id: id, memberId: member.id, points: points, reason: reason, actor: actor, createdAt: now,
                                      balanceAfter: .init(available: ledger.available, pending: ledger.pending))
        try await Self.appendAudit(connection, AuditRecord(programId: programId, actor: auditActor, action: .pointsAdjusted, target: ("member", member.id),
                                                           before: AuditSnapshots.balance(available: member.available, pending: member.pending),
                                                           after: AuditSnapshots.adjustment(record), idempotencyKey: idempotencyKey, at: now), logger)
        return record
    }

    public func cancelAdjustment(programId: String, memberId: String, adjustmentId: String, reason: String, actor: String, now: Date,
                                 idempotency: Idempotency<AdjustmentCancellationRecord>?) async throws -> Idempotent<AdjustmentCancellationRecord> {
        let auditActor = AuditActor.current
        return try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: programId, idempotency, now: now, logger) { return .replayed(replay) }
            // The member's row lock orders two cancellations of one adjustment: the second sees the first's entries.
            guard let member = try await Self.fetchMember(connection, programId: programId, id: memberId, lock: true, logger) else {
                throw StoreError.notFound("member \(memberId)")
            }
            let id = AdjustmentCancellationRecord.id(for: adjustmentId)
            let moves = try await connection.rows("""
                SELECT source_id, from_account, points FROM ledger_entries
                WHERE member_id = \(memberId) AND kind = 'adjust' AND source_id IN (\(adjustmentId), \(id))
                """, logger).map { row in (source: try row.get("source_id", String.self), from: try row.get("from_account", String.self),
                                           points: Int(try row.get("points", Int64.self))) }
            let credit = try Self.creditToCancel(moves, adjustmentId: adjustmentId, cancellationId: id)
            let (version, processor) = try await currentVersion(connection, programId: programId)
            var ledger = try await Self.loadLedger(connection, member: member, logger)
            ledger.settle(now: now, sourceId: id)
            let reversal = try ledger.cancelCredit(credit, adjustmentId: adjustmentId, policy: processor.program.returns, sourceId: id)
            try await Self.saveLedger(connection, programId: programId, ledger: ledger, version: version.version, program: processor.program, now: now, actor: actor, reason: reason, logger)
            let record = AdjustmentCancellationRecord(id: id, adjustmentId: adjustmentId, memberId: memberId, points: credit, intoDebt: reversal.intoDebt,
                                                      reason: reason, actor: actor, createdAt: now,
                                                      balanceAfter: .init(available: ledger.available, pending: ledger.pending))
            try await Self.appendAudit(connection, AuditRecord(programId: programId, actor: auditActor, action: .adjustmentCancelled, target: ("member", memberId),
                                                               before: AuditSnapshots.balance(available: member.available, pending: member.pending),
                                                               after: AuditSnapshots.adjustmentCancellation(record), idempotencyKey: idempotency?.key, at: now), logger)
            return try await Self.remember(connection, programId: programId, idempotency, record, logger)
        }
    }

    public func transfer(programId: String, id: String, from: String, to: String, points: Int, now: Date,
                         idempotency: Idempotency<TransferRecord>?) async throws -> Idempotent<TransferRecord> {
        try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: programId, idempotency, now: now, logger) { return .replayed(replay) }
            guard from != to else { throw StoreError.sameMember }
            // Lock both members in id order so two opposite transfers cannot deadlock.
            var locked: [String: MemberRecord] = [:]
            for memberId in [from, to].sorted() {
                guard let member = try await Self.fetchMember(connection, programId: programId, id: memberId, lock: true, logger) else {
                    throw StoreError.notFound("member \(memberId)")
                }
                locked[memberId] = member
            }
            let sender = locked[from]!, receiver = locked[to]!
            for member in [sender, receiver] where member.status != .active {
                throw member.status == .erased ? StoreError.memberErased(member.id) : StoreError.memberBlocked(member.id)
            }
            let (version, processor) = try await currentVersion(connection, programId: programId)
            var senderLedger = try await Self.loadLedger(connection, member: sender, logger)
            var receiverLedger = try await Self.loadLedger(connection, member: receiver, logger)
            senderLedger.settle(now: now, sourceId: id)
            receiverLedger.settle(now: now, sourceId: id)
            try senderLedger.transfer(points, to: &receiverLedger, sourceId: id, now: now)
            try await Self.saveLedger(connection, programId: programId, ledger: senderLedger, version: version.version, program: processor.program, now: now, logger)
            try await Self.saveLedger(connection, programId: programId, ledger: receiverLedger, version: version.version, program: processor.program, now: now, logger)
            let record = TransferRecord(id: id, fromMemberId: from, toMemberId: to, points: points, createdAt: now)
            return try await Self.remember(connection, programId: programId, idempotency, record, logger)
        }
    }

    public func settleDuePoints(now: Date, batchSize: Int) async throws -> Int {
        let due = try await read { connection in
            try await connection.rows("""
                SELECT DISTINCT member_id, program_id FROM lots
                WHERE remaining > 0 AND ((pending AND available_at <= \(now.millis)) OR expires_at <= \(now.millis)) LIMIT \(batchSize)
                """, logger).map { (try $0.get("member_id", String.self), try $0.get("program_id", String.self)) }
        }
        for (memberId, programId) in due {
            try await transaction { connection in
                // Another node settling this member right now holds the lock: skip it, they will do it.
                guard let row = try await connection.row("""
                    SELECT * FROM members WHERE id = \(memberId) FOR UPDATE SKIP LOCKED
                    """, logger) else { return }
                var ledger = try await Self.loadLedger(connection, member: try Self.member(row), logger)
                ledger.settle(now: now, sourceId: "settle_\(now.millis)")
                guard !ledger.entries.isEmpty else { return }
                let version = try await connection.row("SELECT current_version FROM programs WHERE id = \(programId)", logger)?
                    .get("current_version", Int?.self)
                var program: ProgramDefinition?
                if let version { program = try await loadVersion(connection, programId: programId, version: version)?.1.program }
                try await Self.saveLedger(connection, programId: programId, ledger: ledger, version: version, program: program, now: now, logger)
            }
        }
        return due.count
    }
}
