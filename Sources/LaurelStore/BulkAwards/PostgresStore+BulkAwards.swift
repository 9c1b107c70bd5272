import Foundation
import LaurelCore
import Logging
import PostgresNIO

extension PostgresStore {
    static func bulkAward(_ row: PostgresRandomAccessRow) throws -> BulkAwardRecord {
        BulkAwardRecord(id: try row.get("id", String.self), programId: try row.get("program_id", String.self),
                        status: BulkAwardRecord.Status(rawValue: try row.get("status", String.self)) ?? .queued,
                        points: try row.get("points", Int.self), reason: try row.get("reason", String.self), actor: try row.get("actor", String.self),
                        auditActor: try row.get("audit_actor", String.self),
                        target: BulkAwardRecord.Target(rawValue: try row.get("target", String.self)) ?? .memberIds,
                        segmentId: try row.get("segment_id", String?.self), total: try row.get("total", Int.self), done: try row.get("done", Int.self),
                        credited: try row.get("credited", Int.self), skipped: try row.get("skipped", Int.self), createdAt: try row.date("created_at"),
                        completedAt: try row.optionalDate("completed_at"))
    }

    static func fetchBulkAward(_ connection: PostgresConnection, programId: String, id: String, _ logger: Logger) async throws -> BulkAwardRecord? {
        try await connection.row("SELECT * FROM bulk_awards WHERE program_id = \(programId) AND id = \(id)", logger).map(bulkAward)
    }

