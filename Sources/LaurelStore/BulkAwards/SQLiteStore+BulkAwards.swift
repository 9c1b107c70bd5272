import Foundation
import GRDB
import LaurelCore

extension SQLiteStore {
    static let bulkAwardColumns = """
        id, program_id, status, points, reason, actor, audit_actor, target, segment_id, total, done, credited, skipped, created_at, completed_at
        """

    static func bulkAward(_ row: Row) -> BulkAwardRecord {
        BulkAwardRecord(id: row["id"], programId: row["program_id"], status: BulkAwardRecord.Status(rawValue: row["status"]) ?? .queued,
                        points: row["points"], reason: row["reason"], actor: row["actor"], auditActor: row["audit_actor"],
                        target: BulkAwardRecord.Target(rawValue: row["target"]) ?? .memberIds, segmentId: row["segment_id"], total: row["total"],
                        done: row["done"], credited: row["credited"], skipped: row["skipped"], createdAt: Date(millis: row["created_at"]),
                        completedAt: (row["completed_at"] as Int64?).map(Date.init(millis:)))
    }

    static func fetchBulkAward(_ db: Database, programId: String, id: String) throws -> BulkAwardRecord? {
        try db.rows("SELECT \(bulkAwardColumns) FROM bulk_awards WHERE program_id = ? AND id = ?", [programId, id], bulkAward).first
    }

