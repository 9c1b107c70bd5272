import Foundation
import LaurelCore

/// Twelve months ahead from one side of a backtest: the outstanding points carried forward at the
/// window's monthly rates of earning, spending, expiring, returns and adjustments, and the share
/// of the liability expected to expire unredeemed (breakage) at the window's observed ratio.
public struct BacktestForecast: Sendable, Equatable {
    public struct Month: Sendable, Equatable {
        /// Months after the window's end, from 1.
        public var month: Int
        public var outstanding: Int
        public var liability: Amount
    }

    /// Points a month, the window's totals over its length in months (30.44 days each).
    public var issuedPerMonth: Int
    public var spentPerMonth: Int
    public var expiredPerMonth: Int
    /// Points reversed by returns, net of adjustments, a month.
    public var otherOutPerMonth: Int
    /// Expired points out of the points that left by spending or expiring in the window, in parts per 10,000.
    public var breakageBasisPoints: Int
    public var months: [Month]
    /// Points of the liability after 12 months expected to expire unredeemed, and their value.
    public var expectedBreakage: Int
    public var expectedBreakageValue: Amount
    /// What the projection assumes, printed with it.
    public var assumptions: [String]

    static let daysPerMonth = 30.44

    public init(_ side: BacktestReport.Side, from: Date, until: Date) {
        let windowMonths = max(until.timeIntervalSince(from) / 86_400 / Self.daysPerMonth, 1.0 / Self.daysPerMonth)
        func monthly(_ points: Int) -> Int { Int((Double(points) / windowMonths).rounded()) }
        issuedPerMonth = monthly(side.issued)
        spentPerMonth = monthly(side.spent)
        expiredPerMonth = monthly(side.expired)
        otherOutPerMonth = monthly(side.reversed - side.adjusted)
        let leaving = side.spent + side.expired
        breakageBasisPoints = leaving > 0 ? Int((Double(side.expired) * 10_000 / Double(leaving)).rounded()) : 0
        var outstanding = side.outstanding
        var months: [Month] = []
        let net = issuedPerMonth - spentPerMonth - expiredPerMonth - otherOutPerMonth
        for month in 1...12 {
            outstanding = max(0, outstanding + net)
            months.append(Month(month: month, outstanding: outstanding, liability: BacktestReport.money(side.pointValue, times: outstanding)))
        }
        self.months = months
        expectedBreakage = Int((Double(outstanding) * Double(breakageBasisPoints) / 10_000).rounded())
        expectedBreakageValue = BacktestReport.money(side.pointValue, times: expectedBreakage)
        assumptions = [
            String(format: "rates are the window's averages over %.1f months, the same every month ahead", windowMonths),
            "each month: + \(issuedPerMonth) issued, − \(spentPerMonth) spent, − \(expiredPerMonth) expired, − \(otherOutPerMonth) returns net of adjustments",
            "membership and behaviour stay as in the window (no growth, no seasonality); outstanding points never go below 0",
            "breakage: the window's expired points out of the points spent or expired (\(Double(breakageBasisPoints) / 100) %), applied to the outstanding points after 12 months",
            "money at the program's point_value (\(side.pointValue))",
        ]
    }
}