    public func createBulkAward(_ award: BulkAwardRecord, targets: [String],
                                idempotency: Idempotency<BulkAwardRecord>?) async throws -> Idempotent<BulkAwardRecord> {
        var award = award
        award.auditActor = AuditActor.current
        award.total = targets.count
        let created = award
        return try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: created.programId, idempotency, now: created.createdAt, logger) {
                return .replayed(replay)
            }
            try await connection.query("""
                INSERT INTO bulk_awards (id, program_id, status, points, reason, actor, audit_actor, target, segment_id, total, done, credited, skipped,
                                         created_at, completed_at)
                VALUES (\(created.id), \(created.programId), \(created.status.rawValue), \(created.points), \(created.reason), \(created.actor),
                        \(created.auditActor), \(created.target.rawValue), \(created.segmentId), \(created.total), 0, 0, 0, \(created.createdAt.millis), NULL)
                """, logger: logger)
            try await connection.query("""
                INSERT INTO bulk_award_items (program_id, bulk_award_id, position, target, status)
                SELECT \(created.programId), \(created.id), t.n, t.v, 'pending' FROM unnest(\(targets)::text[]) WITH ORDINALITY AS t(v, n)
                """, logger: logger)
            // The list is resolved to members once, here: the job then credits exactly these.
            let resolve: PostgresQuery = created.target == .externalIds
                ? """
                  UPDATE bulk_award_items AS i SET member_id = m.id FROM members AS m
                  WHERE i.bulk_award_id = \(created.id) AND m.program_id = \(created.programId) AND m.external_id = i.target
                  """
                : """
                  UPDATE bulk_award_items AS i SET member_id = m.id FROM members AS m
                  WHERE i.bulk_award_id = \(created.id) AND m.program_id = \(created.programId) AND m.id = i.target
                  """
            try await connection.query(resolve, logger: logger)
            try await Self.appendAudit(connection, AuditRecord(programId: created.programId, actor: created.auditActor, action: .bulkAwardCreated,
                                                               target: ("bulk_award", created.id), before: nil,
                                                               after: BulkAwardOutcome.createdSnapshot(created), idempotencyKey: idempotency?.key,
                                                               at: created.createdAt), logger)
            return try await Self.remember(connection, programId: created.programId, idempotency, created, logger)
        }
    }

    public func bulkAward(programId: String, id: String) async throws -> BulkAwardRecord? {
        try await read { connection in try await Self.fetchBulkAward(connection, programId: programId, id: id, logger) }
    }

    public func bulkAwards(programId: String, limit: Int, startingAfter: String?) async throws -> Page<BulkAwardRecord> {
        try await read { connection in
            let rows = try await connection.rows("""
                SELECT * FROM bulk_awards WHERE program_id = \(programId) AND (\(startingAfter)::text IS NULL OR id < \(startingAfter))
                ORDER BY id DESC LIMIT \(limit + 1)
                """, logger).map(Self.bulkAward)
            return Page(items: Array(rows.prefix(limit)), hasMore: rows.count > limit)
        }
    }

    public func bulkAwardResults(programId: String, id: String, status: BulkAwardItemStatus?, limit: Int,
                                 startingAfter: Int?) async throws -> Page<BulkAwardResult> {
        try await snapshotRead { connection in
            guard try await Self.fetchBulkAward(connection, programId: programId, id: id, logger) != nil else {
                throw StoreError.notFound("bulk award \(id)")
            }
            let rows = try await connection.rows("""
                SELECT position, target, member_id, status, reason, adjustment_id, done_at FROM bulk_award_items
                WHERE bulk_award_id = \(id) AND position > \(startingAfter ?? 0) AND status <> 'pending'
                  AND (\(status?.rawValue)::text IS NULL OR status = \(status?.rawValue))
                ORDER BY position LIMIT \(limit + 1)
                """, logger).map { row in
                BulkAwardResult(position: try row.get("position", Int.self), target: try row.get("target", String.self),
                                memberId: try row.get("member_id", String?.self),
                                status: BulkAwardItemStatus(rawValue: try row.get("status", String.self)) ?? .pending,
                                reason: try row.get("reason", String?.self).flatMap(BulkAwardSkip.init(rawValue:)),
                                adjustmentId: try row.get("adjustment_id", String?.self), doneAt: try row.optionalDate("done_at"))
            }
            return Page(items: Array(rows.prefix(limit)), hasMore: rows.count > limit)
        }
    }

    public func unfinishedBulkAwards(limit: Int) async throws -> [BulkAwardRecord] {
        try await read { connection in
            try await connection.rows("SELECT * FROM bulk_awards WHERE status <> 'completed' ORDER BY created_at, id LIMIT \(limit)", logger)
                .map(Self.bulkAward)
        }
    }

    public func runBulkAwardBatch(programId: String, id: String, batchSize: Int, now: Date) async throws -> BulkAwardBatch? {
        try await transaction { connection in
            guard let award = try await Self.fetchBulkAward(connection, programId: programId, id: id, logger) else { return nil }
            guard award.status != .completed else { return BulkAwardBatch(award: award, processed: 0) }
            // Another node working on the same job holds its batch's rows: this one takes the next ones.
            let items = try await connection.rows("""
                SELECT position, member_id FROM bulk_award_items WHERE bulk_award_id = \(id) AND status = 'pending'
                ORDER BY position LIMIT \(batchSize) FOR UPDATE SKIP LOCKED
                """, logger).map { (position: try $0.get("position", Int.self), memberId: try $0.get("member_id", String?.self)) }
            var credited = 0, skipped = 0
            for item in items {
                let outcome = try await creditBulkAwardTarget(connection, award: award, memberId: item.memberId, now: now)
                try await connection.query("""
                    UPDATE bulk_award_items SET status = \(outcome.status.rawValue), reason = \(outcome.reason), adjustment_id = \(outcome.adjustmentId),
                           done_at = \(now.millis)
                    WHERE bulk_award_id = \(id) AND position = \(item.position)
                    """, logger: logger)
                if outcome.status == .credited { credited += 1 } else { skipped += 1 }
            }
            // The job's row last, locked: counts move by this batch's own on top of what other nodes' batches
            // committed, and the job completes once, by whoever then sees nothing pending. NO KEY UPDATE:
            // each batch's credits hold a key-share lock on this row (their foreign key), which FOR UPDATE
            // would wait on — two batches finishing together deadlocked every time.
            guard var updated = try await connection.row("""
                SELECT * FROM bulk_awards WHERE program_id = \(programId) AND id = \(id) FOR NO KEY UPDATE
                """, logger).map(Self.bulkAward) else { return nil }
            let wasCompleted = updated.status == .completed
            let pending = try await connection.row("""
                SELECT EXISTS (SELECT 1 FROM bulk_award_items WHERE bulk_award_id = \(id) AND status = 'pending') AS pending
                """, logger)?.get("pending", Bool.self) ?? false
            updated.done += items.count
            updated.credited += credited
            updated.skipped += skipped
            if !wasCompleted {
                updated.status = pending ? .running : .completed
                updated.completedAt = pending ? nil : now
            }
            try await connection.query("""
                UPDATE bulk_awards SET status = \(updated.status.rawValue), done = \(updated.done), credited = \(updated.credited),
                       skipped = \(updated.skipped), completed_at = \(updated.completedAt?.millis)
                WHERE id = \(id)
                """, logger: logger)
            if updated.status == .completed, !wasCompleted {
                try await Self.appendAudit(connection, AuditRecord(programId: programId, actor: AuditActor.system, action: .bulkAwardCompleted,
                                                                   target: ("bulk_award", id), before: nil,
                                                                   after: BulkAwardOutcome.completedSnapshot(updated), idempotencyKey: nil, at: now), logger)
            }
            return BulkAwardBatch(award: updated, processed: items.count)
        }
    }

    /// One target of the job, in the batch's transaction: skipped with its reason, or credited by the
    /// adjustment every staff credit is, and recorded under the unique key (job, member).
    func creditBulkAwardTarget(_ connection: PostgresConnection, award: BulkAwardRecord, memberId: String?, now: Date) async throws -> BulkAwardOutcome {
        guard let memberId, let member = try await Self.fetchMember(connection, programId: award.programId, id: memberId, lock: true, logger) else {
            return .skipped(.unknownMember)
        }
        if let refusal = BulkAwardOutcome.refusal(member.status) { return .skipped(refusal) }
        guard try await connection.row("""
            SELECT 1 AS one FROM bulk_award_credits WHERE bulk_award_id = \(award.id) AND member_id = \(memberId)
            """, logger) == nil else { return .skipped(.alreadyCredited) }
        let adjustmentId = Identifiers.make("adj", now: now)
        do {
            _ = try await applyAdjustment(connection, programId: award.programId, member: member, id: adjustmentId, points: award.points,
                                          reason: award.reason, actor: award.creditActor, auditActor: award.auditActor, idempotencyKey: nil, now: now)
        } catch is LedgerError {
            return .skipped(.pointsOutOfBounds)
        }
        // The unique key (job, member): a second credit of this member by this job cannot commit.
        try await connection.query("""
            INSERT INTO bulk_award_credits (program_id, bulk_award_id, member_id, adjustment_id, created_at)
            VALUES (\(award.programId), \(award.id), \(memberId), \(adjustmentId), \(now.millis))
            """, logger: logger)
        return .credited(adjustmentId: adjustmentId)
    }
}
