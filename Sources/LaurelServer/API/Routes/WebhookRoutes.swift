import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// Webhook endpoints (admin scope): where the outbox is delivered, their deliveries, replays and test sends.
struct WebhookRoutes {
    let store: any WebhookStore
    let clock: any WallClock
    let policy: WebhookURLPolicy

    func register(_ api: APIRouter) {
        let render: @Sendable (WebhookEndpointRecord) throws -> Data = { try APIJSON.encode(WebhookEndpointView($0)) }
        let renderWithSecret: @Sendable (WebhookEndpointRecord) throws -> Data = { try APIJSON.encode(WebhookEndpointView($0, showingSecret: true)) }
        let renderDelivery: @Sendable (WebhookDeliveryRecord) throws -> Data = { try APIJSON.encode(WebhookDeliveryView($0)) }

        api.add(.post, "/v1/webhook_endpoints", scope: .admin, member: .refused) { request in
            let body = try WebhookBodies.create(request.body)
            try await checkURL(body.url)
            let now = clock.now()
            let endpoint = WebhookEndpointRecord(id: Identifiers.make("whe", now: now), programId: request.programId, url: body.url,
                                                 description: body.description, types: body.types, requiresConsent: body.requiresConsent,
                                                 secret: WebhookSignature.makeSecret(),
                                                 createdAt: now, updatedAt: now)
            let result = try await store.createWebhookEndpoint(endpoint, idempotency: try request.idempotency(status: .created, render: renderWithSecret))
            return try APIRouter.respond(result, status: .created, render: renderWithSecret)
        }

        api.add(.get, "/v1/webhook_endpoints", scope: .admin, member: .refused) { request in
            let page = try await store.webhookEndpoints(programId: request.programId, limit: try request.limit(),
                                                        startingAfter: request.query("starting_after"))
            let data = page.items.map { WebhookEndpointView($0) }
            return APIJSON.response(.ok, try APIJSON.encode(ListView(data: data, hasMore: page.hasMore, nextCursor: page.hasMore ? data.last?.id : nil)))
        }

        api.add(.get, "/v1/webhook_endpoints/{id}", scope: .admin, member: .refused) { request in
            let id = try request.parameter("id")
            guard let endpoint = try await store.webhookEndpoint(programId: request.programId, id: id) else { throw Problem.notFound("webhook endpoint \(id)") }
            return APIJSON.response(.ok, try APIJSON.encode(WebhookEndpointView(endpoint)))
        }

        api.add(.patch, "/v1/webhook_endpoints/{id}", scope: .admin, member: .refused) { request in
            let id = try request.parameter("id")
            let patch = try WebhookBodies.update(request.body)
            if let url = patch.url {
                // An unknown endpoint answers 404 without waiting for DNS.
                guard try await store.webhookEndpoint(programId: request.programId, id: id) != nil else { throw Problem.notFound("webhook endpoint \(id)") }
                try await checkURL(url)
            }
            let result = try await store.updateWebhookEndpoint(programId: request.programId, id: id, patch: patch, now: clock.now(),
                                                               idempotency: try request.idempotency(status: .ok, render: render))
            return try APIRouter.respond(result, status: .ok, render: render)
        }

        api.add(.delete, "/v1/webhook_endpoints/{id}", scope: .admin, member: .refused) { request in
            let result = try await store.deleteWebhookEndpoint(programId: request.programId, id: try request.parameter("id"), now: clock.now(),
                                                               idempotency: try request.idempotency(status: .ok, render: render))
            return try APIRouter.respond(result, status: .ok, render: render)
        }

        api.add(.post, "/v1/webhook_endpoints/{id}/rotate_secret", scope: .admin, member: .refused) { request in
            let hours = try WebhookBodies.overlapHours(request.body)
            let now = clock.now()
            let result = try await store.rotateWebhookSecret(programId: request.programId, id: try request.parameter("id"),
                                                             secret: WebhookSignature.makeSecret(),
                                                             previousUntil: hours > 0 ? now.addingTimeInterval(Double(hours) * 3600) : nil, now: now,
                                                             idempotency: try request.idempotency(status: .ok, render: renderWithSecret))
            return try APIRouter.respond(result, status: .ok, render: renderWithSecret)
        }

        api.add(.get, "/v1/webhook_endpoints/{id}/deliveries", scope: .admin, member: .refused) { request in
            var status: WebhookDeliveryStatus?
            if let text = request.query("status") {
                guard let value = WebhookDeliveryStatus(rawValue: text) else {
                    throw Problem(.badRequest, "invalid_request", "status must be pending, succeeded or failed", field: "status")
                }
                status = value
            }
            let page = try await store.webhookDeliveries(programId: request.programId, endpointId: try request.parameter("id"), status: status,
                                                         limit: try request.limit(), startingAfter: request.query("starting_after"))
            let data = page.items.map(WebhookDeliveryView.init)
            return APIJSON.response(.ok, try APIJSON.encode(ListView(data: data, hasMore: page.hasMore, nextCursor: page.hasMore ? data.last?.id : nil)))
        }

        api.add(.post, "/v1/webhook_endpoints/{id}/deliveries/{delivery_id}/replay", scope: .admin, member: .refused) { request in
            let result = try await store.replayWebhookDelivery(programId: request.programId, endpointId: try request.parameter("id"),
                                                               deliveryId: try request.parameter("delivery_id"), now: clock.now(),
                                                               idempotency: try request.idempotency(status: .accepted, render: renderDelivery))
            return try APIRouter.respond(result, status: .accepted, render: renderDelivery)
        }

        api.add(.post, "/v1/webhook_endpoints/{id}/test", scope: .admin, member: .refused) { request in
            let id = try request.parameter("id")
            let now = clock.now()
            let messageId = Identifiers.make("msg", now: now)
            let payload = try APIJSON.encode(["endpoint_id": id, "message_id": messageId, "note": "a test message sent through the Laurel API"])
            let result = try await store.queueWebhookTest(programId: request.programId, endpointId: id, deliveryId: Identifiers.make("whd", now: now),
                                                          messageId: messageId,
                                                          payload: String(decoding: payload, as: UTF8.self), now: now,
                                                          idempotency: try request.idempotency(status: .accepted, render: renderDelivery))
            return try APIRouter.respond(result, status: .accepted, render: renderDelivery)
        }
    }

    /// The SSRF guard at creation and update, as 422 problems.
    private func checkURL(_ url: String) async throws {
        do {
            try await policy.check(url)
        } catch {
            switch error {
            case .invalid(let why): throw Problem(.unprocessableContent, "invalid_url", why, field: "url")
            case .notPublic(let why): throw Problem(.unprocessableContent, "url_not_public", why, field: "url")
            }
        }
    }
}
