public enum LedgerEntryKind: String, Sendable, Codable, CaseIterable {
    case earn, mature, spend, expire, reverse, adjust, transfer
    /// Points of a cancelled redemption going back to the lots they came from.
    case restore
}

/// One immutable movement of points from one account to another.
public struct LedgerEntry: Hashable, Sendable {
    public var kind: LedgerEntryKind
    public var from: LedgerAccount
    public var to: LedgerAccount
    /// Always positive.
    public var points: Int
    /// The member whose account moves (the sender for transfers).
    public var memberId: String
    public var lotId: String?
    /// The event, adjustment or transfer that caused it.
    public var sourceId: String

    public init(kind: LedgerEntryKind, from: LedgerAccount, to: LedgerAccount, points: Int, memberId: String, lotId: String?, sourceId: String) {
        self.kind = kind
        self.from = from
        self.to = to
        self.points = points
        self.memberId = memberId
        self.lotId = lotId
        self.sourceId = sourceId
    }
}

