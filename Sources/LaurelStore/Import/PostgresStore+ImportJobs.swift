import Foundation
import LaurelCore
import PostgresNIO

/// `ImportJobStore` on PostgreSQL: a claim locks the job's row and skips those another node holds,
/// so two nodes never run one job at once while its lease lasts.
extension PostgresStore {
    public func createImportJob(_ job: ImportJobRecord, content: Data,
                                idempotency: Idempotency<ImportJobRecord>?) async throws -> Idempotent<ImportJobRecord> {
        let actor = AuditActor.current
        return try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: job.programId, idempotency, now: job.createdAt, logger) {
                return .replayed(replay)
            }
            guard try await connection.row("SELECT id FROM programs WHERE id = \(job.programId)", logger) != nil else {
                throw StoreError.notFound("program \(job.programId)")
            }
            try await connection.query("""
                INSERT INTO import_jobs (id, program_id, kind, format, on_error, as_recorded, again, bytes, rows, status, actor, content, created_at)
                VALUES (\(job.id), \(job.programId), \(job.kind), \(job.format), \(job.onError), \(job.asRecorded), \(job.again), \(Int64(job.bytes)),
                        \(Int64(job.rows)), 'queued', \(job.actor), \(content), \(job.createdAt.millis))
                """, logger: logger)
            try await Self.appendAudit(connection, AuditRecord(programId: job.programId, actor: actor, action: .importCreated, target: ("import", job.id),
                                                               before: nil, after: job.auditJSON, idempotencyKey: idempotency?.key, at: job.createdAt),
                                       logger)
            return try await Self.remember(connection, programId: job.programId, idempotency, job, logger)
        }
    }

    public func importJob(programId: String, id: String) async throws -> ImportJobRecord? {
        try await read { connection in
            try await connection.row("SELECT \(unescaped: Self.importJobColumns) FROM import_jobs WHERE program_id = \(programId) AND id = \(id)",
                                     logger).map(Self.importJob)
        }
    }

    public func importJobs(programId: String, limit: Int, startingAfter: String?) async throws -> Page<ImportJobRecord> {
        try await read { connection in
            let rows = try await connection.rows("""
                SELECT \(unescaped: Self.importJobColumns) FROM import_jobs
                WHERE program_id = \(programId) AND (\(startingAfter)::text IS NULL OR id < \(startingAfter)) ORDER BY id DESC LIMIT \(limit + 1)
                """, logger)
            return Page(items: try rows.prefix(limit).map(Self.importJob), hasMore: rows.count > limit)
        }
    }

    public func unfinishedImportJobs(programId: String) async throws -> Int {
        try await read { connection in
            Int(try await connection.row("""
                SELECT count(*) AS n FROM import_jobs WHERE program_id = \(programId) AND status IN ('queued', 'running')
                """, logger)?.get("n", Int64.self) ?? 0)
        }
    }

    public func claimImportJob(now: Date, leaseUntil: Date) async throws -> (job: ImportJobRecord, content: Data)? {
        try await transaction { connection in
            guard let row = try await connection.row("""
                UPDATE import_jobs SET status = 'running', lease_until = \(leaseUntil.millis), started_at = coalesce(started_at, \(now.millis))
                WHERE id = (SELECT id FROM import_jobs WHERE status = 'queued' OR (status = 'running' AND lease_until < \(now.millis))
                            ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING \(unescaped: Self.importJobColumns), content
                """, logger), let content = try row.get("content", Data?.self) else { return nil }
            return (try Self.importJob(row), content)
        }
    }

    public func recordImportProgress(id: String, done: Int, leaseUntil: Date) async throws {
        try await transaction { connection in
            _ = try await connection.query("""
                UPDATE import_jobs SET done = \(Int64(done)), lease_until = \(leaseUntil.millis) WHERE id = \(id) AND status = 'running'
                """, logger: logger)
        }
    }

    public func finishImportJob(_ job: ImportJobRecord) async throws {
        try await transaction { connection in
            _ = try await connection.query("""
                UPDATE import_jobs SET status = \(job.status.rawValue), done = \(Int64(job.done)), recorded = \(Int64(job.recorded)),
                       refused = \(Int64(job.refused)), points = \(Int64(job.points)), refusals = \(job.refusalsJSON), notices = \(job.noticesJSON),
                       error = \(job.error), finished_at = \(job.finishedAt?.millis), lease_until = NULL, content = NULL
                WHERE id = \(job.id)
                """, logger: logger)
        }
    }

    static let importJobColumns = """
        id, program_id, kind, format, on_error, as_recorded, again, bytes, rows, status, done, recorded, refused, points, refusals, notices, error,
        actor, created_at, started_at, finished_at
        """

    static func importJob(_ row: PostgresRandomAccessRow) throws -> ImportJobRecord {
        ImportJobRecord(id: try row.get("id"), programId: try row.get("program_id"), kind: try row.get("kind"), format: try row.get("format"),
                        onError: try row.get("on_error"), asRecorded: try row.get("as_recorded"), again: try row.get("again"),
                        bytes: Int(try row.get("bytes", Int64.self)), rows: Int(try row.get("rows", Int64.self)),
                        status: ImportJobRecord.Status(rawValue: try row.get("status", String.self)) ?? .failed,
                        done: Int(try row.get("done", Int64.self)), recorded: Int(try row.get("recorded", Int64.self)),
                        refused: Int(try row.get("refused", Int64.self)), points: Int(try row.get("points", Int64.self)),
                        refusals: try JSONText.decode([ImportJobRecord.Refusal].self, try row.get("refusals")),
                        notices: try JSONText.decode([String].self, try row.get("notices")), error: try row.get("error", String?.self),
                        actor: try row.get("actor"), createdAt: try row.date("created_at"), startedAt: try row.optionalDate("started_at"),
                        finishedAt: try row.optionalDate("finished_at"))
    }
}
