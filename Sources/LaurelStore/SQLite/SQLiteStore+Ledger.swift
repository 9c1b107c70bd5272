import Foundation
import GRDB
import LaurelCore

extension SQLiteStore {
    /// A member's ledger as the core works on it: open lots and counters.
    static func loadLedger(_ db: Database, member: MemberRecord) throws -> MemberLedger {
        MemberLedger(memberId: member.id, lots: try openLots(db, memberId: member.id), debt: member.debt, lifetimeEarned: member.lifetimeEarned)
    }

    /// Every open lot of the member.
    static func openLots(_ db: Database, memberId: String) throws -> [PointLot] {
        try db.rowsByPosition("SELECT \(lotColumns) FROM lots WHERE member_id = ? AND remaining > 0", [.text(memberId)], lot)
    }

    /// Writes what the core did to a ledger: its new entries, the lots it touched, the cached balances,
    /// and under a `points_balance` tier basis the tier that balance keeps (`followBalance`). `program`
    /// is the version the operation ran under (nil only when the program has none).
    static func saveLedger(_ db: Database, programId: String, ledger: MemberLedger, version: Int?, program: ProgramDefinition?, now: Date,
                           actor: String? = nil, reason: String? = nil) throws {
        try saveEntriesAndLots(db, programId: programId, ledger: ledger, version: version, now: now, actor: actor, reason: reason)
        try updateBalances(db, ledger)
        try followBalance(db, program: program, programId: programId, ledger: ledger, now: now)
    }

    /// `saveLedger` without the member row, which `record` writes last. The points messages of
    /// the operation (`OutboxMessages.points`) go to the outbox with it.
    static func saveEntriesAndLots(_ db: Database, programId: String, ledger: MemberLedger, version: Int?, now: Date,
                                   actor: String? = nil, reason: String? = nil) throws {
        try emit(db, programId: programId, memberId: ledger.memberId, OutboxMessages.points(ledger, now: now), now: now)
        // One statement, rows in the ledger's order: `seq` follows it.
        try db.insert(SQLiteRows.entryTable,
                      SQLiteRows.entries(ledger.entries, programId: programId, version: version, now: now, actor: actor, reason: reason))
        for lot in ledger.touchedLots {
            if ledger.newLotIds.contains(lot.id) {
                try db.insert(SQLiteRows.lotTable, SQLiteRows.lot(lot, programId: programId))
            } else {
                try updateLot(db, lot)
            }
        }
    }

    /// The member row's cached balances, from the ledger, and the `revision` `record` keeps its
    /// `JudgingCache` entry under (nil leaves it). Not `revision = random() RETURNING revision`:
    /// fetching the returned row cost more than a token made here (3,621–3,796 events/s against
    /// 4,427–4,434 in `laurel-bench store`).
    static func updateBalances(_ db: Database, _ ledger: MemberLedger, revision: Int64? = nil) throws {
        try db.execute("UPDATE members SET available = ?, pending = ?, debt = ?, lifetime_earned = ?, revision = COALESCE(?, revision) WHERE id = ?",
                       [.int(ledger.available), .int(ledger.pending), .int(ledger.debt), .int(ledger.lifetimeEarned), .optional(revision),
                        .text(ledger.memberId)])
    }

    static func updateLot(_ db: Database, _ lot: PointLot) throws {
        try db.execute("UPDATE lots SET remaining = ?, pending = ? WHERE id = ?", [.int(lot.remaining), .int(lot.pending ? 1 : 0), .text(lot.id)])
    }

    /// The columns `lot(_:)` reads, in its order.
    static let lotColumns = "id, member_id, source_id, earned_at, available_at, expires_at, points, remaining, pending"

    /// A lot from `lotColumns`, read by position: a hot member has hundreds of open lots, read for
    /// every event.
    static func lot(_ row: SQLiteColumns) -> PointLot {
        PointLot(id: row[0], memberId: row[1], sourceId: row[2], earnedAt: Date(millis: row[3]), availableAt: Date(millis: row[4]),
                 expiresAt: (row[5] as Int64?).map { Date(millis: $0) }, points: row[6], remaining: row[7], pending: (row[8] as Int) == 1)
    }

