import Foundation
import LaurelStore

/// Who made an API request: an API key of a program, or a member of a program holding a member
/// token. Rate limits, audit records and fraud checks tell callers apart by it.
public enum Caller: Sendable, Hashable {
    case key(APIKeyRecord)
    case member(MemberTokenHolder)

    /// The program everything the caller reaches belongs to.
    public var programId: String {
        switch self {
        case .key(let key): key.programId
        case .member(let holder): holder.programId
        }
    }

    /// Who the audit trail names: `api_key:<key id>` or `member:<member id>`.
    public var auditActor: String {
        switch self {
        case .key(let key): AuditActor.apiKey(key.id)
        case .member(let holder): "member:\(holder.memberId)"
        }
    }

    /// The API key's id; nil for a member.
    public var keyId: String? { if case .key(let key) = self { key.id } else { nil } }

    /// The member a member token speaks for; nil for an API key.
    public var memberId: String? { if case .member(let holder) = self { holder.memberId } else { nil } }

    /// How records name the caller: the key id (`key_…`), or `member:<member id>`.
    public var actor: String {
        switch self {
        case .key(let key): key.id
        case .member(let holder): "member:\(holder.memberId)"
        }
    }
}

/// The holder of a verified member token: one member of one program, until the token expires.
public struct MemberTokenHolder: Sendable, Hashable {
    public var programId: String
    public var memberId: String
    /// The token's `jti`.
    public var tokenId: String
    /// The key that signed it (the token's `kid`).
    public var keyId: String
    public var expiresAt: Date

    public init(programId: String, memberId: String, tokenId: String, keyId: String, expiresAt: Date) {
        self.programId = programId
        self.memberId = memberId
        self.tokenId = tokenId
        self.keyId = keyId
        self.expiresAt = expiresAt
    }
}
