import Foundation

/// A key that signs and verifies a program's member tokens (HS256). Kept in the database so that
/// every node of a deployment verifies the tokens any node issued.
public struct MemberTokenKeyRecord: Hashable, Sendable {
    /// The token's `kid` header (`mtk_…`).
    public var id: String
    public var programId: String
    /// The HMAC secret, base64 (32 random bytes).
    public var secret: String
    public var createdAt: Date
    /// When a rotation replaced it: it signs no token from then on. Nil while it is the signing key.
    public var retiredAt: Date?
    /// When it stops verifying: the latest expiry a token it signed can have (or the rotation
    /// itself, when the rotation revoked it). Nil while it is the signing key.
    public var expiresAt: Date?

    public init(id: String, programId: String, secret: String, createdAt: Date, retiredAt: Date? = nil, expiresAt: Date? = nil) {
        self.id = id
        self.programId = programId
        self.secret = secret
        self.createdAt = createdAt
        self.retiredAt = retiredAt
        self.expiresAt = expiresAt
    }

    /// Whether a token signed with this key may still be accepted at `now`.
    public func verifies(at now: Date) -> Bool { expiresAt.map { now < $0 } ?? true }
}
