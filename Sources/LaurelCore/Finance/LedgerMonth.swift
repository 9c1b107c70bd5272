/// The points that crossed between members and the program's accounts in one month (entries
/// written in it), program-wide. Moves from member to member (transfers, pending points becoming
/// available) change nothing the program owes and are not counted.
public struct LedgerMonth: Hashable, Sendable {
    public var month: FinanceMonth
    /// `issued` → member: earned for events (tier bonuses and play prizes included).
    public var earned = 0
    /// `adjusted` → member: staff credits, campaign and birthday gifts.
    public var credited = 0
    /// Member → `redeemed`: rewards and club fees.
    public var spent = 0
    /// `redeemed` → member: cancelled redemptions.
    public var restored = 0
    /// Member → `expired`.
    public var expired = 0
    /// `redeemed` → `expired`: a redemption cancelled after the lot its points came from expired.
    public var expiredOnCancel = 0
    /// Member → `reversed`: returns.
    public var returned = 0
    /// Member → `adjusted`: staff debits and cancelled credits.
    public var debited = 0

    public init(month: FinanceMonth) { self.month = month }

    /// Adds one `(from, to, points)` total the store read, accounts named as stored with every
    /// member account written `member`. Returns false for a pair no ledger operation makes.
    public mutating func add(from: String, to: String, points: Int) -> Bool {
        switch (from, to) {
        case ("issued", "member"): earned = earned.addingSaturated(points)
        case ("adjusted", "member"): credited = credited.addingSaturated(points)
        case ("member", "redeemed"): spent = spent.addingSaturated(points)
        case ("redeemed", "member"): restored = restored.addingSaturated(points)
        case ("member", "expired"): expired = expired.addingSaturated(points)
        case ("redeemed", "expired"): expiredOnCancel = expiredOnCancel.addingSaturated(points)
        case ("member", "reversed"): returned = returned.addingSaturated(points)
        case ("member", "adjusted"): debited = debited.addingSaturated(points)
        default: return false
        }
        return true
    }
}

/// The points of one issue month: what its lots were created with, what left them other than by
/// redemption or expiry, and what expired, as of some instant.
public struct IssueCohortFacts: Hashable, Sendable {
    /// The month the lots were earned (a transfer's lots: the month of the transfer).
    public var month: FinanceMonth
    /// Points the lots were created with.
    public var issued: Int
    /// Taken back out of the lots: returns, staff debits, and points transferred to another member
    /// (they carry on in the receiver's lot, counted in its month).
    public var takenBack: Int
    /// Expired out of the lots (and points of a redemption cancelled after its lot expired).
    public var expired: Int
    /// Whether some lot never expires.
    public var neverExpires: Bool
    /// The latest expiry of the lots, in milliseconds (nil when none expires).
    public var lastExpiryMillis: Int64?

    public init(month: FinanceMonth, issued: Int, takenBack: Int, expired: Int, neverExpires: Bool, lastExpiryMillis: Int64?) {
        self.month = month; self.issued = issued; self.takenBack = takenBack; self.expired = expired
        self.neverExpires = neverExpires; self.lastExpiryMillis = lastExpiryMillis
    }
}

/// Members' points at one instant, by the month their lot expires.
public struct OutstandingFacts: Hashable, Sendable {
    /// Points still in lots, by expiry month; nil: lots that never expire.
    public var byExpiry: [FinanceMonth?: Int]
    /// Points moved without a lot: a return or a cancelled credit that left a member owing points
    /// (negative). A debt is paid from the member's next points without an entry, so the lots' months
    /// keep counting the points that paid it until then, and this the debt: the total is exact.
    public var owed: Int
    /// The part of the total that is pending (not yet spendable).
    public var pending: Int

    public init(byExpiry: [FinanceMonth?: Int], owed: Int, pending: Int) {
        self.byExpiry = byExpiry; self.owed = owed; self.pending = pending
    }
}
