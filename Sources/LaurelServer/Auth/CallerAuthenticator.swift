import Foundation
import Hummingbird
import LaurelStore

/// Tells who is calling from `Authorization: Bearer <credentials>`: an API key (`lk_…`), or a
/// member token (a JWT: three dot-separated parts; API keys have no dots). A member token is
/// accepted only while its member exists and is not blocked.
final class CallerAuthenticator: Sendable {
    let keys: APIKeyAuthenticator
    let tokens: MemberTokens
    let store: any LaurelStore

    init(store: any LaurelStore, clock: any WallClock) {
        self.store = store
        keys = APIKeyAuthenticator(store: store, clock: clock)
        tokens = MemberTokens(store: store, clock: clock)
    }

    /// The caller, or a 401 problem: no credentials, an unknown or revoked key, a token that fails verification.
    func authenticate(_ request: Request) async throws -> Caller {
        guard let header = request.headers[.authorization], let credentials = APIKeyAuthenticator.bearerToken(header) else {
            throw Problem(.unauthorized, "unauthorized", "send an API key or a member token as Authorization: Bearer <credentials>")
        }
        guard credentials.contains(".") else { return .key(try await keys.key(secret: credentials)) }
        let holder = try await tokens.verify(credentials)
        // Read every time (not cached): blocking a member ends their tokens at once.
        guard let member = try await store.member(programId: holder.programId, id: holder.memberId) else {
            throw MemberTokens.refusal("the member token's member no longer exists")
        }
        guard member.status == .active else { throw MemberTokens.refusal("the member token's member is blocked") }
        return .member(holder)
    }
}
