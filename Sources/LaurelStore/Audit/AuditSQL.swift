import Foundation
import LaurelCore

/// The audit trail's statements, written once for both backends (they differ only in placeholders).
struct AuditSQL {
    enum Dialect { case sqlite, postgres }
    enum Bind: Sendable, Equatable {
        case text(String?)
        case int(Int64)
    }

    let dialect: Dialect
    private(set) var binds: [Bind] = []

    init(_ dialect: Dialect) { self.dialect = dialect }

    private mutating func bind(_ value: Bind) -> String {
        binds.append(value)
        return dialect == .sqlite ? "?" : "$\(binds.count)"
    }

    /// Appends one entry.
    mutating func insert(_ record: AuditRecord) -> String {
        let values = [
            bind(.text(record.programId)), bind(.text(record.actor)), bind(.text(record.action.rawValue)), bind(.text(record.targetType)),
            bind(.text(record.targetId)), bind(.text(record.before)), bind(.text(record.after)), bind(.text(record.idempotencyKey)),
            bind(.int(Timestamps.millis(record.createdAt))),
        ]
        return """
            INSERT INTO audit_entries (program_id, actor, action, target_type, target_id, before_json, after_json, idempotency_key, created_at)
            VALUES (\(values.joined(separator: ", ")))
            """
    }

    /// A page of a program's entries, newest first, one more than `limit` to tell whether more follow.
    mutating func page(programId: String, filter: AuditFilter, limit: Int, startingAfter: Int64?) -> String {
        var conditions = ["program_id = \(bind(.text(programId)))"]
        if let actor = filter.actor { conditions.append("actor = \(bind(.text(actor)))") }
        if let action = filter.action { conditions.append("action = \(bind(.text(action)))") }
        if let targetType = filter.targetType { conditions.append("target_type = \(bind(.text(targetType)))") }
        if let targetId = filter.targetId { conditions.append("target_id = \(bind(.text(targetId)))") }
        if let from = filter.from { conditions.append("created_at >= \(bind(.int(Timestamps.millis(from))))") }
        if let until = filter.until { conditions.append("created_at < \(bind(.int(Timestamps.millis(until))))") }
        if let startingAfter { conditions.append("seq < \(bind(.int(startingAfter)))") }
        return """
            SELECT seq, program_id, actor, action, target_type, target_id, before_json, after_json, idempotency_key, created_at
            FROM audit_entries WHERE \(conditions.joined(separator: " AND ")) ORDER BY seq DESC LIMIT \(bind(.int(Int64(limit) + 1)))
            """
    }
}
