/// Why a finance figure cannot be made: money beyond what `Amount` holds.
public enum FinanceError: Error, Hashable, Sendable, CustomStringConvertible {
    case outOfRange
    public var description: String { "a money figure exceeds what Laurel can represent" }
}

/// The sum of `terms`, or `FinanceError.outOfRange` where 64 bits would overflow (sums of a whole
/// program's history are read from the database, and an overflow must not trap the server).
func financeSum(_ terms: Int...) throws(FinanceError) -> Int {
    var sum = 0
    for term in terms {
        let (next, overflow) = sum.addingReportingOverflow(term)
        guard !overflow else { throw .outOfRange }
        sum = next
    }
    return sum
}

/// Money of `points` at `pointValue`, exact, or `FinanceError.outOfRange`.
public func financeMoney(_ points: Int, _ pointValue: Amount) throws(FinanceError) -> Amount {
    let (units, overflow) = pointValue.units.multipliedReportingOverflow(by: Int64(points))
    guard !overflow else { throw .outOfRange }
    return Amount(units: units)
}

/// The deferred-revenue roll-forward of the points liability, month by month (docs/finance.md).
///
/// Points, exact from the ledger: opening + issued − reversed − redeemed − expired = closing, and
/// closing is what members hold (available + pending − owed) at the month's end.
///
/// Money: each point issued defers `point_value`; a redemption recognises it as revenue. Expected
/// breakage (`BreakageEstimate`) is released in proportion to redemptions — for every unit redeemed,
/// b / (1 − b) more — and never less than the value of the points actually expired (a true-up), nor
/// more than what is deferred. So opening + issued − reversed − redeemed − breakage released =
/// closing; without an estimate breakage is released as points expire.
public struct FinanceRollForward: Sendable {
    public enum Method: String, Sendable {
        /// No counted cohort yet: breakage released when points expire.
        case onExpiry = "on_expiry"
        /// Expected breakage released in proportion to redemptions, trued up to actual expiry.
        case proportional
    }

    public struct Points: Hashable, Sendable {
        public var opening = 0, issued = 0, reversed = 0, redeemed = 0, expired = 0, closing = 0
    }

    public struct Money: Hashable, Sendable {
        public var opening = Amount.zero, issued = Amount.zero, reversed = Amount.zero, redeemed = Amount.zero
        public var breakageReleased = Amount.zero, closing = Amount.zero
    }

    public struct Row: Hashable, Sendable {
        public var month: FinanceMonth
        public var points: Points
        public var money: Money
    }

    public var method: Method
    public var breakage: BreakageEstimate
    public var rows: [Row]

    /// The rows of `first` … `last` from the program's ledger months (any order, gaps allowed; every
    /// month since the first entry must be there to open the first row right — months before `first`
    /// are carried into its opening).
    public init(months: [LedgerMonth], from first: FinanceMonth, to last: FinanceMonth, pointValue: Amount,
                breakage: BreakageEstimate) throws(FinanceError) {
        self.breakage = breakage
        method = breakage.hasEstimate ? .proportional : .onExpiry
        let byMonth = Dictionary(months.map { ($0.month, $0) }, uniquingKeysWith: { $1 })
        let start = min(byMonth.keys.min() ?? first, first)
        var points = Points()
        // Cumulative since the first entry: issued − reversed − redeemed, redeemed, expired (points),
        // and the breakage released so far (money units).
        var net = 0, redeemedSoFar = 0, expiredSoFar = 0
        var released: Int64 = 0, closing: Int64 = 0
        var rows: [Row] = []
        guard start <= last else { self.rows = []; return }
        for index in start.index...last.index {
            let month = FinanceMonth(index: index)
            let moved = byMonth[month] ?? LedgerMonth(month: month)
            points = Points(opening: points.closing)
            points.issued = try financeSum(moved.earned, moved.credited)
            points.reversed = try financeSum(moved.returned, moved.debited)
            points.redeemed = try financeSum(moved.spent, -moved.restored, -moved.expiredOnCancel)
            points.expired = try financeSum(moved.expired, moved.expiredOnCancel)
            points.closing = try financeSum(points.opening, points.issued, -points.reversed, -points.redeemed, -points.expired)
            net = try financeSum(net, points.issued, -points.reversed, -points.redeemed)
            redeemedSoFar = try financeSum(redeemedSoFar, points.redeemed)
            expiredSoFar = try financeSum(expiredSoFar, points.expired)

            let deferred = try financeMoney(net, pointValue).units
            let expiredValue = try financeMoney(expiredSoFar, pointValue).units
            let expected = breakage.breakage(forRedeemedUnits: try financeMoney(max(redeemedSoFar, 0), pointValue).units) ?? Int64.max
            let releasedNow = min(max(expiredValue, expected), max(deferred, 0))
            if month >= first {
                var money = Money()
                money.issued = try financeMoney(points.issued, pointValue)
                money.reversed = try financeMoney(points.reversed, pointValue)
                money.redeemed = try financeMoney(points.redeemed, pointValue)
                money.breakageReleased = Amount(units: releasedNow - released)
                money.closing = Amount(units: deferred - releasedNow)
                money.opening = Amount(units: closing)
                rows.append(Row(month: month, points: points, money: money))
            }
            released = releasedNow
            closing = deferred - releasedNow
        }
        self.rows = rows
    }
}
