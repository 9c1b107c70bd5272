/// The points liability at one instant: what members hold, its money value at `point_value`, by the
/// month their points expire, with the breakage the program's history suggests (docs/finance.md).
///
/// Pending points (inside a return window) are part of it: the sale that earned them happened, so
/// the obligation exists; a return takes it back. They are also shown apart.
public struct FinanceLiability: Sendable {
    public struct Expiring: Hashable, Sendable {
        /// Nil: points that never expire.
        public var month: FinanceMonth?
        public var points: Int
        public var money: Amount
    }

    /// available + pending − owed: the sum of every member's ledger balance.
    public var points: Int
    public var pending: Int
    /// Points members owe (≥ 0), already netted in `points`.
    public var owed: Int
    public var money: Amount
    /// Expiry months in order, then the points that never expire.
    public var byExpiry: [Expiring]
    public var breakage: BreakageEstimate
    /// The money members are expected to redeem: money × (1 − rate), rounded down; nil without an estimate.
    public var expectedRedemption: Amount?

    public init(_ facts: OutstandingFacts, pointValue: Amount, breakage: BreakageEstimate) throws(FinanceError) {
        let months = facts.byExpiry.keys.compactMap { $0 }.sorted()
        var lines: [Expiring] = []
        for month in months where facts.byExpiry[month] != 0 {
            let points = facts.byExpiry[month] ?? 0
            lines.append(Expiring(month: month, points: points, money: try financeMoney(points, pointValue)))
        }
        if let never = facts.byExpiry[nil], never != 0 {
            lines.append(Expiring(month: nil, points: never, money: try financeMoney(never, pointValue)))
        }
        byExpiry = lines
        points = lines.reduce(0) { $0.addingSaturated($1.points) }.addingSaturated(facts.owed)
        owed = -facts.owed
        pending = facts.pending
        money = try financeMoney(points, pointValue)
        self.breakage = breakage
        if breakage.hasEstimate, money.units > 0 {
            // money × (basis − expired) / basis, in 128 bits.
            let product = money.units.magnitude.multipliedFullWidth(by: UInt64(breakage.basis - breakage.expired))
            let (quotient, _) = UInt64(breakage.basis).dividingFullWidth(product)
            expectedRedemption = Amount(units: Int64(quotient))
        } else {
            expectedRedemption = breakage.hasEstimate ? money : nil
        }
    }
}
