import Foundation
import GRDB
import LaurelCore

/// `ImportJobStore` on SQLite: writes are serialised, so a claim is decisive at once.
extension SQLiteStore {
    public func createImportJob(_ job: ImportJobRecord, content: Data,
                                idempotency: Idempotency<ImportJobRecord>?) async throws -> Idempotent<ImportJobRecord> {
        let actor = AuditActor.current
        return try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: job.programId, idempotency) { return .replayed(replay) }
            guard try db.row("SELECT id FROM programs WHERE id = ?", [job.programId]) != nil else { throw StoreError.notFound("program \(job.programId)") }
            try db.run("""
                INSERT INTO import_jobs (id, program_id, kind, format, on_error, as_recorded, again, bytes, rows, status, actor, content, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)
                """, [job.id, job.programId, job.kind, job.format, job.onError, job.asRecorded, job.again, job.bytes, job.rows, job.actor, content,
                      job.createdAt.millis])
            try Self.appendAudit(db, AuditRecord(programId: job.programId, actor: actor, action: .importCreated, target: ("import", job.id),
                                                 before: nil, after: job.auditJSON, idempotencyKey: idempotency?.key, at: job.createdAt))
            return try Self.remember(db, programId: job.programId, idempotency, job, now: job.createdAt)
        }
    }

    public func importJob(programId: String, id: String) async throws -> ImportJobRecord? {
        try await read { db in try db.row("SELECT \(Self.importJobColumns) FROM import_jobs WHERE program_id = ? AND id = ?", [programId, id], Self.importJob) }
    }

    public func importJobs(programId: String, limit: Int, startingAfter: String?) async throws -> Page<ImportJobRecord> {
        try await read { db in
            let rows = try db.rows("""
                SELECT \(Self.importJobColumns) FROM import_jobs WHERE program_id = ? AND (? IS NULL OR id < ?) ORDER BY id DESC LIMIT ?
                """, [programId, startingAfter, startingAfter, limit + 1], Self.importJob)
            return Page(items: Array(rows.prefix(limit)), hasMore: rows.count > limit)
        }
    }

    public func unfinishedImportJobs(programId: String) async throws -> Int {
        try await read { db in
            try db.row("SELECT count(*) AS n FROM import_jobs WHERE program_id = ? AND status IN ('queued', 'running')", [programId])?["n"] ?? 0
        }
    }

    public func claimImportJob(now: Date, leaseUntil: Date) async throws -> (job: ImportJobRecord, content: Data)? {
        // A read first: the job runs every few seconds on every node, and mostly finds nothing to do.
        let waiting = try await read { db in
            try db.row("SELECT 1 FROM import_jobs WHERE status = 'queued' OR (status = 'running' AND lease_until < ?) LIMIT 1", [now.millis]) != nil
        }
        guard waiting else { return nil }
        return try await write { db in
            guard let row = try db.row("""
                SELECT id FROM import_jobs
                WHERE status = 'queued' OR (status = 'running' AND lease_until < ?)
                ORDER BY created_at, id LIMIT 1
                """, [now.millis]) else { return nil }
            let id: String = row["id"]
            try db.run("""
                UPDATE import_jobs SET status = 'running', lease_until = ?, started_at = coalesce(started_at, ?) WHERE id = ?
                """, [leaseUntil.millis, now.millis, id])
            guard let job = try db.row("SELECT \(Self.importJobColumns) FROM import_jobs WHERE id = ?", [id], Self.importJob),
                  let content = try db.row("SELECT content FROM import_jobs WHERE id = ?", [id])?["content"] as Data? else { return nil }
            return (job, content)
        }
    }

    public func recordImportProgress(id: String, done: Int, leaseUntil: Date) async throws {
        try await write { db in
            try db.run("UPDATE import_jobs SET done = ?, lease_until = ? WHERE id = ? AND status = 'running'", [done, leaseUntil.millis, id])
        }
    }

    public func finishImportJob(_ job: ImportJobRecord) async throws {
        try await write { db in
            try db.run("""
                UPDATE import_jobs SET status = ?, done = ?, recorded = ?, refused = ?, points = ?, refusals = ?, notices = ?, error = ?,
                       finished_at = ?, lease_until = NULL, content = NULL
                WHERE id = ?
                """, [job.status.rawValue, job.done, job.recorded, job.refused, job.points, job.refusalsJSON, job.noticesJSON, job.error,
                      job.finishedAt?.millis, job.id])
        }
    }

    static let importJobColumns = """
        id, program_id, kind, format, on_error, as_recorded, again, bytes, rows, status, done, recorded, refused, points, refusals, notices, error,
        actor, created_at, started_at, finished_at
        """

    static func importJob(_ row: Row) throws -> ImportJobRecord {
        ImportJobRecord(id: row["id"], programId: row["program_id"], kind: row["kind"], format: row["format"], onError: row["on_error"],
                        asRecorded: row["as_recorded"], again: row["again"], bytes: row["bytes"], rows: row["rows"],
                        status: ImportJobRecord.Status(rawValue: row["status"]) ?? .failed, done: row["done"], recorded: row["recorded"],
                        refused: row["refused"], points: row["points"],
                        refusals: try JSONText.decode([ImportJobRecord.Refusal].self, row["refusals"]),
                        notices: try JSONText.decode([String].self, row["notices"]), error: row["error"], actor: row["actor"],
                        createdAt: Date(millis: row["created_at"]), startedAt: (row["started_at"] as Int64?).map(Date.init(millis:)),
                        finishedAt: (row["finished_at"] as Int64?).map(Date.init(millis:)))
    }
}
