import Foundation
import LaurelCore

/// What punch cards keep: each stamp (with the purchase that earned it) and each completion (with
/// the points and reward it gave). Stamps and completions are written by the event write.
public protocol PunchCardStore: Sendable {
    /// The member's progress on each of `cards` (the program's, in its order), as of `now`.
    func punchCards(programId: String, memberId: String, cards: [PunchCard], now: Date) async throws -> [PunchCardStatus]
}

/// A member's card as `GET /v1/members/{id}/punch-cards` shows it.
public struct PunchCardStatus: Hashable, Sendable {
    public var cardId: String
    public var name: String
    /// Live stamps on the card now.
    public var stamps: Int
    /// Stamps that complete it.
    public var required: Int
    /// Stamps still to collect.
    public var remaining: Int { max(required - stamps, 0) }
    /// When the soonest live stamp expires.
    public var nextExpiry: Date?
    /// Completions given and not revoked.
    public var completions: Int
    public var lastCompletedAt: Date?

    public init(cardId: String, name: String, stamps: Int, required: Int, nextExpiry: Date?, completions: Int, lastCompletedAt: Date?) {
        self.cardId = cardId
        self.name = name
        self.stamps = stamps
        self.required = required
        self.nextExpiry = nextExpiry
        self.completions = completions
        self.lastCompletedAt = lastCompletedAt
    }
}
