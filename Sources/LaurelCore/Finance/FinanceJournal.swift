import Foundation

/// The roll-forward as journal entries for a bookkeeping import (docs/finance.md): per month, dated
/// its last day, one balanced entry (one debit, one credit of the same amount) per movement.
///
/// - issued: debit revenue, credit deferred revenue (the part of the sales deferred for the points);
/// - reversed: debit deferred, credit revenue (returns and debits undo that deferral);
/// - redeemed: debit deferred, credit revenue;
/// - breakage released: debit deferred, credit breakage revenue.
/// A negative movement (more redemptions cancelled than made) swaps debit and credit; a zero one
/// makes no entry.
public struct FinanceJournal: Sendable {
    public struct Accounts: Hashable, Sendable {
        public var deferred: String
        public var revenue: String
        public var breakage: String
        public init(deferred: String = "2400", revenue: String = "4000", breakage: String = "4010") {
            self.deferred = deferred; self.revenue = revenue; self.breakage = breakage
        }
    }

    public struct Line: Hashable, Sendable {
        /// `2026-03-31`.
        public var date: String
        public var account: String
        public var debit: Amount?
        public var credit: Amount?
        public var memo: String
    }

    public var lines: [Line]

    public init(_ rollForward: FinanceRollForward, accounts: Accounts, currency: String) {
        var lines: [Line] = []
        for row in rollForward.rows {
            let date = AnalyticsPeriod.label(row.month.lastDay)
            func entry(_ amount: Amount, debit: String, credit: String, _ memo: String) {
                guard amount != .zero else { return }
                let (from, to) = amount.isNegative ? (credit, debit) : (debit, credit)
                let value = amount.isNegative ? Amount.zero - amount : amount
                let text = "\(memo) \(row.month) (\(currency))"
                lines.append(Line(date: date, account: from, debit: value, credit: nil, memo: text))
                lines.append(Line(date: date, account: to, debit: nil, credit: value, memo: text))
            }
            entry(row.money.issued, debit: accounts.revenue, credit: accounts.deferred, "Loyalty points issued: \(row.points.issued) points")
            entry(row.money.reversed, debit: accounts.deferred, credit: accounts.revenue, "Loyalty points reversed: \(row.points.reversed) points")
            entry(row.money.redeemed, debit: accounts.deferred, credit: accounts.revenue, "Loyalty points redeemed: \(row.points.redeemed) points")
            entry(row.money.breakageReleased, debit: accounts.deferred, credit: accounts.breakage,
                  "Loyalty breakage released (\(rollForward.method.rawValue)): \(row.points.expired) points expired")
        }
        self.lines = lines
    }

    /// CSV with a header: date,account,debit,credit,memo; fields quoted when they hold a comma,
    /// a quote or a line break.
    public var csv: String {
        var out = "date,account,debit,credit,memo\n"
        for line in lines {
            out += [line.date, line.account, line.debit?.description ?? "", line.credit?.description ?? "", line.memo].map(CSVField.quoted).joined(separator: ",") + "\n"
        }
        return out
    }
}
