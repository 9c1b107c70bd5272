import Foundation
import LaurelCore

/// The ledger facts the finance reports are made of (`LaurelCore/Finance`), summed by month inside
/// the database — never a row per entry — each report's facts read in one snapshot (docs/finance.md).
public protocol FinanceStore: Sendable {
    /// Every month from the program's first ledger entry to `last`, with the cohorts of issue month
    /// as of the end of `last`.
    func financeRollForwardFacts(programId: String, through last: FinanceMonth, timeZone: TimeZone) async throws -> FinanceRollForwardFacts
    /// Members' points by expiry month at `asOfMillis` (entries written before it), with the cohorts
    /// of issue month as of then.
    func financeLiabilityFacts(programId: String, asOfMillis: Int64, timeZone: TimeZone) async throws -> FinanceLiabilityFacts
}

public struct FinanceRollForwardFacts: Hashable, Sendable {
    public var months: [LedgerMonth]
    public var cohorts: [IssueCohortFacts]
    public init(months: [LedgerMonth], cohorts: [IssueCohortFacts]) { self.months = months; self.cohorts = cohorts }
}

public struct FinanceLiabilityFacts: Hashable, Sendable {
    public var outstanding: OutstandingFacts
    public var cohorts: [IssueCohortFacts]
    public init(outstanding: OutstandingFacts, cohorts: [IssueCohortFacts]) { self.outstanding = outstanding; self.cohorts = cohorts }
}

/// A ledger entry pair the finance reports cannot classify (no ledger operation writes it): the
/// report would not add up, so none is made.
public struct UnclassifiedLedgerFlow: Error, CustomStringConvertible {
    public var from: String
    public var to: String
    public var description: String { "ledger entries from \(from) to \(to) fit no finance column" }
}
