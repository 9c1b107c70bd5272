import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// Events: the only way points are earned (or taken back by returns).
struct EventRoutes {
    let store: any LaurelStore
    let clock: any WallClock
    /// Where each event's outcome is counted (`laurel_events_total`); nil: nowhere.
    var metrics: LaurelMetrics? = nil

    func register(_ api: APIRouter) {
        api.add(.post, "/v1/events", scope: .integration, member: .refused) { request in
            let body = try EventBody.decode(request.body)
            do {
                let response = try await record(body, request)
                metrics?.event(type: body.type, outcome: response.outcome)
                return response.response
            } catch {
                metrics?.event(type: body.type, outcome: Self.isRefusal(error) ? .refused : .failed)
                throw error
            }
        }

        api.add(.get, "/v1/events/{id}", scope: .read, member: .owner("event", { request in
            try await store.event(programId: request.programId, id: try request.parameter("id"))?.memberId
        })) { request in
            let id = try request.parameter("id")
            guard let event = try await store.event(programId: request.programId, id: id) else { throw Problem.notFound("event \(id)") }
            return APIJSON.response(.ok, EventView.json(event))
        }
    }

    /// Records one posted event; the answer and what became of the event.
    private func record(_ body: EventBody, _ request: APIRequest) async throws -> (response: Response, outcome: LaurelMetrics.EventOutcome) {
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
        let outcome: LaurelMetrics.EventOutcome
        switch result {
        case .replayed: outcome = .replayed
        case .fresh(let record, _): outcome = record.status == .held ? .held : .recorded
        }
        return (try APIRouter.respond(result, status: result.value?.status == .held ? .accepted : .created, render: render), outcome)
    }

    /// Whether an error is the event's refusal (a 4xx problem: unknown member, a cap, a return
    /// larger than its purchase…) rather than a failure of the server (500).
    static func isRefusal(_ error: any Error) -> Bool {
        switch error {
        case let problem as Problem: return problem.status.code < 500
        case is StoreError, is FraudRefusal, is EventProcessingError, is LedgerError, is LoyaltyError: return true
        default: return false
        }
    }
}
