import Foundation
import LaurelCore
import LaurelStore

/// An audit entry as the API shows it; `before` and `after` are the objects themselves (null when
/// the object did not exist), not JSON text.
struct AuditEntryView: Encodable {
    let entry: AuditEntry

    enum CodingKeys: String, CodingKey {
        case id, object, actor, action, target, before, after, idempotencyKey = "idempotency_key", createdAt = "created_at"
    }

    struct Target: Encodable {
        var type: String
        var id: String
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(entry.id, forKey: .id)
        try container.encode("audit_entry", forKey: .object)
        try container.encode(entry.actor, forKey: .actor)
        try container.encode(entry.action, forKey: .action)
        try container.encode(Target(type: entry.targetType, id: entry.targetId), forKey: .target)
        try container.encode(try Self.object(entry.before), forKey: .before)
        try container.encode(try Self.object(entry.after), forKey: .after)
        try container.encode(entry.idempotencyKey, forKey: .idempotencyKey)
        try container.encode(Timestamps.format(entry.createdAt), forKey: .createdAt)
    }

    static func object(_ text: String?) throws -> JSONValue {
        guard let text else { return .null }
        return try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }
}
