import Foundation

/// A signed-in browser: a staff user in the console or a member in the portal. The cookie holds a
/// random secret; only its SHA-256 is stored, so a copy of the database opens no session.
public struct WebSessionRecord: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case staff
        case member
    }

    /// SHA-256 of the cookie's secret, hex.
    public let tokenHash: String
    public let programId: String
    public let kind: Kind
    /// The staff user's or the member's id.
    public let subjectId: String
    /// Sent with every form of the session and compared on every POST.
    public let csrfToken: String
    public let createdAt: Date
    public let expiresAt: Date

    public init(tokenHash: String, programId: String, kind: Kind, subjectId: String, csrfToken: String, createdAt: Date, expiresAt: Date) {
        self.tokenHash = tokenHash
        self.programId = programId
        self.kind = kind
        self.subjectId = subjectId
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}
