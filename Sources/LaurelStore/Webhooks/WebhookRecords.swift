import Foundation
import LaurelCore

/// A URL that receives a program's outbox messages, signed with its secret (Standard Webhooks).
public struct WebhookEndpointRecord: Hashable, Sendable {
    public var id: String
    public var programId: String
    public var url: String
    public var description: String?
    /// The message types it receives; empty: all of them.
    public var types: [String]
    /// A consent (`marketing`) the member of a message must have granted for the endpoint to receive
    /// it, checked when the message is fanned out; messages about no member go regardless. Nil: all.
    public var requiresConsent: String?
    public var enabled: Bool
    public var disabledReason: String?
    /// `whsec_<base64>`: shown in the create and rotate answers only.
    public var secret: String
    /// The secret before the last rotation, which still signs until `previousSecretUntil`.
    public var previousSecret: String?
    public var previousSecretUntil: Date?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String, programId: String, url: String, description: String?, types: [String], requiresConsent: String? = nil, enabled: Bool = true,
                disabledReason: String? = nil, secret: String, previousSecret: String? = nil, previousSecretUntil: Date? = nil,
                createdAt: Date, updatedAt: Date) {
        self.id = id
        self.programId = programId
        self.url = url
        self.description = description
        self.types = types
        self.requiresConsent = requiresConsent
        self.enabled = enabled
        self.disabledReason = disabledReason
        self.secret = secret
        self.previousSecret = previousSecret
        self.previousSecretUntil = previousSecretUntil
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The secrets that sign a delivery at `now`: the current one, and the previous one during a rotation's overlap.
    static func signingSecrets(secret: String, previousSecret: String?, previousSecretUntil: Date?, at now: Date) -> [String] {
        if let previousSecret, let until = previousSecretUntil, now < until { return [secret, previousSecret] }
        return [secret]
    }

    /// Whether an endpoint subscribed to `types` receives messages of `type` (`webhook.test` goes only where it is sent).
    static func subscribes(_ types: [String], to type: String) -> Bool { types.isEmpty || types.contains(type) }

    /// Whether an endpoint requiring `consent` receives a message about `memberId`, given the members
    /// of the batch who have granted each required consent: always for no requirement or no member.
    static func reaches(_ memberId: String?, requiring consent: String?, consenting: [String: Set<String>]) -> Bool {
        guard let consent, let memberId else { return true }
        return consenting[consent]?.contains(memberId) == true
    }
}

/// `PATCH /v1/webhook_endpoints/{id}`: only the fields present change.
public struct WebhookEndpointPatch: Hashable, Sendable {
    public var url: String?
    public var types: [String]?
    /// `.some(nil)` clears the requirement.
    public var requiresConsent: String??
    public var enabled: Bool?
    /// `.some(nil)` clears the description.
    public var description: String??
    public init(url: String? = nil, types: [String]? = nil, requiresConsent: String?? = nil, enabled: Bool? = nil, description: String?? = nil) {
        self.url = url
        self.types = types
        self.requiresConsent = requiresConsent
        self.enabled = enabled
        self.description = description
    }
}

public enum WebhookDeliveryStatus: String, Hashable, Sendable, CaseIterable {
    case pending, succeeded, failed
}

/// One try at sending a delivery.
public struct WebhookAttemptRecord: Hashable, Sendable {
    public var at: Date
    /// The receiver's HTTP status, or nil when there was no answer.
    public var statusCode: Int?
    /// Why there was no (2xx) answer: a time-out, a refused connection, an address the SSRF guard refused…
    public var error: String?
    public var durationMillis: Int
    /// The first 1 KiB of the answer's body.
    public var responseBody: String?
    public init(at: Date, statusCode: Int?, error: String?, durationMillis: Int, responseBody: String?) {
        self.at = at
        self.statusCode = statusCode
        self.error = error
        self.durationMillis = durationMillis
        self.responseBody = responseBody
    }

    public var succeeded: Bool { statusCode.map { (200..<300).contains($0) } ?? false }
    /// The receiver answered 410 Gone: its endpoint is disabled at once.
    public var gone: Bool { statusCode == 410 }
}

/// One message on its way to one endpoint.
public struct WebhookDeliveryRecord: Hashable, Sendable {
    public var id: String
    public var endpointId: String
    public var messageId: String
    public var type: String
    public var memberId: String?
    public var status: WebhookDeliveryStatus
    public var attemptCount: Int
    /// When it is next tried (pending only).
    public var nextAttemptAt: Date?
    public var createdAt: Date
    /// Oldest first.
    public var attempts: [WebhookAttemptRecord]
    public init(id: String, endpointId: String, messageId: String, type: String, memberId: String?, status: WebhookDeliveryStatus,
                attemptCount: Int, nextAttemptAt: Date?, createdAt: Date, attempts: [WebhookAttemptRecord]) {
        self.id = id
        self.endpointId = endpointId
        self.messageId = messageId
        self.type = type
        self.memberId = memberId
        self.status = status
        self.attemptCount = attemptCount
        self.nextAttemptAt = nextAttemptAt
        self.createdAt = createdAt
        self.attempts = attempts
    }
}

/// A delivery the worker has claimed (leased) and now sends.
public struct WebhookDispatch: Hashable, Sendable {
    public var deliveryId: String
    public var endpointId: String
    public var programId: String
    public var url: String
    /// Current first; the previous one too during a rotation's overlap.
    public var secrets: [String]
    public var messageId: String
    public var type: String
    /// The message's payload (JSON text) and when it was written.
    public var payload: String
    public var messageCreatedAt: Date
    /// Attempts of this round before this one, and when its first was (nil: this is the first).
    public var roundAttempts: Int
    public var firstAttemptAt: Date?
    /// The lease this claim holds; recording the attempt checks it is still this one.
    public var leaseUntil: Date

    public init(deliveryId: String, endpointId: String, programId: String, url: String, secrets: [String], messageId: String, type: String,
                payload: String, messageCreatedAt: Date, roundAttempts: Int, firstAttemptAt: Date?, leaseUntil: Date) {
        self.deliveryId = deliveryId
        self.endpointId = endpointId
        self.programId = programId
        self.url = url
        self.secrets = secrets
        self.messageId = messageId
        self.type = type
        self.payload = payload
        self.messageCreatedAt = messageCreatedAt
        self.roundAttempts = roundAttempts
        self.firstAttemptAt = firstAttemptAt
        self.leaseUntil = leaseUntil
    }
}

/// What an attempt came to, for the store to record.
public struct WebhookAttemptResult: Hashable, Sendable {
    public var dispatch: WebhookDispatch
    public var attempt: WebhookAttemptRecord
    public var next: WebhookRetrySchedule.Decision
    public init(dispatch: WebhookDispatch, attempt: WebhookAttemptRecord, next: WebhookRetrySchedule.Decision) {
        self.dispatch = dispatch
        self.attempt = attempt
        self.next = next
    }

    /// When the delivery's round started: its first attempt, or this one.
    var firstAttemptAt: Date { dispatch.firstAttemptAt ?? attempt.at }

    /// The delivery's status after this attempt, and when it is tried next (pending only).
    var delivery: (status: WebhookDeliveryStatus, nextAttemptAt: Date?) {
        switch next {
        case .succeeded: (.succeeded, nil)
        case .retry(let at): (.pending, at)
        case .failed: (.failed, nil)
        }
    }
}

extension MessageType {
    /// What `POST /v1/webhook_endpoints/{id}/test` sends: to that endpoint only, never in the outbox,
    /// and no endpoint subscribes to it.
    public static let webhookTest = "webhook.test"
}
