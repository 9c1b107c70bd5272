import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// Spin-the-wheel: a member's wheels, spins (paid, drawn and credited in one transaction), their
/// audit trail, and free plays granted by staff.
struct GameRoutes {
    let store: any LaurelStore
    let clock: any WallClock
    /// Where draws come from: `SystemRandomNumberGenerator` live, seeded in tests.
    let random: RandomSource

    func register(_ api: APIRouter) {
        let renderSpin: @Sendable (SpinRecord) throws -> Data = { try APIJSON.encode(SpinView($0)) }
        let renderGrant: @Sendable (PlayGrantRecord) throws -> Data = { try APIJSON.encode(PlayGrantView($0)) }

        api.add(.get, "/v1/members/{id}/games", scope: .read, member: .pathMember("id")) { request in
            let wheels = try await store.wheelAllowances(programId: request.programId, memberId: try request.parameter("id"), now: clock.now())
            let view = ListView(data: wheels.map(WheelView.init), hasMore: false, nextCursor: nil)
            return APIJSON.response(.ok, try APIJSON.encode(view))
        }

        api.add(.post, "/v1/members/{id}/games/{wheel_id}/spins", scope: .integration, member: .pathMember("id")) { request in
            let now = clock.now()
            let result = try await store.spin(programId: request.programId, id: Identifiers.make("spn", now: now), memberId: try request.parameter("id"),
                                              wheelId: try request.parameter("wheel_id"), random: random, now: now,
                                              idempotency: try request.idempotency(status: .created, render: renderSpin))
            return try APIRouter.respond(result, status: .created, render: renderSpin)
        }

        api.add(.get, "/v1/members/{id}/games/spins", scope: .read, member: .pathMember("id")) { request in
            let page = try await store.spins(programId: request.programId, memberId: try request.parameter("id"), limit: try request.limit(),
                                             startingAfter: request.query("starting_after"))
            let view = ListView(data: page.items.map(SpinView.init), hasMore: page.hasMore, nextCursor: page.hasMore ? page.items.last?.id : nil)
            return APIJSON.response(.ok, try APIJSON.encode(view))
        }

        api.add(.get, "/v1/games/spins", scope: .admin, member: .refused) { request in
            let page = try await store.spins(programId: request.programId, memberId: nil, limit: try request.limit(),
                                             startingAfter: request.query("starting_after"))
            let view = ListView(data: page.items.map(SpinView.init), hasMore: page.hasMore, nextCursor: page.hasMore ? page.items.last?.id : nil)
            return APIJSON.response(.ok, try APIJSON.encode(view))
        }

        api.add(.post, "/v1/members/{id}/games/{wheel_id}/plays", scope: .admin, member: .refused) { request in
            let body = try APIJSON.decode(PlayGrantBody.self, from: request.body)
            guard (1...1_000).contains(body.plays) else { throw Problem.invalid("plays", "plays must be an integer from 1 to 1000") }
            let reason = try FreeText.read(body.reason, field: "reason")
            let now = clock.now()
            let result = try await store.grantPlays(programId: request.programId, id: Identifiers.make("gpl", now: now),
                                                    memberId: try request.parameter("id"), wheelId: try request.parameter("wheel_id"),
                                                    plays: body.plays, reason: reason, actor: request.caller.actor, now: now,
                                                    idempotency: try request.idempotency(status: .created, render: renderGrant))
            return try APIRouter.respond(result, status: .created, render: renderGrant)
        }
    }
}