    public func ledger(programId: String, memberId: String, limit: Int, startingAfter: Int64?) async throws -> Page<LedgerEntryRecord> {
        try await read { db in
            guard try Self.fetchMember(db, programId: programId, id: memberId) != nil else { throw StoreError.notFound("member \(memberId)") }
            // The member's own entries and the transfers they received, each read through its index
            // (an OR would walk the whole program's ledger backwards).
            let rows = try db.rows("""
                SELECT * FROM (SELECT * FROM ledger_entries WHERE member_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?)
                UNION ALL
                SELECT * FROM (SELECT * FROM ledger_entries
                               WHERE kind = 'transfer' AND to_account = ? AND member_id != ? AND seq < ? ORDER BY seq DESC LIMIT ?)
                ORDER BY seq DESC LIMIT ?
                """, [memberId, startingAfter ?? Int64.max, limit + 1, LedgerAccount.available(member: memberId).description, memberId,
                      startingAfter ?? Int64.max, limit + 1, limit + 1])
            return Page(items: rows.prefix(limit).map(Self.entry), hasMore: rows.count > limit)
        }
    }

    static func entry(_ row: Row) -> LedgerEntryRecord {
        let entry = LedgerEntry(kind: LedgerEntryKind(rawValue: row["kind"]) ?? .adjust, from: LedgerAccount(row["from_account"]) ?? .issued,
                                to: LedgerAccount(row["to_account"]) ?? .issued, points: row["points"], memberId: row["member_id"],
                                lotId: row["lot_id"], sourceId: row["source_id"])
        return LedgerEntryRecord(sequence: row["seq"], entry: entry, programVersion: row["program_version"],
                                 createdAt: Date(millis: row["created_at"]), actor: row["actor"], reason: row["reason"])
    }

    public func pointsSummary(programId: String, memberId: String, now: Date, expiringWithin: TimeInterval) async throws -> PointsSummary {
        let cache = programs
        return try await read { db in
            try Self.pointsSummary(db, cache: cache, programId: programId, memberId: memberId, now: now, expiringWithin: expiringWithin)
        }
    }

    public func pointsActivity(programId: String, memberId: String, from: Date?, until: Date?) async throws -> PointsActivity {
        try await read { db in
            guard try Self.fetchMember(db, programId: programId, id: memberId) != nil else { throw StoreError.notFound("member \(memberId)") }
            let start = from?.millis ?? Int64.min, end = until?.millis ?? Int64.max
            // The member's own entries, and transfers they received (recorded on the sender).
            let rows = try db.rows("""
                SELECT kind, from_account, to_account, SUM(points) AS points FROM ledger_entries
                WHERE member_id = ? AND created_at >= ? AND created_at < ? GROUP BY kind, from_account, to_account
                UNION ALL
                SELECT kind, from_account, to_account, SUM(points) FROM ledger_entries
                WHERE to_account = ? AND kind = 'transfer' AND created_at >= ? AND created_at < ? GROUP BY kind, from_account, to_account
                """, [memberId, start, end, LedgerAccount.available(member: memberId).description, start, end]) { row in
                (kind: row["kind"] as String, from: row["from_account"] as String, to: row["to_account"] as String, points: row["points"] as Int)
            }
            return PointsActivity.summing(rows, memberId: memberId)
        }
    }

