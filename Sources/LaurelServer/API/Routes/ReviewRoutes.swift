import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// Reviews: events the program's fraud controls held instead of crediting, and staff's decision on
/// each. Admin scope: approving credits points, and a review shows the event's whole body.
struct ReviewRoutes {
    let store: any LaurelStore
    let clock: any WallClock

    func register(_ api: APIRouter) {
        let render: @Sendable (ReviewRecord) throws -> Data = { ReviewView.json($0) }

        api.add(.get, "/v1/reviews", scope: .admin, member: .refused) { request in
            var status: ReviewRecord.Status?
            if let text = request.query("status") {
                guard let value = ReviewRecord.Status(rawValue: text) else {
                    throw Problem(.badRequest, "invalid_request", "status must be one of pending, approved, rejected", field: "status")
                }
                status = value
            }
            let page = try await store.reviews(programId: request.programId, status: status, limit: try request.limit(),
                                               startingAfter: request.query("starting_after"))
            return APIJSON.response(.ok, ReviewView.list(page))
        }

        api.add(.get, "/v1/reviews/{id}", scope: .admin, member: .refused) { request in
            let id = try request.parameter("id")
            guard let review = try await store.review(programId: request.programId, id: id) else { throw Problem.notFound("review \(id)") }
            return APIJSON.response(.ok, try render(review))
        }

        api.add(.post, "/v1/reviews/{id}/approve", scope: .admin, member: .refused) { request in
            let id = try request.parameter("id")
            let now = clock.now()
            // The event as it was sent, under the id its `held` answer gave.
            let event: @Sendable (ReviewRecord) throws -> LoyaltyEvent = { review in
                try EventBody.decode(Data(review.payload.utf8)).event(id: review.eventId, now: now)
            }
            let result = try await store.approveReview(programId: request.programId, id: id, event: event, actor: request.caller.actor, now: now,
                                                       idempotency: try request.idempotency(status: .ok, render: render))
            return try APIRouter.respond(result, status: .ok, render: render)
        }

        api.add(.post, "/v1/reviews/{id}/reject", scope: .admin, member: .refused) { request in
            let id = try request.parameter("id")
            let result = try await store.rejectReview(programId: request.programId, id: id, actor: request.caller.actor, now: clock.now(),
                                                      idempotency: try request.idempotency(status: .ok, render: render))
            return try APIRouter.respond(result, status: .ok, render: render)
        }
    }
}
