import Foundation
import LaurelCore
import Testing

/// The finance arithmetic on hand-made ledger months: the cohort rule, the roll-forward's two
/// identities, the proportional release with its cap and true-up, and the journal's balance.
struct FinanceArithmeticTests {
    static func month(_ year: Int, _ month: Int) -> FinanceMonth { FinanceMonth(year: year, month: month) }
    static let march1 = Timestamps.millis(Timestamps.parse("2026-03-01T00:00:00Z")!)

    @Test func onlyCohortsWhoseLotsHaveAllExpiredAreCounted() {
        let estimate = BreakageEstimate(cohorts: [
            IssueCohortFacts(month: Self.month(2026, 2), issued: 50, takenBack: 0, expired: 50, neverExpires: false, lastExpiryMillis: Self.march1 + 1),
            IssueCohortFacts(month: Self.month(2026, 1), issued: 110, takenBack: 10, expired: 20, neverExpires: false, lastExpiryMillis: Self.march1),
            IssueCohortFacts(month: Self.month(2025, 12), issued: 70, takenBack: 0, expired: 0, neverExpires: true, lastExpiryMillis: nil),
        ], asOfMillis: Self.march1)
        #expect(estimate.cohorts.map { "\($0.month) \($0.counted) \($0.reason ?? "-") \($0.rate ?? "-")" }
                == ["2025-12 false never_expires 0.0000", "2026-01 true - 0.2000", "2026-02 false not_yet_expired 1.0000"])
        #expect([estimate.expired, estimate.basis] == [20, 100] && estimate.rate == "0.2000")
        #expect(BreakageEstimate(cohorts: [], asOfMillis: Self.march1).rate == nil)
    }

    /// 100 issued in January, 30 redeemed in February, 10 of them cancelled in March, 20 expired
    /// in April; 1 point = 0.10; b = 1/5, so b / (1 − b) = 1/4.
    @Test func theRollForwardAddsUpInPointsAndInMoney() throws {
        var january = LedgerMonth(month: Self.month(2026, 1)); january.earned = 100
        var february = LedgerMonth(month: Self.month(2026, 2)); february.spent = 30
        var march = LedgerMonth(month: Self.month(2026, 3)); march.restored = 10
        var april = LedgerMonth(month: Self.month(2026, 4)); april.expired = 20
        let breakage = BreakageEstimate(cohorts: [IssueCohortFacts(month: Self.month(2025, 1), issued: 50, takenBack: 0, expired: 10,
                                                                    neverExpires: false, lastExpiryMillis: 0)], asOfMillis: Self.march1)
        let report = try FinanceRollForward(months: [april, february, january, march], from: Self.month(2026, 1), to: Self.month(2026, 4),
                                            pointValue: Amount("0.10")!, breakage: breakage)
        #expect(report.method == .proportional)
        #expect(report.rows.map { "\($0.points.opening) \($0.points.issued) \($0.points.redeemed) \($0.points.expired) \($0.points.closing)" }
                == ["0 100 0 0 100", "100 0 30 0 70", "70 0 -10 0 80", "80 0 0 20 60"])
        // Redeemed so far 0, 3.00, 2.00, 2.00 → expected 0, 0.75, 0.50, 0.50; expired value 0, 0, 0, 2.00.
        // Released so far 0, 0.75, 0.50, 2.00; deferred = net × 0.10 − released: 10.00, 6.25, 7.50, 6.00.
        #expect(report.rows.map { "\($0.money.opening) \($0.money.redeemed) \($0.money.breakageReleased) \($0.money.closing)" }
                == ["0.00 0.00 0.00 10.00", "10.00 3.00 0.75 6.25", "6.25 -1.00 -0.25 7.50", "7.50 0.00 1.50 6.00"])

        // Without an estimate the deferred balance is the points' face value.
        let plain = try FinanceRollForward(months: [january, february, march, april], from: Self.month(2026, 3), to: Self.month(2026, 4),
                                           pointValue: Amount("0.10")!, breakage: BreakageEstimate(cohorts: [], asOfMillis: 0))
        #expect(plain.method == .onExpiry)
        #expect(plain.rows.map { "\($0.money.opening) \($0.money.breakageReleased) \($0.money.closing)" } == ["7.00 0.00 8.00", "8.00 2.00 6.00"])

        // Every journal entry balances; a negative redemption swaps the sides.
        let journal = FinanceJournal(report, accounts: FinanceJournal.Accounts(deferred: "D", revenue: "R", breakage: "B"), currency: "EUR")
        #expect(journal.lines.count % 2 == 0)
        for index in stride(from: 0, to: journal.lines.count, by: 2) {
            #expect(journal.lines[index].debit == journal.lines[index + 1].credit && journal.lines[index].debit != nil)
        }
        #expect(journal.lines.filter { $0.date == "2026-03-31" }.map { "\($0.account) \($0.debit?.description ?? "") \($0.credit?.description ?? "")" }
                == ["R 1.00 ", "D  1.00", "B 0.25 ", "D  0.25"])
    }

    /// Expected breakage never releases more than is deferred (b = 9/10 here).
    @Test func theReleaseIsCappedAtWhatIsDeferred() throws {
        var january = LedgerMonth(month: Self.month(2026, 1)); january.earned = 100; january.spent = 50
        let breakage = BreakageEstimate(cohorts: [IssueCohortFacts(month: Self.month(2025, 1), issued: 10, takenBack: 0, expired: 9,
                                                                    neverExpires: false, lastExpiryMillis: 0)], asOfMillis: 1)
        let report = try FinanceRollForward(months: [january], from: Self.month(2026, 1), to: Self.month(2026, 1), pointValue: Amount("1")!, breakage: breakage)
        #expect(report.rows.first.map { "\($0.money.redeemed) \($0.money.breakageReleased) \($0.money.closing)" } == "50.00 50.00 0.00")
    }

    @Test func datesAndRanges() throws {
        #expect(try FinancePeriod.months(from: "2026-01-15", to: "2026-03").first == Self.month(2026, 1))
        #expect(throws: FinancePeriodError.fromAfterTo) { try FinancePeriod.months(from: "2026-04", to: "2026-03") }
        #expect(throws: FinancePeriodError.tooLong) { try FinancePeriod.months(from: "2016-03", to: "2026-03") }
        #expect(throws: FinancePeriodError.notADate(field: "to")) { try FinancePeriod.months(from: "2026-01", to: "2026-02-30") }
        #expect(FinanceMonth(millis: Timestamps.millis(Timestamps.parse("2026-02-28T23:30:00Z")!), TimeZone(identifier: "Europe/Berlin")!).description == "2026-03")
        #expect(Self.month(2024, 2).lastDay == Timestamps.daysFromCivil(year: 2024, month: 2, day: 29))
    }
}