    /// A member's points summary as of `now`, in the caller's transaction (a read, or a write that answers with it).
    static func pointsSummary(_ db: Database, cache: ProgramCache, programId: String, memberId: String, now: Date,
                              expiringWithin: TimeInterval) throws -> PointsSummary {
        guard let member = try fetchMember(db, programId: programId, id: memberId) else { throw StoreError.notFound("member \(memberId)") }
        // Shown as of now, even if the settlement job has not run yet; nothing is written. Only
        // the lots that can change the answer are read, merged by what the answer sums them by
        // (state, expiry, release day, and whether released by now): the pending ones from their
        // sums per release day and expiry (`pending_days`) for every day but the one `now` falls
        // in, whose lots are merged here (`lots_pending_by_member`), and the others expiring by
        // the horizon (`lots_open_by_member`; one millisecond more, as rounding may need). A
        // member with 10,000 pending lots yields a few dozen rows, summed from as many.
        let horizon = now.addingTimeInterval(expiringWithin).millis + 1
        let day = now.millis / PointsSummary.dayMillis
        let lots = try db.rowsByPosition("""
            SELECT 'day:' || release_day || ':' || expires_at, member_id, 'pending_days', last_release, last_release,
                   NULLIF(expires_at, \(PendingDaysSQL.never)), points, remaining, 1
            FROM pending_days WHERE member_id = ? AND release_day <> ?
            UNION ALL
            SELECT MIN(id), member_id, MIN(source_id), MIN(earned_at), MAX(available_at), expires_at, SUM(points), SUM(remaining), 1
            FROM lots WHERE member_id = ? AND remaining > 0 AND pending = 1 AND available_at >= ? AND available_at < ?
            GROUP BY expires_at, available_at > ?
            UNION ALL
            SELECT MIN(id), member_id, MIN(source_id), MIN(earned_at), MAX(available_at), expires_at, SUM(points), SUM(remaining), 0
            FROM lots WHERE member_id = ? AND remaining > 0 AND pending = 0 AND expires_at <= ?
            GROUP BY expires_at
            """, [.text(member.id), .integer(day), .text(member.id), .integer(day * PointsSummary.dayMillis),
                   .integer((day + 1) * PointsSummary.dayMillis), .integer(now.millis), .text(member.id), .integer(horizon)], lot)
        let processor = try? currentVersion(db, cache: cache, programId: programId).1
        let tier = try processor.flatMap { try tierProgress(db, member: member, processor: $0, now: now) }
        var summary = PointsSummary(member: member, lotsThatCanChange: lots, now: now, expiringWithin: expiringWithin, tier: tier)
        if processor?.program.clubs.isEmpty == false { summary.clubs = try memberships(db, memberId: memberId) }
        return summary
    }

