import Foundation
import LaurelCore
import LaurelStore

/// The bodies of the webhook endpoint routes. Unlike the other JSON bodies, unknown keys are
/// refused: a misspelt `type` or `enabled` would otherwise change nothing without a word.
enum WebhookBodies {
    static let maxDescription = 500

    /// The body's object, refusing keys other than `allowed`.
    static func object(_ body: Data, allowed: Set<String>) throws -> [String: JSONValue] {
        let fields = try APIJSON.decode(JSONValue.self, from: body).objectValue ?? [:]
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw Problem.invalid(unknown, "unknown field \(unknown); the fields are \(allowed.sorted().joined(separator: ", "))")
        }
        return fields
    }

    static func url(_ value: JSONValue?) throws -> String {
        guard case .string(let url)? = value else { throw Problem.invalid("url", "url must be a string") }
        return url
    }

    /// The subscribed types, every unknown one reported; duplicates are kept once.
    static func types(_ value: JSONValue?) throws -> [String] {
        guard let value else { return [] }
        guard case .array(let items) = value else { throw Problem.invalid("types", "types must be a list of message types") }
        var types: [String] = [], errors: [[String: String]] = []
        for (index, item) in items.enumerated() {
            guard case .string(let type) = item else {
                errors.append(["path": "types[\(index)]", "message": "a message type is a string"])
                continue
            }
            guard MessageType.all.contains(type) else {
                errors.append(["path": "types[\(index)]", "message": "unknown message type \"\(type)\""])
                continue
            }
            if !types.contains(type) { types.append(type) }
        }
        if !errors.isEmpty {
            var problem = Problem(.unprocessableContent, "unknown_message_type",
                                  "types has \(errors.count) problem(s): \(errors.map { $0["message"] ?? "" }.joined(separator: "; ")); the types are "
                                      + MessageType.all.joined(separator: ", "),
                                  field: errors[0]["path"])
            problem.extra = ["errors": .list(errors)]
            throw problem
        }
        return types
    }

    static func description(_ value: JSONValue?) throws -> String?? {
        switch value {
        case nil: return nil
        case .null?: return .some(nil)
        case .string(let text)?:
            guard text.unicodeScalars.count <= maxDescription else {
                throw Problem.invalid("description", "description must be at most \(maxDescription) characters")
            }
            return .some(text)
        default: throw Problem.invalid("description", "description must be a string or null")
        }
    }

    /// A consent the messages' members must have granted (`marketing`), or null for none.
    static func requiresConsent(_ value: JSONValue?) throws -> String?? {
        switch value {
        case nil: return nil
        case .null?: return .some(nil)
        case .string(let name)? where ConsentName.isValid(name): return .some(name)
        default:
            throw Problem.invalid("requires_consent", "requires_consent must be a consent name (1 to 40 lowercase letters, digits or _, "
                                  + "starting with a letter, e.g. marketing) or null")
        }
    }

    /// `POST /v1/webhook_endpoints`.
    static func create(_ body: Data) throws -> (url: String, types: [String], requiresConsent: String?, description: String?) {
        let fields = try object(body, allowed: ["url", "types", "requires_consent", "description"])
        guard fields["url"] != nil else { throw Problem.invalid("url", "url is required") }
        return (try url(fields["url"]), try types(fields["types"]), try requiresConsent(fields["requires_consent"]) ?? nil,
                try description(fields["description"]) ?? nil)
    }

    /// `PATCH /v1/webhook_endpoints/{id}`.
    static func update(_ body: Data) throws -> WebhookEndpointPatch {
        let fields = try object(body, allowed: ["url", "types", "requires_consent", "enabled", "description"])
        var patch = WebhookEndpointPatch()
        if let value = fields["url"] { patch.url = try url(value) }
        if let value = fields["types"] { patch.types = try types(value) }
        if let value = fields["enabled"] {
            guard case .bool(let enabled) = value else { throw Problem.invalid("enabled", "enabled must be true or false") }
            patch.enabled = enabled
        }
        patch.requiresConsent = try requiresConsent(fields["requires_consent"])
        patch.description = try description(fields["description"])
        return patch
    }

    /// `POST /v1/webhook_endpoints/{id}/rotate_secret`: the hours the old secret keeps signing (default 24).
    static func overlapHours(_ body: Data) throws -> Int {
        guard body.contains(where: { !" \t\r\n".utf8.contains($0) }) else { return 24 }
        let fields = try object(body, allowed: ["overlap_hours"])
        guard let value = fields["overlap_hours"] else { return 24 }
        guard case .number(let text) = value, let hours = Int(text), (0...720).contains(hours) else {
            throw Problem.invalid("overlap_hours", "overlap_hours must be a whole number of hours from 0 to 720")
        }
        return hours
    }
}

/// A webhook endpoint as the API shows it; `secret` only in the create and rotate answers.
struct WebhookEndpointView: Encodable {
    var id: String
    var object = "webhook_endpoint"
    var url: String
    var description: String?
    var types: [String]
    var requiresConsent: String?
    var enabled: Bool
    var disabledReason: String?
    var secret: String?
    var previousSecretExpiresAt: String?
    var createdAt: String
    var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id, object, url, description, types, enabled, secret
        case requiresConsent = "requires_consent", disabledReason = "disabled_reason", previousSecretExpiresAt = "previous_secret_expires_at"
        case createdAt = "created_at", updatedAt = "updated_at"
    }

    init(_ record: WebhookEndpointRecord, showingSecret: Bool = false) {
        id = record.id
        url = record.url
        description = record.description
        types = record.types
        requiresConsent = record.requiresConsent
        enabled = record.enabled
        disabledReason = record.disabledReason
        secret = showingSecret ? record.secret : nil
        previousSecretExpiresAt = record.previousSecret == nil ? nil : record.previousSecretUntil.map(Timestamps.format)
        createdAt = Timestamps.format(record.createdAt)
        updatedAt = Timestamps.format(record.updatedAt)
    }
}

/// A delivery with its attempts, oldest first.
struct WebhookDeliveryView: Encodable {
    struct Attempt: Encodable {
        var attemptedAt: String
        var statusCode: Int?
        var error: String?
        var durationMs: Int
        var responseBody: String?
        enum CodingKeys: String, CodingKey {
            case attemptedAt = "attempted_at", statusCode = "status_code", error, durationMs = "duration_ms", responseBody = "response_body"
        }
    }

    var id: String
    var object = "webhook_delivery"
    var endpointId: String
    var messageId: String
    var type: String
    var memberId: String?
    var status: String
    var attemptCount: Int
    var nextAttemptAt: String?
    var createdAt: String
    var attempts: [Attempt]

    enum CodingKeys: String, CodingKey {
        case id, object, type, status, attempts
        case endpointId = "endpoint_id", messageId = "message_id", memberId = "member_id", attemptCount = "attempt_count"
        case nextAttemptAt = "next_attempt_at", createdAt = "created_at"
    }

    init(_ record: WebhookDeliveryRecord) {
        id = record.id
        endpointId = record.endpointId
        messageId = record.messageId
        type = record.type
        memberId = record.memberId
        status = record.status.rawValue
        attemptCount = record.attemptCount
        nextAttemptAt = record.status == .pending ? record.nextAttemptAt.map(Timestamps.format) : nil
        createdAt = Timestamps.format(record.createdAt)
        attempts = record.attempts.map {
            Attempt(attemptedAt: Timestamps.format($0.at), statusCode: $0.statusCode, error: $0.error, durationMs: $0.durationMillis,
                    responseBody: $0.responseBody)
        }
    }
}
