import Foundation
import LaurelCore

/// The objects audited actions change, as the JSON an entry's `before` and `after` hold: what an
/// operator needs to see what changed, and never a secret (an API key's hash, a webhook signing secret,
/// reward codes are left out).
enum AuditSnapshots {
    static func program(version: Int, definition: JSONValue) -> String {
        AuditRecord.json(.object(["version": .number(String(version)), "definition": definition]))
    }

    /// A program version from its stored canonical definition text.
    static func program(version: Int, definitionText: String) -> String {
        "{\"definition\":\(definitionText),\"version\":\(version)}"
    }

    static func reward(_ reward: Reward, stockLeft: Int?) -> String {
        AuditRecord.json(.object(["definition": reward.canonicalTree, "stock_left": stockLeft.map { .number(String($0)) } ?? .null]))
    }

    static func rewardCodes(stockLeft: Int?, added: Int? = nil, received: Int? = nil) -> String {
        var object: [String: JSONValue] = ["stock_left": stockLeft.map { .number(String($0)) } ?? .null]
        if let added { object["codes_added"] = .number(String(added)) }
        if let received { object["codes_received"] = .number(String(received)) }
        return AuditRecord.json(.object(object))
    }

    static func tierFloor(_ tier: MemberTier) -> String {
        AuditRecord.json(.object(["tier_floor": tier.floorTierId.map(JSONValue.string) ?? .null,
                                  "tier_floor_until": tier.floorUntil.map { .string(Timestamps.format($0)) } ?? .null,
                                  "tier": tier.tierId.map(JSONValue.string) ?? .null]))
    }

    static func balance(available: Int, pending: Int) -> String {
        AuditRecord.json(.object(["available": .number(String(available)), "pending": .number(String(pending))]))
    }

    static func adjustment(_ record: AdjustmentRecord) -> String {
        AuditRecord.json(.object([
            "adjustment_id": .string(record.id), "actor": .string(record.actor), "points": .number(String(record.points)), "reason": .string(record.reason),
            "available": .number(String(record.balanceAfter.available)), "pending": .number(String(record.balanceAfter.pending)),
        ]))
    }

    static func adjustmentCancellation(_ record: AdjustmentCancellationRecord) -> String {
        AuditRecord.json(.object([
            "cancellation_id": .string(record.id), "adjustment_id": .string(record.adjustmentId), "actor": .string(record.actor),
            "points": .number(String(record.points)), "into_debt": .number(String(record.intoDebt)), "reason": .string(record.reason),
            "available": .number(String(record.balanceAfter.available)), "pending": .number(String(record.balanceAfter.pending)),
        ]))
    }

    /// A held event's review: who it is for, how it stands, and what an approval credited.
    static func review(_ review: ReviewRecord) -> String {
        AuditRecord.json(.object([
            "member_id": .string(review.memberId), "event_id": .string(review.eventId), "status": .string(review.status.rawValue),
            "points": review.points.map { .number(String($0)) } ?? .null,
        ]))
    }

    static func memberStatus(_ status: MemberStatus, reason: String? = nil) -> String {
        var object: [String: JSONValue] = ["status": .string(status.rawValue)]
        if let reason { object["reason"] = .string(reason) }
        return AuditRecord.json(.object(object))
    }

    static func apiKey(_ key: APIKeyRecord) -> String {
        AuditRecord.json(.object([
            "id": .string(key.id), "scope": .string(key.scope.rawValue), "name": key.name.map(JSONValue.string) ?? .null,
            "prefix": .string(key.prefix), "rate_limit": key.rateLimit.map { .number(String($0)) } ?? .null,
            "created_at": .string(Timestamps.format(key.createdAt)),
            "revoked_at": key.revokedAt.map { .string(Timestamps.format($0)) } ?? .null,
        ]))
    }

    /// An endpoint without its secrets; `previous_secret_until` says whether a rotation kept the old one signing.
    static func webhookEndpoint(_ endpoint: WebhookEndpointRecord) -> String {
        AuditRecord.json(.object([
            "id": .string(endpoint.id), "url": .string(endpoint.url), "description": endpoint.description.map(JSONValue.string) ?? .null,
            "types": .array(endpoint.types.map(JSONValue.string)), "enabled": .bool(endpoint.enabled),
            "disabled_reason": endpoint.disabledReason.map(JSONValue.string) ?? .null,
            "previous_secret_until": endpoint.previousSecretUntil.map { .string(Timestamps.format($0)) } ?? .null,
            "updated_at": .string(Timestamps.format(endpoint.updatedAt)),
        ]))
    }

    static func webhookDelivery(_ delivery: WebhookDeliveryRecord) -> String {
        AuditRecord.json(.object([
            "id": .string(delivery.id), "endpoint_id": .string(delivery.endpointId), "message_id": .string(delivery.messageId),
            "type": .string(delivery.type), "status": .string(delivery.status.rawValue),
            "attempt_count": .number(String(delivery.attemptCount)),
            "next_attempt_at": delivery.nextAttemptAt.map { .string(Timestamps.format($0)) } ?? .null,
        ]))
    }
}

extension AuditRecord {
    /// A member's block or unblock (other member changes are not audited); nil when the status stayed.
    static func statusChange(programId: String, actor: String, memberId: String, from: MemberStatus, to: MemberStatus, reason: String?,
                             idempotencyKey: String?, at now: Date) -> AuditRecord? {
        guard from != to else { return nil }
        return AuditRecord(programId: programId, actor: actor, action: to == .blocked ? .memberBlocked : .memberUnblocked,
                           target: ("member", memberId), before: AuditSnapshots.memberStatus(from),
                           after: AuditSnapshots.memberStatus(to, reason: reason),
                           idempotencyKey: idempotencyKey, at: now)
    }
}

extension AuditRecord {
    /// A change to a webhook endpoint (`before` nil: created; `after` nil: deleted).
    static func webhookEndpoint(_ action: AuditAction, actor: String, before: WebhookEndpointRecord?, after: WebhookEndpointRecord?,
                                idempotencyKey: String?, at now: Date) -> AuditRecord {
        let endpoint = after ?? before!
        return AuditRecord(programId: endpoint.programId, actor: actor, action: action, target: ("webhook_endpoint", endpoint.id),
                           before: before.map(AuditSnapshots.webhookEndpoint), after: after.map(AuditSnapshots.webhookEndpoint),
                           idempotencyKey: idempotencyKey, at: now)
    }

    /// A delivery queued by hand: a replay (target the delivery) or a test message (target the endpoint).
    static func webhookDelivery(_ action: AuditAction, programId: String, actor: String, before: WebhookDeliveryRecord?,
                                after: WebhookDeliveryRecord, idempotencyKey: String?, at now: Date) -> AuditRecord {
        let target = action == .webhookEndpointTested ? ("webhook_endpoint", after.endpointId) : ("webhook_delivery", after.id)
        return AuditRecord(programId: programId, actor: actor, action: action, target: target,
                           before: before.map(AuditSnapshots.webhookDelivery), after: AuditSnapshots.webhookDelivery(after),
                           idempotencyKey: idempotencyKey, at: now)
    }
}
