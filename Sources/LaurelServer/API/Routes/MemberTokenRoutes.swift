import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// Member tokens: issuing one for a member (an app or the member portal then acts as that
/// member), and the program's signing keys and their rotation.
struct MemberTokenRoutes {
    let store: any LaurelStore
    let clock: any WallClock
    let tokens: MemberTokens

    func register(_ api: APIRouter) {
        api.add(.post, "/v1/members/{id}/tokens", scope: .integration, member: .refused) { request in
            let id = try request.parameter("id")
            let lifetime = try MemberTokenBodies.lifetime(request.body)
            // Issuing writes nothing but the answer: an `Idempotency-Key` stores that (the same token again on a replay).
            let claim = try request.idempotency(status: .created) { (body: Data) in body }
            if let claim, let stored = try await store.storedResponse(programId: request.programId, key: claim.key, fingerprint: claim.fingerprint) {
                return try APIRouter.respond(Idempotent<Data>.replayed(stored), status: .created) { $0 }
            }
            guard let member = try await store.member(programId: request.programId, id: id) else { throw Problem.notFound("member \(id)") }
            guard member.status == .active else {
                throw Problem(.unprocessableContent, "member_blocked", "member \(id) is blocked: blocked members get no tokens")
            }
            let body = try APIJSON.encode(MemberTokenView(try await tokens.issue(for: member, lifetime: lifetime)))
            guard let claim else { return APIJSON.response(.created, body) }
            let stored = try await store.storeResponse(programId: request.programId, key: claim.key, fingerprint: claim.fingerprint,
                                                       response: StoredResponse(status: 201, body: body), now: clock.now())
            return try APIRouter.respond(stored.body == body ? .fresh(body, stored) : .replayed(stored), status: .created) { $0 }
        }

        api.add(.get, "/v1/token-keys", scope: .admin, member: .refused) { request in
            let now = clock.now()
            let keys = try await store.memberTokenKeys(programId: request.programId).map { MemberTokenKeyView($0, now: now) }
            return APIJSON.response(.ok, try APIJSON.encode(ListView(data: keys, hasMore: false)))
        }

        api.add(.post, "/v1/token-keys/rotate", scope: .admin, member: .refused) { request in
            let revoke = try MemberTokenBodies.revokePrevious(request.body)
            let now = clock.now()
            let render: @Sendable ([MemberTokenKeyRecord]) throws -> Data = { keys in
                try APIJSON.encode(ListView(data: keys.map { MemberTokenKeyView($0, now: now) }, hasMore: false))
            }
            let result = try await MemberTokenKeyRotation.rotate(store: store, programId: request.programId, revokePrevious: revoke, now: now,
                                                                 idempotency: try request.idempotency(status: .ok, render: render))
            return try APIRouter.respond(result, status: .ok, render: render)
        }
    }
}
