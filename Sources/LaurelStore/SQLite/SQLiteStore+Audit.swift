import Foundation
import GRDB
import LaurelCore

extension SQLiteStore {
    /// Writes an audit entry inside the transaction of the action it records.
    static func appendAudit(_ db: Database, _ record: AuditRecord) throws {
        var sql = AuditSQL(.sqlite)
        let text = sql.insert(record)
        try db.run(text, sql.arguments)
    }

    public func auditEntries(programId: String, filter: AuditFilter, limit: Int, startingAfter: Int64?) async throws -> Page<AuditEntry> {
        try await read { db in
            var sql = AuditSQL(.sqlite)
            let text = sql.page(programId: programId, filter: filter, limit: limit, startingAfter: startingAfter)
            let entries = try db.rows(text, sql.arguments).map { row in
                AuditEntry(sequence: row["seq"], programId: row["program_id"], actor: row["actor"], action: row["action"],
                           targetType: row["target_type"], targetId: row["target_id"], before: row["before_json"], after: row["after_json"],
                           idempotencyKey: row["idempotency_key"], createdAt: Date(millis: row["created_at"]))
            }
            return Page(items: Array(entries.prefix(limit)), hasMore: entries.count > limit)
        }
    }
}

extension AuditSQL {
    /// The binds, for GRDB.
    var arguments: StatementArguments {
        StatementArguments(binds.map { bind -> (any DatabaseValueConvertible)? in
            switch bind {
            case .text(let text): text
            case .int(let int): int
            }
        })
    }
}
