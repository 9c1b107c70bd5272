import Foundation
import GRDB
import LaurelCore

extension SQLiteStore {
    public func financeRollForwardFacts(programId: String, through last: FinanceMonth, timeZone: TimeZone) async throws -> FinanceRollForwardFacts {
        try await read { db in
            let sql = FinanceSQL(dialect: .sqlite, timeZone: timeZone)
            let bounds = try Self.financeBounds(db, sql, programId)
            let end = last.next.startMillis(timeZone)
            var months: [LedgerMonth] = []
            if bounds.firstEntry != nil {
                let first = min(bounds.month(bounds.firstEntry, timeZone, or: last), last)
                let rows = try Row.fetchAll(db, sql: sql.movements(from: first, to: last, endMillis: end), arguments: [programId])
                    .map { (month: $0["month"] as Int, from: $0["from_side"] as String, to: $0["to_side"] as String, points: $0["points"] as Int) }
                months = try FinanceBounds.months(rows)
            }
            return FinanceRollForwardFacts(months: months, cohorts: try Self.financeCohorts(db, sql, programId, bounds, asOfMillis: end))
        }
    }

    public func financeLiabilityFacts(programId: String, asOfMillis: Int64, timeZone: TimeZone) async throws -> FinanceLiabilityFacts {
        try await read { db in
            let sql = FinanceSQL(dialect: .sqlite, timeZone: timeZone)
            let bounds = try Self.financeBounds(db, sql, programId)
            let now = FinanceMonth(millis: asOfMillis, timeZone)
            let first = bounds.month(bounds.firstExpiry.map { $0 - 1 }, timeZone, or: now)
            let text = sql.outstanding(from: first, to: max(bounds.month(bounds.lastExpiry.map { $0 - 1 }, timeZone, or: first), first), asOfMillis: asOfMillis)
            let rows = try Row.fetchAll(db, sql: text, arguments: [programId])
                .map { (month: $0["month"] as Int, points: $0["points"] as Int, pending: $0["pending"] as Int) }
            return FinanceLiabilityFacts(outstanding: FinanceBounds.outstanding(rows),
                                         cohorts: try Self.financeCohorts(db, sql, programId, bounds, asOfMillis: asOfMillis))
        }
    }

    private static func financeBounds(_ db: Database, _ sql: FinanceSQL, _ programId: String) throws -> FinanceBounds {
        guard let row = try Row.fetchOne(db, sql: sql.bounds, arguments: [programId]) else { return FinanceBounds() }
        return FinanceBounds(firstEntry: row["first_entry"], firstLot: row["first_lot"], lastLot: row["last_lot"],
                             firstExpiry: row["first_expiry"], lastExpiry: row["last_expiry"])
    }

    private static func financeCohorts(_ db: Database, _ sql: FinanceSQL, _ programId: String, _ bounds: FinanceBounds,
                                       asOfMillis: Int64) throws -> [IssueCohortFacts] {
        guard let firstLot = bounds.firstLot, let lastLot = bounds.lastLot else { return [] }
        let text = sql.cohorts(from: FinanceMonth(millis: firstLot, sql.timeZone), to: FinanceMonth(millis: lastLot, sql.timeZone), asOfMillis: asOfMillis)
        return try Row.fetchAll(db, sql: text, arguments: [programId]).map { row in
            IssueCohortFacts(month: FinanceMonth(index: row["month"]), issued: row["issued"], takenBack: row["taken"], expired: row["expired"],
                             neverExpires: (row["never"] as Int) > 0, lastExpiryMillis: row["last_expiry"])
        }
    }
}
