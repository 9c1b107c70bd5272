import Foundation
import LaurelCore
import Logging
import PostgresNIO

/// Each report's facts in one snapshot, on the read replica when there is one (a month-end report
/// does not need the last seconds).
extension PostgresStore {
    public func financeRollForwardFacts(programId: String, through last: FinanceMonth, timeZone: TimeZone) async throws -> FinanceRollForwardFacts {
        let logger = self.logger
        return try await replicaSnapshotRead { connection in
            let sql = FinanceSQL(dialect: .postgres, timeZone: timeZone)
            let rows = Self.financeRows(connection, programId, logger)
            let bounds = try await Self.financeBounds(rows, sql)
            let end = last.next.startMillis(timeZone)
            var months: [LedgerMonth] = []
            if bounds.firstEntry != nil {
                let first = min(bounds.month(bounds.firstEntry, timeZone, or: last), last)
                let read = try await rows(sql.movements(from: first, to: last, endMillis: end)).map {
                    (month: Int(try $0.get("month", Int64.self)), from: try $0.get("from_side", String.self), to: try $0.get("to_side", String.self),
                     points: Int(try $0.get("points", Int64.self)))
                }
                months = try FinanceBounds.months(read)
            }
            return FinanceRollForwardFacts(months: months, cohorts: try await Self.financeCohorts(rows, sql, bounds, asOfMillis: end))
        }
    }

    public func financeLiabilityFacts(programId: String, asOfMillis: Int64, timeZone: TimeZone) async throws -> FinanceLiabilityFacts {
        let logger = self.logger
        return try await replicaSnapshotRead { connection in
            let sql = FinanceSQL(dialect: .postgres, timeZone: timeZone)
            let rows = Self.financeRows(connection, programId, logger)
            let bounds = try await Self.financeBounds(rows, sql)
            let now = FinanceMonth(millis: asOfMillis, timeZone)
            let first = bounds.month(bounds.firstExpiry.map { $0 - 1 }, timeZone, or: now)
            let text = sql.outstanding(from: first, to: max(bounds.month(bounds.lastExpiry.map { $0 - 1 }, timeZone, or: first), first), asOfMillis: asOfMillis)
            let read = try await rows(text).map {
                (month: Int(try $0.get("month", Int64.self)), points: Int(try $0.get("points", Int64.self)), pending: Int(try $0.get("pending", Int64.self)))
            }
            return FinanceLiabilityFacts(outstanding: FinanceBounds.outstanding(read),
                                         cohorts: try await Self.financeCohorts(rows, sql, bounds, asOfMillis: asOfMillis))
        }
    }

    private static func financeRows(_ connection: PostgresConnection, _ programId: String,
                                    _ logger: Logger) -> (String) async throws -> [PostgresRandomAccessRow] {
        { text in
            var binds = PostgresBindings(capacity: 1)
            binds.append(programId)
            return try await connection.rows(PostgresQuery(unsafeSQL: text, binds: binds), logger)
        }
    }

    private static func financeBounds(_ rows: (String) async throws -> [PostgresRandomAccessRow], _ sql: FinanceSQL) async throws -> FinanceBounds {
        guard let row = try await rows(sql.bounds).first else { return FinanceBounds() }
        return FinanceBounds(firstEntry: try row.get("first_entry", Int64?.self), firstLot: try row.get("first_lot", Int64?.self),
                             lastLot: try row.get("last_lot", Int64?.self), firstExpiry: try row.get("first_expiry", Int64?.self),
                             lastExpiry: try row.get("last_expiry", Int64?.self))
    }

    private static func financeCohorts(_ rows: (String) async throws -> [PostgresRandomAccessRow], _ sql: FinanceSQL, _ bounds: FinanceBounds,
                                       asOfMillis: Int64) async throws -> [IssueCohortFacts] {
        guard let firstLot = bounds.firstLot, let lastLot = bounds.lastLot else { return [] }
        let text = sql.cohorts(from: FinanceMonth(millis: firstLot, sql.timeZone), to: FinanceMonth(millis: lastLot, sql.timeZone), asOfMillis: asOfMillis)
        return try await rows(text).map { row in
            IssueCohortFacts(month: FinanceMonth(index: Int(try row.get("month", Int64.self))), issued: Int(try row.get("issued", Int64.self)),
                             takenBack: Int(try row.get("taken", Int64.self)), expired: Int(try row.get("expired", Int64.self)),
                             neverExpires: try row.get("never", Int64.self) > 0, lastExpiryMillis: try row.get("last_expiry", Int64?.self))
        }
    }
}
