/// The share of issued points that expired, measured on the program's own history: cohorts of
/// issue month whose every lot has reached its expiry date by `asOf`. A cohort with a lot that never
/// expires, or that expires later, is listed but not counted — its outcome is not known yet.
///
/// rate = Σ expired / Σ (issued − taken back) over the counted cohorts, kept as the exact fraction.
public struct BreakageEstimate: Hashable, Sendable {
    public struct Cohort: Hashable, Sendable {
        public var month: FinanceMonth
        public var issued: Int
        public var takenBack: Int
        public var expired: Int
        /// issued − taken back: the points the members could have used.
        public var basis: Int { issued - takenBack }
        /// Whether every lot of the cohort had reached its expiry by `asOf`.
        public var counted: Bool
        /// Why a cohort is not counted: `never_expires` or `not_yet_expired`; nil when counted.
        public var reason: String?
        /// expired / basis, four places; nil when the basis is 0.
        public var rate: String? { Ratio.text(expired, over: basis) }
    }

    public var cohorts: [Cohort]
    /// Σ expired and Σ basis of the counted cohorts.
    public var expired: Int
    public var basis: Int

    /// Nil when no cohort is counted: no estimate yet.
    public var rate: String? { Ratio.text(expired, over: basis) }
    public var hasEstimate: Bool { basis > 0 }

    public init(cohorts facts: [IssueCohortFacts], asOfMillis: Int64) {
        var expired = 0, basis = 0
        cohorts = facts.sorted { $0.month < $1.month }.map { fact in
            let reason: String? = fact.neverExpires ? "never_expires"
                : (fact.lastExpiryMillis.map { $0 > asOfMillis } ?? true) ? "not_yet_expired" : nil
            return Cohort(month: fact.month, issued: fact.issued, takenBack: fact.takenBack, expired: fact.expired,
                          counted: reason == nil, reason: reason)
        }
        for cohort in cohorts where cohort.counted && cohort.basis > 0 {
            expired = expired.addingSaturated(cohort.expired)
            basis = basis.addingSaturated(cohort.basis)
        }
        self.expired = min(expired, basis)
        self.basis = basis
    }

    /// Expected breakage for `redeemed` points' worth of `units`: units × b / (1 − b), rounded down,
    /// in 128 bits; nil when b = 1 (every counted point expired: everything left is breakage).
    func breakage(forRedeemedUnits units: Int64) -> Int64? {
        guard hasEstimate, expired > 0, units > 0 else { return 0 }
        let unexpired = basis - expired
        guard unexpired > 0 else { return nil }
        let product = units.magnitude.multipliedFullWidth(by: UInt64(expired))
        guard product.high < UInt64(unexpired) else { return Int64.max }
        let (quotient, _) = UInt64(unexpired).dividingFullWidth(product)
        return quotient > UInt64(Int64.max) ? Int64.max : Int64(quotient)
    }
}
