import Foundation
import LaurelCore

/// The changes to an endpoint both backends make alike: a patch, a secret rotation, and when and
/// why an endpoint that keeps failing is disabled.
extension WebhookEndpointRecord {
    mutating func apply(_ patch: WebhookEndpointPatch, now: Date) {
        if let url = patch.url { self.url = url }
        if let types = patch.types { self.types = types }
        if let description = patch.description { self.description = description }
        if let enabled = patch.enabled {
            // Enabling clears the reason; disabling by hand gives one.
            if enabled { disabledReason = nil } else if self.enabled { disabledReason = "disabled through the API" }
            self.enabled = enabled
        }
        updatedAt = now
    }

    mutating func rotate(to secret: String, previousUntil: Date?, now: Date) {
        if let previousUntil, previousUntil > now {
            previousSecret = self.secret
            previousSecretUntil = previousUntil
        } else {
            previousSecret = nil
            previousSecretUntil = nil
        }
        self.secret = secret
        updatedAt = now
    }
}

enum WebhookDisabling {
    /// Why a failed attempt disables its endpoint, or nil when it does not.
    static func reason(gone: Bool, failingSince: Date, attempt: WebhookAttemptRecord, next: WebhookAttemptResult.Next, firstAttempt: Date,
                       schedule: WebhookRetrySchedule) -> String? {
        if gone { return "the endpoint answered 410 Gone" }
        guard schedule.disablesEndpoint(failingSince: failingSince, now: attempt.at, deliveryFailed: next == .failed, firstAttempt: firstAttempt)
        else { return nil }
        return "every delivery attempt has failed since \(Timestamps.format(failingSince))"
    }

    /// The `webhook_endpoint.disabled` message.
    static func payload(endpointId: String, url: String, reason: String, at: Date) -> [String: JSONValue] {
        ["endpoint_id": .string(endpointId), "url": .string(url), "reason": .string(reason), "disabled_at": .string(Timestamps.format(at))]
    }
}
