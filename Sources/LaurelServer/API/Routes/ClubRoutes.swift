import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// Exclusive clubs: the program's clubs, joining by invitation or with points, leaving, members;
/// and the outbox of messages (tier changes, redemptions, club memberships) for other systems.
struct ClubRoutes {
    let store: any LaurelStore
    let clock: any WallClock

    func register(_ api: APIRouter) {
        let render: @Sendable (ClubMembershipRecord) throws -> Data = { try APIJSON.encode(ClubMembershipView($0)) }

        api.add(.get, "/v1/clubs", scope: .read, member: .anyMember) { request in
            let clubs = try await store.programVersion(programId: request.programId, version: nil)?.definition.clubs ?? []
            return APIJSON.response(.ok, try APIJSON.encode(ListView(data: clubs.map(ClubView.init), hasMore: false)))
        }

        api.add(.post, "/v1/clubs/{id}/members", scope: .integration, member: .refused) { request in
            let clubId = try request.parameter("id")
            let body = try APIJSON.decode(ClubInvitationBody.self, from: request.body)
            let result = try await store.joinClub(programId: request.programId, clubId: clubId, memberId: body.memberId, via: .invitation,
                                                  invitedBy: body.invitedBy ?? "staff via \(request.caller.actor)", now: clock.now(),
                                                  idempotency: try request.idempotency(status: .created, render: render))
            return try APIRouter.respond(result, status: .created, render: render)
        }

        api.add(.post, "/v1/clubs/{id}/join", scope: .integration, member: .bodyMember("member_id")) { request in
            let clubId = try request.parameter("id")
            let body = try APIJSON.decode(ClubJoinBody.self, from: request.body)
            let result = try await store.joinClub(programId: request.programId, clubId: clubId, memberId: body.memberId, via: .points,
                                                  invitedBy: nil, now: clock.now(), idempotency: try request.idempotency(status: .created, render: render))
            return try APIRouter.respond(result, status: .created, render: render)
        }

        api.add(.get, "/v1/clubs/{id}/members", scope: .read, member: .refused) { request in
            let clubId = try request.parameter("id")
            let page = try await store.clubMembers(programId: request.programId, clubId: clubId, limit: try request.limit(),
                                                   startingAfter: request.query("starting_after"))
            let view = ListView(data: page.items.map(ClubMembershipView.init), hasMore: page.hasMore, nextCursor: page.hasMore ? page.items.last?.memberId : nil)
            return APIJSON.response(.ok, try APIJSON.encode(view))
        }

        api.add(.delete, "/v1/clubs/{id}/members/{member_id}", scope: .integration, member: .pathMember("member_id")) { request in
            let result = try await store.leaveClub(programId: request.programId, clubId: try request.parameter("id"),
                                                   memberId: try request.parameter("member_id"), now: clock.now(),
                                                   idempotency: try request.idempotency(status: .ok, render: render))
            return try APIRouter.respond(result, status: .ok, render: render)
        }

        api.add(.get, "/v1/messages", scope: .admin, member: .refused) { request in
            var cursor: Int64?
            if let text = request.query("starting_after") {
                guard let sequence = APIRequest.sequence(Substring(text)) else {
                    throw Problem(.badRequest, "invalid_request", "starting_after must be a message sequence number", field: "starting_after")
                }
                cursor = sequence
            }
            let page = try await store.outbox(programId: request.programId, limit: try request.limit(), startingAfter: cursor)
            let data = try page.items.map(MessageView.init)
            return APIJSON.response(.ok, try APIJSON.encode(ListView(data: data, hasMore: page.hasMore, nextCursor: page.hasMore ? data.last.map { String($0.sequence) } : nil)))
        }
    }
}
