import Foundation
import LaurelCore
import PostgresNIO

extension PostgresStore {
    public func createSimulation(_ simulation: SimulationRecord, maxActive: Int,
                                 idempotency: Idempotency<SimulationRecord>?) async throws -> Idempotent<SimulationRecord> {
        try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: simulation.programId, idempotency, now: simulation.createdAt, logger) {
                return .replayed(replay)
            }
            // The program's row, locked against other creations (not against its members' and events' writes,
            // whose foreign keys take KEY SHARE): two requests on two nodes cannot both pass the count.
            guard try await connection.row("SELECT id FROM programs WHERE id = \(simulation.programId) FOR NO KEY UPDATE", logger) != nil else {
                throw StoreError.notFound("program \(simulation.programId)")
            }
            let active = try await connection.row("""
                SELECT count(*) AS n FROM simulations WHERE program_id = \(simulation.programId) AND \(unescaped: SimulationStoreSQL.active)
                """, logger)?.get("n", Int64.self) ?? 0
            guard active < maxActive else { throw SimulationQueueFull(programId: simulation.programId, limit: maxActive) }
            try await connection.query("""
                INSERT INTO simulations (id, program_id, status, progress, from_at, until_at, draft_source, actor, created_at, attempts)
                VALUES (\(simulation.id), \(simulation.programId), \(simulation.status.rawValue), \(Int64(simulation.progress)),
                        \(simulation.from.millis), \(simulation.until.millis), \(simulation.draftSource), \(simulation.actor),
                        \(simulation.createdAt.millis), 0)
                """, logger: logger)
            try await Self.appendAudit(connection, .simulationCreated(simulation, idempotencyKey: idempotency?.key), logger)
            return try await Self.remember(connection, programId: simulation.programId, idempotency, simulation, logger)
        }
    }

    public func simulation(programId: String, id: String) async throws -> SimulationRecord? {
        try await read { connection in
            try await connection.row("""
                SELECT \(unescaped: SimulationStoreSQL.listColumns), result FROM simulations WHERE program_id = \(programId) AND id = \(id)
                """, logger).map { try Self.simulationRecord($0, withResult: true) }
        }
    }

    public func simulations(programId: String, limit: Int, startingAfter: String?) async throws -> Page<SimulationRecord> {
        try await read { connection in
            let rows = try await connection.rows("""
                SELECT \(unescaped: SimulationStoreSQL.listColumns) FROM simulations
                WHERE program_id = \(programId) AND (\(startingAfter)::TEXT IS NULL OR id < \(startingAfter))
                ORDER BY id DESC LIMIT \(Int64(limit) + 1)
                """, logger).map { try Self.simulationRecord($0, withResult: false) }
            return Page(items: Array(rows.prefix(limit)), hasMore: rows.count > limit)
        }
    }

    public func claimSimulation(now: Date, leaseUntil: Date) async throws -> SimulationRecord? {
        try await transaction { connection in
            // SKIP LOCKED: a node claiming at the same time takes the next one, or none.
            try await connection.row("""
                UPDATE simulations SET status = 'running', attempts = attempts + 1, lease_until = \(leaseUntil.millis),
                       started_at = \(now.millis), progress = 0
                WHERE id = (SELECT id FROM simulations WHERE status = 'queued' OR (status = 'running' AND lease_until < \(now.millis))
                            ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING \(unescaped: SimulationStoreSQL.listColumns), result
                """, logger).map { try Self.simulationRecord($0, withResult: true) }
        }
    }

    public func updateSimulation(id: String, attempt: Int, progress: Int, leaseUntil: Date) async throws -> Bool {
        try await read { connection in
            try await connection.row("""
                UPDATE simulations SET progress = \(Int64(progress)), lease_until = \(leaseUntil.millis)
                WHERE id = \(id) AND attempts = \(Int64(attempt)) AND status = 'running' RETURNING id
                """, logger) != nil
        }
    }

    public func finishSimulation(id: String, attempt: Int, result: String?, error: String?, now: Date) async throws -> Bool {
        let status = error == nil ? SimulationStatus.completed.rawValue : SimulationStatus.failed.rawValue
        return try await read { connection in
            try await connection.row("""
                UPDATE simulations SET status = \(status), progress = CASE WHEN \(error)::TEXT IS NULL THEN 10000 ELSE progress END,
                       result = \(result), error = \(error), completed_at = \(now.millis), lease_until = NULL
                WHERE id = \(id) AND attempts = \(Int64(attempt)) AND status = 'running' RETURNING id
                """, logger) != nil
        }
    }

    private static func simulationRecord(_ row: PostgresRandomAccessRow, withResult: Bool) throws -> SimulationRecord {
        SimulationRecord(
            id: try row.get("id"), programId: try row.get("program_id"),
            status: SimulationStatus(rawValue: try row.get("status", String.self)) ?? .failed, progress: Int(try row.get("progress", Int64.self)),
            from: try row.date("from_at"), until: try row.date("until_at"), draftSource: try row.get("draft_source", String?.self),
            actor: try row.get("actor"), createdAt: try row.date("created_at"), startedAt: try row.optionalDate("started_at"),
            completedAt: try row.optionalDate("completed_at"), error: try row.get("error", String?.self),
            result: withResult ? try row.get("result", String?.self) : nil, attempts: Int(try row.get("attempts", Int64.self)))
    }
}
