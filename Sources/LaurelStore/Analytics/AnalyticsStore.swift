import Foundation
import LaurelCore

/// The dashboard's figures, read from the ledger and the tables beside it: exact integers, no
/// precomputed totals. All sections asked for are read in one snapshot, so they agree.
public protocol AnalyticsStore: Sendable {
    func analytics(programId: String, period: AnalyticsPeriod, sections: Set<AnalyticsSection>) async throws -> AnalyticsFigures
}
