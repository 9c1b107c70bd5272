import Foundation

/// Earned points with their own expiry. Pending lots wait until `availableAt` before they can be spent.
public struct PointLot: Hashable, Sendable {
    public var id: String
    public var memberId: String
    public var sourceId: String
    public var earnedAt: Date
    public var availableAt: Date
    public var expiresAt: Date?
    /// Points the lot was created with.
    public var points: Int
    /// Points still in it.
    public var remaining: Int
    public var pending: Bool

    public init(id: String, memberId: String, sourceId: String, earnedAt: Date, availableAt: Date, expiresAt: Date?,
                points: Int, remaining: Int, pending: Bool) {
        self.id = id
        self.memberId = memberId
        self.sourceId = sourceId
        self.earnedAt = earnedAt
        self.availableAt = availableAt
        self.expiresAt = expiresAt
        self.points = points
        self.remaining = remaining
        self.pending = pending
    }

    /// Spending order: soonest expiry first, never-expiring last, then oldest.
    static func spendsBefore(_ lhs: PointLot, _ rhs: PointLot) -> Bool {
        let left = lhs.expiresAt ?? .distantFuture, right = rhs.expiresAt ?? .distantFuture
        if left != right { return left < right }
        if lhs.earnedAt != rhs.earnedAt { return lhs.earnedAt < rhs.earnedAt }
        return lhs.id < rhs.id
    }
}
