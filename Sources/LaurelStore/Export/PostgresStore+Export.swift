import Foundation
import LaurelCore
import PostgresNIO

/// Both on the read replica when there is one: an export is already not a snapshot (each page its own read).
extension PostgresStore {
    public func exportLedger(programId: String, afterSequence: Int64, limit: Int) async throws -> [ExportedLedgerEntry] {
        let logger = self.logger
        return try await replicaRead { connection in
            var bindings = PostgresBindings()
            bindings.append(programId)
            bindings.append(afterSequence)
            bindings.append(limit)
            let rows = try await connection.rows(PostgresQuery(unsafeSQL: ExportSQL.ledger(["$1", "$2", "$3"]), binds: bindings), logger)
            return try rows.map { row in
                ExportedLedgerEntry(record: try Self.entry(row), lotExpiresAt: try row.optionalDate("lot_expires_at"))
            }
        }
    }

    public func exportEvents(programId: String, afterId: String, limit: Int) async throws -> [StoredEvent] {
        let logger = self.logger
        return try await replicaRead { connection in
            var bindings = PostgresBindings()
            bindings.append(programId)
            bindings.append(afterId)
            bindings.append(limit)
            let rows = try await connection.rows(PostgresQuery(unsafeSQL: ExportSQL.events(["$1", "$2", "$3"]), binds: bindings), logger)
            return try rows.map { row in
                StoredEvent(id: try row.get("id"), memberId: try row.get("member_id"), recordedAt: try row.date("recorded_at"), payload: try row.get("payload"))
            }
        }
    }
}
