import Foundation

/// A one-time code a member asked for to sign in to the portal. Only its hash is kept; the code
/// itself leaves once, in the `member.sign_in_code` message the brand's channel delivers.
public struct SignInCodeRecord: Hashable, Sendable {
    /// `sic_…`
    public var id: String
    public var programId: String
    public var memberId: String
    /// The hash the server made of the code (the store only compares hashes).
    public var codeHash: String
    public var createdAt: Date
    public var expiresAt: Date

    public init(id: String, programId: String, memberId: String, codeHash: String, createdAt: Date, expiresAt: Date) {
        self.id = id
        self.programId = programId
        self.memberId = memberId
        self.codeHash = codeHash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// What checking a code found. The member's live code is gone after `accepted` (single use) and
/// after `burned` (too many wrong tries); `noCode` covers never asked, expired, used and burned alike.
public enum SignInCodeCheck: Hashable, Sendable {
    case accepted
    case wrong(attemptsLeft: Int)
    case burned
    case noCode
}

extension SignInCodeCheck {
    /// The outcome of one try at a live code that had `attempts` wrong tries before it (both stores
    /// decide the same way). The hashes are compared in full whatever their first difference.
    static func judging(stored: String, given: String, attempts: Int, maxAttempts: Int) -> SignInCodeCheck {
        let matches = stored.utf8.count == given.utf8.count && zip(stored.utf8, given.utf8).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
        if matches { return .accepted }
        return attempts + 1 >= maxAttempts ? .burned : .wrong(attemptsLeft: maxAttempts - attempts - 1)
    }
}
