import Foundation
import GRDB
import LaurelCore

extension SQLiteStore {
    public func createSimulation(_ simulation: SimulationRecord, maxActive: Int,
                                 idempotency: Idempotency<SimulationRecord>?) async throws -> Idempotent<SimulationRecord> {
        try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: simulation.programId, idempotency) { return .replayed(replay) }
            guard try db.row("SELECT id FROM programs WHERE id = ?", [simulation.programId]) != nil else {
                throw StoreError.notFound("program \(simulation.programId)")
            }
            // Writes are serialised: the count cannot change before this one commits.
            let active: Int = try db.row("SELECT count(*) AS n FROM simulations WHERE program_id = ? AND \(SimulationStoreSQL.active)",
                                         [simulation.programId])?["n"] ?? 0
            guard active < maxActive else { throw SimulationQueueFull(programId: simulation.programId, limit: maxActive) }
            try db.run("""
                INSERT INTO simulations (id, program_id, status, progress, from_at, until_at, draft_source, actor, created_at, attempts)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
                """, [simulation.id, simulation.programId, simulation.status.rawValue, simulation.progress, simulation.from.millis,
                      simulation.until.millis, simulation.draftSource, simulation.actor, simulation.createdAt.millis])
            try Self.appendAudit(db, .simulationCreated(simulation, idempotencyKey: idempotency?.key))
            return try Self.remember(db, programId: simulation.programId, idempotency, simulation, now: simulation.createdAt)
        }
    }

    public func simulation(programId: String, id: String) async throws -> SimulationRecord? {
        try await read { db in
            try db.rows("SELECT \(SimulationStoreSQL.listColumns), result FROM simulations WHERE program_id = ? AND id = ?", [programId, id],
                        Self.simulationRecord).first
        }
    }

    public func simulations(programId: String, limit: Int, startingAfter: String?) async throws -> Page<SimulationRecord> {
        try await read { db in
            let rows: [SimulationRecord]
            if let startingAfter {
                rows = try db.rows("""
                    SELECT \(SimulationStoreSQL.listColumns) FROM simulations WHERE program_id = ? AND id < ? ORDER BY id DESC LIMIT ?
                    """, [programId, startingAfter, limit + 1], Self.simulationRecord)
            } else {
                rows = try db.rows("SELECT \(SimulationStoreSQL.listColumns) FROM simulations WHERE program_id = ? ORDER BY id DESC LIMIT ?",
                                   [programId, limit + 1], Self.simulationRecord)
            }
            return Page(items: Array(rows.prefix(limit)), hasMore: rows.count > limit)
        }
    }

    public func claimSimulation(now: Date, leaseUntil: Date) async throws -> SimulationRecord? {
        try await write { db in
            guard let id: String = try db.row("""
                SELECT id FROM simulations WHERE status = 'queued' OR (status = 'running' AND lease_until < ?)
                ORDER BY created_at, id LIMIT 1
                """, [now.millis])?["id"] else { return nil }
            try db.run("""
                UPDATE simulations SET status = 'running', attempts = attempts + 1, lease_until = ?, started_at = ?, progress = 0
                WHERE id = ?
                """, [leaseUntil.millis, now.millis, id])
            return try db.rows("SELECT \(SimulationStoreSQL.listColumns), result FROM simulations WHERE id = ?", [id], Self.simulationRecord).first
        }
    }

    public func updateSimulation(id: String, attempt: Int, progress: Int, leaseUntil: Date) async throws -> Bool {
        try await write { db in
            try db.run("UPDATE simulations SET progress = ?, lease_until = ? WHERE id = ? AND attempts = ? AND status = 'running'",
                       [progress, leaseUntil.millis, id, attempt])
            return db.changesCount > 0
        }
    }

    public func finishSimulation(id: String, attempt: Int, result: String?, error: String?, now: Date) async throws -> Bool {
        try await write { db in
            try db.run("""
                UPDATE simulations SET status = ?, progress = CASE WHEN ? IS NULL THEN 10000 ELSE progress END, result = ?, error = ?,
                       completed_at = ?, lease_until = NULL
                WHERE id = ? AND attempts = ? AND status = 'running'
                """, [error == nil ? SimulationStatus.completed.rawValue : SimulationStatus.failed.rawValue, error, result, error, now.millis,
                      id, attempt])
            return db.changesCount > 0
        }
    }

    private static func simulationRecord(_ row: Row) throws -> SimulationRecord {
        let hasResult = row.hasColumn("result")
        return SimulationRecord(
            id: row["id"], programId: row["program_id"], status: SimulationStatus(rawValue: row["status"]) ?? .failed, progress: row["progress"],
            from: Date(millis: row["from_at"]), until: Date(millis: row["until_at"]), draftSource: row["draft_source"], actor: row["actor"],
            createdAt: Date(millis: row["created_at"]), startedAt: (row["started_at"] as Int64?).map { Date(millis: $0) },
            completedAt: (row["completed_at"] as Int64?).map { Date(millis: $0) }, error: row["error"],
            result: hasResult ? row["result"] : nil, attempts: row["attempts"])
    }
}