    public func adjust(programId: String, memberId: String, id: String, points: Int, reason: String, actor: String, now: Date,
                       idempotency: Idempotency<AdjustmentRecord>?) async throws -> Idempotent<AdjustmentRecord> {
        let cache = programs
        let auditActor = AuditActor.current
        return try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: programId, idempotency) { return .replayed(replay) }
            guard let member = try Self.fetchMember(db, programId: programId, id: memberId) else { throw StoreError.notFound("member \(memberId)") }
            let record = try Self.applyAdjustment(db, cache: cache, programId: programId, member: member, id: id, points: points, reason: reason,
                                                  actor: actor, auditActor: auditActor, idempotencyKey: idempotency?.key, now: now)
            return try Self.remember(db, programId: programId, idempotency, record, now: now)
        }
    }

    /// A staff adjustment of `member`'s points in the caller's transaction: its ledger entries (with the
    /// messages they send) and its audit entry. The one credit path of `adjust` and of bulk awards.
    /// Throws `LedgerError` before writing anything when the ledger refuses it.
    static func applyAdjustment(_ db: Database, cache: ProgramCache, programId: String, member: MemberRecord, id: String, points: Int,
                                reason: String, actor: String, auditActor: String, idempotencyKey: String?, now: Date) throws -> AdjustmentRecord {
        // An erased member's points can be written off (a debit), never added to.
        if points > 0, member.status == .erased { throw StoreError.memberErased(member.id) }
        let (version, processor) = try currentVersion(db, cache: cache, programId: programId)
        var ledger = try loadLedger(db, member: member)
        ledger.settle(now: now, sourceId: id)
        try ledger.adjust(points, program: processor.program, sourceId: id, now: now)
        try saveLedger(db, programId: programId, ledger: ledger, version: version.version, program: processor.program, now: now, actor: actor, reason: reason)
        let record = AdjustmentRecord(id: id, memberId: member.id, points: points, reason: reason, actor: actor, createdAt: now,
                                      balanceAfter: .init(available: ledger.available, pending: ledger.pending))
        try appendAudit(db, AuditRecord(programId: programId, actor: auditActor, action: .pointsAdjusted, target: ("member", member.id),
                                        before: AuditSnapshots.balance(available: member.available, pending: member.pending),
                                        after: AuditSnapshots.adjustment(record), idempotencyKey: idempotencyKey, at: now))
        return record
    }

    public func cancelAdjustment(programId: String, memberId: String, adjustmentId: String, reason: String, actor: String, now: Date,
                                 idempotency: Idempotency<AdjustmentCancellationRecord>?) async throws -> Idempotent<AdjustmentCancellationRecord> {
        let cache = programs
        let auditActor = AuditActor.current
        return try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: programId, idempotency) { return .replayed(replay) }
            guard let member = try Self.fetchMember(db, programId: programId, id: memberId) else { throw StoreError.notFound("member \(memberId)") }
            let id = AdjustmentCancellationRecord.id(for: adjustmentId)
            let moves = try db.rows("""
                SELECT source_id, from_account, points FROM ledger_entries
                WHERE member_id = ? AND kind = 'adjust' AND source_id IN (?, ?)
                """, [memberId, adjustmentId, id]) { row in (source: row["source_id"] as String, from: row["from_account"] as String, points: row["points"] as Int) }
            let credit = try Self.creditToCancel(moves, adjustmentId: adjustmentId, cancellationId: id)
            let (version, processor) = try Self.currentVersion(db, cache: cache, programId: programId)
            var ledger = try Self.loadLedger(db, member: member)
            ledger.settle(now: now, sourceId: id)
            let reversal = try ledger.cancelCredit(credit, adjustmentId: adjustmentId, policy: processor.program.returns, sourceId: id)
            try Self.saveLedger(db, programId: programId, ledger: ledger, version: version.version, program: processor.program, now: now, actor: actor, reason: reason)
            let record = AdjustmentCancellationRecord(id: id, adjustmentId: adjustmentId, memberId: memberId, points: credit, intoDebt: reversal.intoDebt,
                                                      reason: reason, actor: actor, createdAt: now,
                                                      balanceAfter: .init(available: ledger.available, pending: ledger.pending))
            try Self.appendAudit(db, AuditRecord(programId: programId, actor: auditActor, action: .adjustmentCancelled, target: ("member", memberId),
                                                 before: AuditSnapshots.balance(available: member.available, pending: member.pending),
                                                 after: AuditSnapshots.adjustmentCancellation(record), idempotencyKey: idempotency?.key, at: now))
            return try Self.remember(db, programId: programId, idempotency, record, now: now)
        }
    }

    public func transfer(programId: String, id: String, from: String, to: String, points: Int, now: Date,
                         idempotency: Idempotency<TransferRecord>?) async throws -> Idempotent<TransferRecord> {
        let cache = programs
        return try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: programId, idempotency) { return .replayed(replay) }
            guard from != to else { throw StoreError.sameMember }
            guard let sender = try Self.fetchMember(db, programId: programId, id: from) else { throw StoreError.notFound("member \(from)") }
            guard let receiver = try Self.fetchMember(db, programId: programId, id: to) else { throw StoreError.notFound("member \(to)") }
            for member in [sender, receiver] where member.status != .active {
                throw member.status == .erased ? StoreError.memberErased(member.id) : StoreError.memberBlocked(member.id)
            }
            let (version, processor) = try Self.currentVersion(db, cache: cache, programId: programId)
            var senderLedger = try Self.loadLedger(db, member: sender)
            var receiverLedger = try Self.loadLedger(db, member: receiver)
            senderLedger.settle(now: now, sourceId: id)
            receiverLedger.settle(now: now, sourceId: id)
            try senderLedger.transfer(points, to: &receiverLedger, sourceId: id, now: now)
            try Self.saveLedger(db, programId: programId, ledger: senderLedger, version: version.version, program: processor.program, now: now)
            try Self.saveLedger(db, programId: programId, ledger: receiverLedger, version: version.version, program: processor.program, now: now)
            let record = TransferRecord(id: id, fromMemberId: from, toMemberId: to, points: points, createdAt: now)
            return try Self.remember(db, programId: programId, idempotency, record, now: now)
        }
    }

    public func settleDuePoints(now: Date, batchSize: Int) async throws -> Int {
        let cache = programs
        let due = try await read { db in
            try db.rows("""
                SELECT DISTINCT member_id, program_id FROM lots
                WHERE remaining > 0 AND ((pending = 1 AND available_at <= ?) OR expires_at <= ?) LIMIT ?
                """, [now.millis, now.millis, batchSize]).map { (($0["member_id"] as String), ($0["program_id"] as String)) }
        }
        for (memberId, programId) in due {
            try await write { db in
                guard let member = try Self.fetchMember(db, programId: programId, id: memberId) else { return }
                var ledger = try Self.loadLedger(db, member: member)
                ledger.settle(now: now, sourceId: "settle_\(now.millis)")
                guard !ledger.entries.isEmpty else { return }
                let version = try db.row("SELECT current_version FROM programs WHERE id = ?", [programId])?["current_version"] as Int?
                let processor = try version.flatMap { try Self.loadVersion(db, cache: cache, programId: programId, version: $0)?.1 }
                try Self.saveLedger(db, programId: programId, ledger: ledger, version: version, program: processor?.program, now: now)
            }
        }
        return due.count
    }
}
