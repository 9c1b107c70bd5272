import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// Tiers set by staff (a floor the member keeps) and a member's tier history.
struct TierRoutes {
    let store: any LaurelStore
    let clock: any WallClock

    func register(_ api: APIRouter) {
        api.add(.put, "/v1/members/{id}/tier", scope: .admin, member: .refused) { request in
            let id = try request.parameter("id")
            let body = try APIJSON.decode(TierFloorBody.self, from: request.body)
            let reason = try FreeText.read(body.reason, field: "reason")
            let now = clock.now()
            var until: Date?
            if let text = body.until {
                guard let date = Timestamps.parse(text) else { throw Problem.invalid("until", "until must be an RFC 3339 timestamp") }
                guard date > now else { throw Problem.invalid("until", "until must be in the future") }
                until = date
            }
            let result = try await store.setTierFloor(programId: request.programId, memberId: id, tierId: body.tier, until: until, note: reason,
                                                      actor: request.caller.actor, now: now, expiringWithin: MemberRoutes.expiringWithin,
                                                      idempotency: try request.idempotency(status: .ok, render: MemberRoutes.renderSummary))
            return try APIRouter.respond(result, status: .ok, render: MemberRoutes.renderSummary)
        }

        api.add(.delete, "/v1/members/{id}/tier", scope: .admin, member: .refused) { request in
            let id = try request.parameter("id")
            let now = clock.now()
            let result = try await store.setTierFloor(programId: request.programId, memberId: id, tierId: nil, until: nil, note: "floor removed",
                                                      actor: request.caller.actor, now: now, expiringWithin: MemberRoutes.expiringWithin,
                                                      idempotency: try request.idempotency(status: .ok, render: MemberRoutes.renderSummary))
            return try APIRouter.respond(result, status: .ok, render: MemberRoutes.renderSummary)
        }

        api.add(.get, "/v1/members/{id}/tier-history", scope: .read, member: .pathMember("id")) { request in
            let id = try request.parameter("id")
            let cursor = try request.sequenceCursor(prefix: "tc_", naming: "a tier change id")
            let page = try await store.tierChanges(programId: request.programId, memberId: id, limit: try request.limit(), startingAfter: cursor)
            let data = page.items.map(TierChangeView.init)
            return APIJSON.response(.ok, try APIJSON.encode(ListView(data: data, hasMore: page.hasMore, nextCursor: page.hasMore ? data.last?.id : nil)))
        }
    }
}