    public func createBulkAward(_ award: BulkAwardRecord, targets: [String],
                                idempotency: Idempotency<BulkAwardRecord>?) async throws -> Idempotent<BulkAwardRecord> {
        var award = award
        award.auditActor = AuditActor.current
        award.total = targets.count
        let created = award
        let list = try JSONText.encode(targets)
        return try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: created.programId, idempotency) { return .replayed(replay) }
            try db.run("""
                INSERT INTO bulk_awards (\(Self.bulkAwardColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?, NULL)
                """, [created.id, created.programId, created.status.rawValue, created.points, created.reason, created.actor, created.auditActor,
                      created.target.rawValue, created.segmentId, created.total, created.createdAt.millis])
            try db.run("""
                INSERT INTO bulk_award_items (program_id, bulk_award_id, position, target, status)
                SELECT ?, ?, key + 1, value, 'pending' FROM json_each(?)
                """, [created.programId, created.id, list])
            // The list is resolved to members once, here: the job then credits exactly these.
            let column = created.target == .externalIds ? "external_id" : "id"
            try db.run("""
                UPDATE bulk_award_items AS i SET member_id = m.id FROM members AS m
                WHERE i.bulk_award_id = ? AND m.program_id = ? AND m.\(column) = i.target
                """, [created.id, created.programId])
            try Self.appendAudit(db, AuditRecord(programId: created.programId, actor: created.auditActor, action: .bulkAwardCreated,
                                                 target: ("bulk_award", created.id), before: nil, after: BulkAwardOutcome.createdSnapshot(created),
                                                 idempotencyKey: idempotency?.key, at: created.createdAt))
            return try Self.remember(db, programId: created.programId, idempotency, created, now: created.createdAt)
        }
    }

    public func bulkAward(programId: String, id: String) async throws -> BulkAwardRecord? {
        try await read { db in try Self.fetchBulkAward(db, programId: programId, id: id) }
    }

    public func bulkAwards(programId: String, limit: Int, startingAfter: String?) async throws -> Page<BulkAwardRecord> {
        try await read { db in
            let rows = try db.rows("""
                SELECT \(Self.bulkAwardColumns) FROM bulk_awards WHERE program_id = ? AND (? IS NULL OR id < ?) ORDER BY id DESC LIMIT ?
                """, [programId, startingAfter, startingAfter, limit + 1], Self.bulkAward)
            return Page(items: Array(rows.prefix(limit)), hasMore: rows.count > limit)
        }
    }

    public func bulkAwardResults(programId: String, id: String, status: BulkAwardItemStatus?, limit: Int,
                                 startingAfter: Int?) async throws -> Page<BulkAwardResult> {
        try await read { db in
            guard try Self.fetchBulkAward(db, programId: programId, id: id) != nil else { throw StoreError.notFound("bulk award \(id)") }
            let rows = try db.rows("""
                SELECT position, target, member_id, status, reason, adjustment_id, done_at FROM bulk_award_items
                WHERE bulk_award_id = ? AND position > ? AND status <> 'pending' AND (? IS NULL OR status = ?)
                ORDER BY position LIMIT ?
                """, [id, startingAfter ?? 0, status?.rawValue, status?.rawValue, limit + 1]) { row in
                BulkAwardResult(position: row["position"], target: row["target"], memberId: row["member_id"],
                                status: BulkAwardItemStatus(rawValue: row["status"]) ?? .pending,
                                reason: (row["reason"] as String?).flatMap(BulkAwardSkip.init(rawValue:)), adjustmentId: row["adjustment_id"],
                                doneAt: (row["done_at"] as Int64?).map(Date.init(millis:)))
            }
            return Page(items: Array(rows.prefix(limit)), hasMore: rows.count > limit)
        }
    }

    public func unfinishedBulkAwards(limit: Int) async throws -> [BulkAwardRecord] {
        try await read { db in
            try db.rows("SELECT \(Self.bulkAwardColumns) FROM bulk_awards WHERE status <> 'completed' ORDER BY created_at, id LIMIT ?",
                        [limit], Self.bulkAward)
        }
    }

    public func runBulkAwardBatch(programId: String, id: String, batchSize: Int, now: Date) async throws -> BulkAwardBatch? {
        let cache = programs
        return try await write { db in
            guard var award = try Self.fetchBulkAward(db, programId: programId, id: id) else { return nil }
            guard award.status != .completed else { return BulkAwardBatch(award: award, processed: 0) }
            let items = try db.rows("""
                SELECT position, member_id FROM bulk_award_items WHERE bulk_award_id = ? AND status = 'pending' ORDER BY position LIMIT ?
                """, [id, batchSize]) { (position: $0[0] as Int, memberId: $0[1] as String?) }
            for item in items {
                let outcome = try Self.creditBulkAwardTarget(db, cache: cache, award: award, memberId: item.memberId, now: now)
                try db.run("""
                    UPDATE bulk_award_items SET status = ?, reason = ?, adjustment_id = ?, done_at = ? WHERE bulk_award_id = ? AND position = ?
                    """, [outcome.status.rawValue, outcome.reason, outcome.adjustmentId, now.millis, id, item.position])
                award.done += 1
                if outcome.status == .credited { award.credited += 1 } else { award.skipped += 1 }
            }
            let pending = try db.row("SELECT EXISTS (SELECT 1 FROM bulk_award_items WHERE bulk_award_id = ? AND status = 'pending')", [id])
                .map { ($0[0] as Int) != 0 } ?? false
            award.status = pending ? .running : .completed
            if !pending { award.completedAt = now }
            try db.run("""
                UPDATE bulk_awards SET status = ?, done = ?, credited = ?, skipped = ?, completed_at = ? WHERE id = ?
                """, [award.status.rawValue, award.done, award.credited, award.skipped, award.completedAt?.millis, id])
            if !pending {
                try Self.appendAudit(db, AuditRecord(programId: programId, actor: AuditActor.system, action: .bulkAwardCompleted,
                                                     target: ("bulk_award", id), before: nil, after: BulkAwardOutcome.completedSnapshot(award),
                                                     idempotencyKey: nil, at: now))
            }
            return BulkAwardBatch(award: award, processed: items.count)
        }
    }

    /// One target of the job, in the batch's transaction: skipped with its reason, or credited by the
    /// adjustment every staff credit is, and recorded under the unique key (job, member).
    static func creditBulkAwardTarget(_ db: Database, cache: ProgramCache, award: BulkAwardRecord, memberId: String?,
                                      now: Date) throws -> BulkAwardOutcome {
        guard let memberId, let member = try fetchMember(db, programId: award.programId, id: memberId) else { return .skipped(.unknownMember) }
        if let refusal = BulkAwardOutcome.refusal(member.status) { return .skipped(refusal) }
        guard try db.row("SELECT 1 FROM bulk_award_credits WHERE bulk_award_id = ? AND member_id = ?", [award.id, memberId]) == nil else {
            return .skipped(.alreadyCredited)
        }
        let adjustmentId = Identifiers.make("adj", now: now)
        do {
            _ = try applyAdjustment(db, cache: cache, programId: award.programId, member: member, id: adjustmentId, points: award.points,
                                    reason: award.reason, actor: award.creditActor, auditActor: award.auditActor, idempotencyKey: nil, now: now)
        } catch is LedgerError {
            return .skipped(.pointsOutOfBounds)
        }
        try db.run("""
            INSERT INTO bulk_award_credits (program_id, bulk_award_id, member_id, adjustment_id, created_at) VALUES (?, ?, ?, ?, ?)
            """, [award.programId, award.id, memberId, adjustmentId, now.millis])
        return .credited(adjustmentId: adjustmentId)
    }
}
