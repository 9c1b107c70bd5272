import Foundation
import LaurelCore

/// Webhook endpoints and the deliveries of outbox messages to them. Deliveries are rows: the
/// worker fans new outbox messages out to the endpoints that subscribe to them, claims due
/// deliveries under a lease (so that nodes sharing a database never send one twice at once),
/// sends them outside any transaction, and records each attempt.
public protocol WebhookStore: Sendable {
    // MARK: Endpoints (the API)
    /// Creates an endpoint that receives the messages written from now on.
    func createWebhookEndpoint(_ endpoint: WebhookEndpointRecord,
                               idempotency: Idempotency<WebhookEndpointRecord>?) async throws -> Idempotent<WebhookEndpointRecord>
    func webhookEndpoint(programId: String, id: String) async throws -> WebhookEndpointRecord?
    /// Endpoints in id (creation) order after `startingAfter`.
    func webhookEndpoints(programId: String, limit: Int, startingAfter: String?) async throws -> Page<WebhookEndpointRecord>
    /// Changes the fields the patch holds; enabling clears the reason it was disabled for.
    func updateWebhookEndpoint(programId: String, id: String, patch: WebhookEndpointPatch, now: Date,
                               idempotency: Idempotency<WebhookEndpointRecord>?) async throws -> Idempotent<WebhookEndpointRecord>
    /// Deletes an endpoint with its deliveries; answers it as it was.
    func deleteWebhookEndpoint(programId: String, id: String, now: Date,
                               idempotency: Idempotency<WebhookEndpointRecord>?) async throws -> Idempotent<WebhookEndpointRecord>
    /// Makes `secret` the endpoint's secret; the old one keeps signing until `previousUntil` (nil: stops now).
    func rotateWebhookSecret(programId: String, id: String, secret: String, previousUntil: Date?, now: Date,
                             idempotency: Idempotency<WebhookEndpointRecord>?) async throws -> Idempotent<WebhookEndpointRecord>

    // MARK: Deliveries (the API)
    /// An endpoint's deliveries newest first, before the delivery `startingAfter`, each with its attempts.
    func webhookDeliveries(programId: String, endpointId: String, status: WebhookDeliveryStatus?, limit: Int,
                           startingAfter: String?) async throws -> Page<WebhookDeliveryRecord>
    /// Queues a delivery again now (a new round of retries, the same message id).
    func replayWebhookDelivery(programId: String, endpointId: String, deliveryId: String, now: Date,
                               idempotency: Idempotency<WebhookDeliveryRecord>?) async throws -> Idempotent<WebhookDeliveryRecord>
    /// Queues a `webhook.test` message for this endpoint only; it is not in the outbox.
    func queueWebhookTest(programId: String, endpointId: String, deliveryId: String, messageId: String, payload: String,
                          now: Date, idempotency: Idempotency<WebhookDeliveryRecord>?) async throws -> Idempotent<WebhookDeliveryRecord>

    // MARK: The worker
    /// Turns outbox messages written since each enabled endpoint's cursor into its deliveries, at most
    /// `batchSize` messages per endpoint; returns how many deliveries it made (a full batch: call again).
    func fanOutWebhookMessages(now: Date, batchSize: Int) async throws -> Int
    /// Leases up to `limit` deliveries that are due at `now` until `now + lease`: pending, of an enabled
    /// endpoint, not leased by anyone else, and not behind an earlier undelivered message of the same
    /// member to the same endpoint.
    func claimWebhookDeliveries(now: Date, lease: TimeInterval, limit: Int) async throws -> [WebhookDispatch]
    /// Records attempts and their outcomes; an endpoint that answered 410, or failed for the schedule's
    /// window, is disabled with a `webhook_endpoint.disabled` message. Attempts whose lease was lost are ignored.
    func recordWebhookAttempts(_ results: [WebhookAttemptResult], schedule: WebhookRetrySchedule) async throws
}
