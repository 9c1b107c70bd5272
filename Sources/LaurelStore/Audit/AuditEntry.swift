import Foundation
import LaurelCore

/// One line of the audit trail: who did what to which object, with the object before and after
/// (JSON, never a secret), and the request's idempotency key. Entries are never changed or deleted
/// (the database refuses it).
public struct AuditEntry: Hashable, Sendable {
    /// The entry's place in the trail (ids are `aud_<sequence>`; newer entries have larger ones).
    public var sequence: Int64
    public var programId: String
    public var actor: String
    /// A stable dotted name, such as `reward.updated` (`AuditAction`).
    public var action: String
    public var targetType: String
    public var targetId: String
    /// The object before and after the action as JSON text; nil when it did not exist.
    public var before: String?
    public var after: String?
    public var idempotencyKey: String?
    public var createdAt: Date

    public var id: String { "aud_\(sequence)" }
    public static let idPrefix = "aud_"
}

/// An entry about to be written, in the transaction of the action it records.
public struct AuditRecord: Sendable {
    public var programId: String
    public var actor: String
    public var action: AuditAction
    public var targetType: String
    public var targetId: String
    /// JSON text (`AuditRecord.json`), nil when the object did not exist before or does not after.
    public var before: String?
    public var after: String?
    public var idempotencyKey: String?
    public var createdAt: Date

    /// `actor` is `AuditActor.current`, read by the store method in its task before it enters the
    /// database's transaction (which may run on another thread, where the task-local is not set).
    public init(programId: String, actor: String, action: AuditAction, target: (type: String, id: String), before: String?, after: String?,
                idempotencyKey: String?, at createdAt: Date) {
        self.programId = programId
        self.actor = actor
        self.action = action
        self.targetType = target.type
        self.targetId = target.id
        self.before = before
        self.after = after
        self.idempotencyKey = idempotencyKey
        self.createdAt = createdAt
    }

    /// A value as JSON text with sorted keys.
    public static func json(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self)
    }
}

/// Which entries to list: each set field must match; `from` is inclusive, `until` exclusive.
public struct AuditFilter: Hashable, Sendable {
    public var actor: String?
    public var action: String?
    public var targetType: String?
    public var targetId: String?
    public var from: Date?
    public var until: Date?
    public init(actor: String? = nil, action: String? = nil, targetType: String? = nil, targetId: String? = nil, from: Date? = nil, until: Date? = nil) {
        self.actor = actor
        self.action = action
        self.targetType = targetType
        self.targetId = targetId
        self.from = from
        self.until = until
    }
}
