import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// Members: enrol, look up, list, update, block / unblock (through `status`).
struct MemberRoutes {
    let store: any LaurelStore
    let clock: any WallClock

    /// How far ahead a single member's view lists points about to expire.
    static let expiringWithin: TimeInterval = 30 * 86_400

    /// A member with their points, tier standing and clubs, as of `now`. One read: the summary
    /// carries the member it was computed for (unknown members answer 404).
    static func memberResponse(store: any LaurelStore, programId: String, id: String, now: Date) async throws -> Response {
        let summary = try await store.pointsSummary(programId: programId, memberId: id, now: now, expiringWithin: expiringWithin)
        var view = MemberView(summary.member, summary: summary)
        let program = try await store.programVersion(programId: programId, version: nil)?.definition
        // The segments the member is in now (evaluated live), when the program defines any.
        if let segments = program?.segments, !segments.isEmpty {
            view.segments = try await store.memberSegments(programId: programId, memberId: id, segments: segments, now: now)
        }
        if let program, let referrals = program.referrals {
            let code = try await store.referralCode(programId: programId, memberId: id)
            view.referral = MemberReferralView(code: code, link: referrals.link(for: code))
        }
        if let program, !program.punchCards.isEmpty {
            view.punchCards = try await store.punchCards(programId: programId, memberId: id, cards: program.punchCards, now: now).map(PunchCardView.init)
        }
        return APIJSON.response(.ok, try view.jsonData())
    }

    /// The body of a single member's view.
    static func renderSummary(_ summary: PointsSummary) throws -> Data {
        try MemberView(summary.member, summary: summary).jsonData()
    }

    func register(_ api: APIRouter) {
        api.add(.post, "/v1/members", scope: .integration, member: .refused) { request in
            let body = try APIJSON.decode(CreateMemberBody.self, from: request.body)
            try body.validate()
            let now = clock.now()
            let member = MemberRecord(id: Identifiers.make("mem", now: now), programId: request.programId, externalId: body.externalId,
                                      email: body.email, name: body.name, birthday: body.birthday, attributes: body.attributes ?? [:],
                                      status: body.status ?? .active, createdAt: now, updatedAt: now)
            let render: @Sendable (MemberRecord) throws -> Data = { try MemberView($0).jsonData() }
            let result = try await store.createMember(member, referralCode: body.referralCode,
                                                      idempotency: try request.idempotency(status: .created, render: render))
            return try APIRouter.respond(result, status: .created, render: render)
        }

        api.add(.get, "/v1/members", scope: .read, member: .refused) { request in
            let limit = try request.limit()
            if let externalId = request.query("external_id") {
                let found = try await store.member(programId: request.programId, externalId: externalId)
                return APIJSON.response(.ok, try APIJSON.encode(ListView(data: found.map { [MemberView($0)] } ?? [], hasMore: false)))
            }
            let page = try await store.members(programId: request.programId, limit: limit, startingAfter: request.query("starting_after"))
            let view = ListView(data: page.items.map { MemberView($0) }, hasMore: page.hasMore, nextCursor: page.hasMore ? page.items.last?.id : nil)
            return APIJSON.response(.ok, try APIJSON.encode(view))
        }

        api.add(.get, "/v1/members/{id}", scope: .read, member: .pathMember("id")) { request in
            try await Self.memberResponse(store: store, programId: request.programId, id: try request.parameter("id"), now: clock.now())
        }

        api.add(.patch, "/v1/members/{id}", scope: .integration, member: .refused) { request in
            let id = try request.parameter("id")
            let body = try APIJSON.decode(UpdateMemberBody.self, from: request.body)
            try body.validate()
            let render: @Sendable (MemberRecord) throws -> Data = { try MemberView($0).jsonData() }
            let result = try await store.updateMember(programId: request.programId, id: id, patch: body.patch, now: clock.now(),
                                                      idempotency: try request.idempotency(status: .ok, render: render))
            return try APIRouter.respond(result, status: .ok, render: render)
        }
    }
}
