import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// Events: the only way points are earned (or taken back by returns).
struct EventRoutes {
    let store: any LaurelStore
    let clock: any WallClock

    func register(_ api: APIRouter) {
        api.add(.post, "/v1/events", scope: .integration, member: .refused) { request in
            let body = try EventBody.decode(request.body)
            let now = clock.now()
            let event = try body.event(id: Identifiers.make("evt", now: now), now: now)
            var memberId = body.memberId ?? ""
            if let externalId = body.externalId {
                guard let member = try await store.member(programId: request.programId, externalId: externalId) else {
                    throw Problem.notFound("member with external_id \(externalId)")
                }
                memberId = member.id
            }
            var normalized = body
            normalized.occurredAt = Timestamps.format(event.occurredAt)
            normalized.memberId = memberId
            normalized.externalId = nil
            let payload = try normalized.jsonText()
            let render: @Sendable (EventRecord) throws -> Data = { EventView.json($0, details: payload) }
            // A held event answers 202: kept, not credited (see `ReviewRoutes`).
            let idempotency = try request.idempotency(status: .created, render: render).map { claim in
                Idempotency<EventRecord>(key: claim.key, fingerprint: claim.fingerprint) { record in
                    StoredResponse(status: record.status == .held ? 202 : 201, body: try render(record))
                }
            }
            let result = try await store.recordEvent(programId: request.programId, memberId: memberId, event: event, payload: payload, now: now,
                                                     apiKeyId: request.caller.keyId, idempotency: idempotency)
            return try APIRouter.respond(result, status: result.value?.status == .held ? .accepted : .created, render: render)
        }

        api.add(.get, "/v1/events/{id}", scope: .read, member: .owner("event", { request in
            try await store.event(programId: request.programId, id: try request.parameter("id"))?.memberId
        })) { request in
            let id = try request.parameter("id")
            guard let event = try await store.event(programId: request.programId, id: id) else { throw Problem.notFound("event \(id)") }
            return APIJSON.response(.ok, EventView.json(event))
        }
    }
}
