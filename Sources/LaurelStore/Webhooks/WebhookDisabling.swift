import Foundation
import LaurelCore

/// The changes to an endpoint both backends make alike: a patch, a secret rotation, and when and
/// why an endpoint that keeps failing is disabled.
extension WebhookEndpointRecord {
    /// Applies the patch; answers whether it enabled a disabled endpoint (whose failing streak then starts over).
    mutating func apply(_ patch: WebhookEndpointPatch, now: Date) -> Bool {
        let enabling = patch.enabled == true && !enabled
        if let url = patch.url { self.url = url }
        if let types = patch.types { self.types = types }
        if let requiresConsent = patch.requiresConsent { self.requiresConsent = requiresConsent }
        if let description = patch.description { self.description = description }
        if let enabled = patch.enabled {
            // Enabling clears the reason; disabling by hand gives one.
            if enabled { disabledReason = nil } else if self.enabled { disabledReason = "disabled through the API" }
            self.enabled = enabled
        }
        updatedAt = now
        return enabling
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

/// What a failed attempt does to its endpoint, decided alike for both stores: each store keeps the
/// endpoint's failing streak (`failing_since`, set by the first failure after a success) and asks this
/// whether to disable the endpoint, which it then does with the reason and the message given.
struct WebhookDisabling {
    var reason: String
    /// The `webhook_endpoint.disabled` message.
    var payload: [String: JSONValue]

    /// Whether the failed attempt of `result` disables its endpoint (still `enabled`, at `url`), failing
    /// every attempt since `failingSince` (this attempt's time when it is the first); nil when it does not.
    static func after(_ result: WebhookAttemptResult, enabled: Bool, failingSince: Date?, url: String,
                      schedule: WebhookRetrySchedule) -> WebhookDisabling? {
        let attempt = result.attempt
        guard enabled, !attempt.succeeded else { return nil }
        let failingSince = failingSince ?? attempt.at
        let reason: String
        if attempt.gone {
            reason = "the endpoint answered 410 Gone"
        } else if schedule.disablesEndpoint(failingSince: failingSince, now: attempt.at, deliveryFailed: result.next == .failed,
                                            firstAttempt: result.firstAttemptAt) {
            reason = "every delivery attempt has failed since \(Timestamps.format(failingSince))"
        } else {
            return nil
        }
        let payload: [String: JSONValue] = ["endpoint_id": .string(result.dispatch.endpointId), "url": .string(url), "reason": .string(reason),
                                            "disabled_at": .string(Timestamps.format(attempt.at))]
        return WebhookDisabling(reason: reason, payload: payload)
    }
}
