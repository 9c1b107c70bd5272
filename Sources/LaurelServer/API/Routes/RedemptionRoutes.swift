import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// Redemptions: spending points on a reward, and their life after (fulfilled, cancelled).
struct RedemptionRoutes {
    let store: any LaurelStore
    let clock: any WallClock

    func register(_ api: APIRouter) {
        let render: @Sendable (RedemptionRecord) throws -> Data = { try APIJSON.encode(RedemptionView($0)) }

        api.add(.post, "/v1/redemptions", scope: .integration, member: .bodyMember("member_id")) { request in
            let body = try APIJSON.decode(RedemptionBody.self, from: request.body)
            if let points = body.points, points <= 0 || points > 100_000_000 {
                throw Problem.invalid("points", "points must be a positive integer of at most 100000000")
            }
            let now = clock.now()
            let result = try await store.redeem(programId: request.programId, id: Identifiers.make("rdm", now: now), memberId: body.memberId,
                                                rewardId: body.rewardId, points: body.points, quantity: body.quantity ?? 1, now: now, apiKeyId: request.caller.keyId,
                                                idempotency: try request.idempotency(status: .created, render: render))
            return try APIRouter.respond(result, status: .created, render: render)
        }

        api.add(.get, "/v1/redemptions", scope: .read, member: .queryMember("member_id")) { request in
            let page = try await store.redemptions(programId: request.programId, memberId: request.query("member_id"), limit: try request.limit(),
                                                   startingAfter: request.query("starting_after"), now: clock.now())
            let view = ListView(data: page.items.map(RedemptionView.init), hasMore: page.hasMore, nextCursor: page.hasMore ? page.items.last?.id : nil)
            return APIJSON.response(.ok, try APIJSON.encode(view))
        }

        api.add(.get, "/v1/redemptions/{id}", scope: .read, member: .owner("redemption", { request in
            try await store.redemption(programId: request.programId, id: try request.parameter("id"), now: clock.now())?.memberId
        })) { request in
            let id = try request.parameter("id")
            guard let record = try await store.redemption(programId: request.programId, id: id, now: clock.now()) else {
                throw Problem.notFound("redemption \(id)")
            }
            return APIJSON.response(.ok, try render(record))
        }

        api.add(.post, "/v1/redemptions/{id}/cancel", scope: .integration, member: .refused) { request in
            let id = try request.parameter("id")
            let result = try await store.cancelRedemption(programId: request.programId, id: id, now: clock.now(),
                                                          idempotency: try request.idempotency(status: .ok, render: render))
            return try APIRouter.respond(result, status: .ok, render: render)
        }

        api.add(.post, "/v1/redemptions/{id}/fulfil", scope: .integration, member: .refused) { request in
            let id = try request.parameter("id")
            let result = try await store.fulfilRedemption(programId: request.programId, id: id, now: clock.now(),
                                                          idempotency: try request.idempotency(status: .ok, render: render))
            return try APIRouter.respond(result, status: .ok, render: render)
        }
    }
}
