import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// Points history, manual adjustments and transfers between members.
struct LedgerRoutes {
    let store: any LaurelStore
    let clock: any WallClock

    func register(_ api: APIRouter) {
        api.add(.get, "/v1/members/{id}/ledger", scope: .read, member: .pathMember("id")) { request in
            let id = try request.parameter("id")
            let cursor = try request.sequenceCursor(prefix: "le_", naming: "a ledger entry id")
            let page = try await store.ledger(programId: request.programId, memberId: id, limit: try request.limit(), startingAfter: cursor)
            let data = page.items.map { LedgerEntryView($0, memberId: id) }
            return APIJSON.response(.ok, try APIJSON.encode(ListView(data: data, hasMore: page.hasMore, nextCursor: page.hasMore ? data.last?.id : nil)))
        }

        // Points earned, spent, expired, transferred … in a period, summed from the ledger (an empty period, until ≤ from, sums to 0).
        api.add(.get, "/v1/members/{id}/points-activity", scope: .read, member: .pathMember("id")) { request in
            let id = try request.parameter("id")
            let from = try request.timestamp("from"), until = try request.timestamp("until")
            let activity = try await store.pointsActivity(programId: request.programId, memberId: id, from: from, until: until)
            return APIJSON.response(.ok, try APIJSON.encode(PointsActivityView(activity, memberId: id, from: from, until: until)))
        }

        api.add(.post, "/v1/members/{id}/adjustments", scope: .admin, member: .refused) { request in
            let id = try request.parameter("id")
            let body = try APIJSON.decode(AdjustmentBody.self, from: request.body)
            guard body.points != 0, body.points.magnitude <= 100_000_000 else {
                throw Problem.invalid("points", "points must be a non-zero integer (positive credits, negative debits) of at most 100000000")
            }
            let reason = try FreeText.read(body.reason, field: "reason")
            let now = clock.now()
            let actor = body.actor.map { "\($0) via \(request.caller.actor)" } ?? request.caller.actor
            let render: @Sendable (AdjustmentRecord) throws -> Data = { try APIJSON.encode(AdjustmentView($0)) }
            let result = try await store.adjust(programId: request.programId, memberId: id, id: Identifiers.make("adj", now: now), points: body.points,
                                                reason: reason, actor: actor, now: now,
                                                idempotency: try request.idempotency(status: .created, render: render))
            return try APIRouter.respond(result, status: .created, render: render)
        }

        // A manual credit taken back: out of its own lots, then other points, then into debt as the
        // program's return policy allows; a debit, or an adjustment already cancelled, is refused.
        api.add(.post, "/v1/members/{id}/adjustments/{adjustment_id}/cancel", scope: .admin, member: .refused) { request in
            let id = try request.parameter("id")
            let adjustmentId = try request.parameter("adjustment_id")
            let body = try APIJSON.decode(CancelAdjustmentBody.self, from: request.body)
            let reason = try FreeText.read(body.reason, field: "reason")
            let actor = body.actor.map { "\($0) via \(request.caller.actor)" } ?? request.caller.actor
            let render: @Sendable (AdjustmentCancellationRecord) throws -> Data = { try APIJSON.encode(AdjustmentCancellationView($0)) }
            let result = try await store.cancelAdjustment(programId: request.programId, memberId: id, adjustmentId: adjustmentId, reason: reason,
                                                          actor: actor, now: clock.now(),
                                                          idempotency: try request.idempotency(status: .created, render: render))
            return try APIRouter.respond(result, status: .created, render: render)
        }

        api.add(.post, "/v1/transfers", scope: .integration, member: .refused) { request in
            let body = try APIJSON.decode(TransferBody.self, from: request.body)
            guard body.points > 0, body.points <= 100_000_000 else {
                throw Problem.invalid("points", "points must be a positive integer of at most 100000000")
            }
            let now = clock.now()
            let render: @Sendable (TransferRecord) throws -> Data = { try APIJSON.encode(TransferView($0)) }
            let result = try await store.transfer(programId: request.programId, id: Identifiers.make("trf", now: now), from: body.fromMemberId,
                                                  to: body.toMemberId, points: body.points, now: now,
                                                  idempotency: try request.idempotency(status: .created, render: render))
            return try APIRouter.respond(result, status: .created, render: render)
        }
    }
}
