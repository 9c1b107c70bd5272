import Foundation
import LaurelCore
import Logging
import PostgresNIO

extension PostgresStore {
    /// Writes an audit entry inside the transaction of the action it records.
    static func appendAudit(_ connection: PostgresConnection, _ record: AuditRecord, _ logger: Logger) async throws {
        var sql = AuditSQL(.postgres)
        let text = sql.insert(record)
        try await connection.query(sql.query(text), logger: logger)
    }

    /// On the read replica when there is one: a list of past actions, never read back by the action that wrote it.
    public func auditEntries(programId: String, filter: AuditFilter, limit: Int, startingAfter: Int64?) async throws -> Page<AuditEntry> {
        let logger = self.logger
        return try await replicaRead { connection in
            var sql = AuditSQL(.postgres)
            let text = sql.page(programId: programId, filter: filter, limit: limit, startingAfter: startingAfter)
            let entries = try await connection.rows(sql.query(text), logger).map { row in
                AuditEntry(sequence: try row.get("seq"), programId: try row.get("program_id"), actor: try row.get("actor"),
                           action: try row.get("action"), targetType: try row.get("target_type"), targetId: try row.get("target_id"),
                           before: try row.get("before_json", String?.self), after: try row.get("after_json", String?.self),
                           idempotencyKey: try row.get("idempotency_key", String?.self), createdAt: try row.date("created_at"))
            }
            return Page(items: Array(entries.prefix(limit)), hasMore: entries.count > limit)
        }
    }
}

extension AuditSQL {
    /// The statement with its binds, for postgres-nio.
    func query(_ text: String) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: binds.count)
        for bind in binds {
            switch bind {
            case .text(let text): bindings.append(text)
            case .int(let int): bindings.append(int)
            }
        }
        return PostgresQuery(unsafeSQL: text, binds: bindings)
    }
}
