import Foundation
import LaurelCore
import LaurelStore

/// The bodies of the member token routes. Unknown keys are refused: a caller sending `sub`,
/// `aud` or `exp` must learn that it cannot set them.
enum MemberTokenBodies {
    /// `POST /v1/members/{id}/tokens`: the token's lifetime in seconds (`expires_in`, default 900,
    /// 60 to 3600). An empty body asks for the default.
    static func lifetime(_ body: Data) throws -> TimeInterval {
        guard body.contains(where: { !" \t\r\n".utf8.contains($0) }) else { return MemberTokens.defaultLifetime }
        let fields = try WebhookBodies.object(body, allowed: ["expires_in"])
        guard let value = fields["expires_in"] else { return MemberTokens.defaultLifetime }
        let range = Int(MemberTokens.minLifetime)...Int(MemberTokens.maxLifetime)
        guard case .number(let text) = value, let seconds = Int(text), range.contains(seconds) else {
            throw Problem.invalid("expires_in", "expires_in must be a whole number of seconds from \(range.lowerBound) to \(range.upperBound)")
        }
        return TimeInterval(seconds)
    }

    /// `POST /v1/token-keys/rotate`: whether the previous keys stop verifying at once (a leaked key)
    /// instead of when the tokens they signed have expired. An empty body: false.
    static func revokePrevious(_ body: Data) throws -> Bool {
        guard body.contains(where: { !" \t\r\n".utf8.contains($0) }) else { return false }
        let fields = try WebhookBodies.object(body, allowed: ["revoke_previous"])
        guard let value = fields["revoke_previous"] else { return false }
        guard case .bool(let revoke) = value else { throw Problem.invalid("revoke_previous", "revoke_previous must be true or false") }
        return revoke
    }
}

/// A member token as `POST /v1/members/{id}/tokens` answers it.
struct MemberTokenView: Encodable {
    var object = "member_token"
    var token: String
    var tokenType = "Bearer"
    var memberId: String
    var tokenId: String
    var keyId: String
    var issuedAt: String
    var expiresAt: String
    var expiresIn: Int

    enum CodingKeys: String, CodingKey {
        case object, token, tokenType = "token_type", memberId = "member_id", tokenId = "token_id", keyId = "key_id"
        case issuedAt = "issued_at", expiresAt = "expires_at", expiresIn = "expires_in"
    }

    init(_ issued: IssuedMemberToken) {
        token = issued.token
        memberId = issued.claims.sub.value
        tokenId = issued.claims.jti.value
        keyId = issued.keyId
        issuedAt = Timestamps.format(issued.claims.iat.value)
        expiresAt = Timestamps.format(issued.claims.exp.value)
        expiresIn = Int(issued.claims.exp.value.timeIntervalSince(issued.claims.iat.value))
    }
}

/// A member token key as the API shows it: never its secret.
struct MemberTokenKeyView: Encodable {
    var id: String
    var object = "member_token_key"
    /// `signing` (signs new tokens), `verifying` (retired, still verifies what it signed), `expired`.
    var status: String
    var createdAt: String
    var retiredAt: String?
    var expiresAt: String?

    enum CodingKeys: String, CodingKey { case id, object, status, createdAt = "created_at", retiredAt = "retired_at", expiresAt = "expires_at" }

    init(_ key: MemberTokenKeyRecord, now: Date) {
        id = key.id
        status = key.retiredAt == nil ? "signing" : (key.verifies(at: now) ? "verifying" : "expired")
        createdAt = Timestamps.format(key.createdAt)
        retiredAt = key.retiredAt.map(Timestamps.format)
        expiresAt = key.expiresAt.map(Timestamps.format)
    }
}
