import Foundation
import LaurelCore

/// The finance statements, written once for both databases. The program id is the only bound value
/// (`?1` / `$1`); instants are integers written into the text, and months are told apart by a
/// `CASE` over the months' ends in the program's time zone (no time zone database in SQLite).
struct FinanceSQL {
    enum Dialect { case sqlite, postgres }

    let dialect: Dialect
    let timeZone: TimeZone

    /// Months a `CASE` lists at most; instants after the last listed month's start count in it.
    static let maxMonths = 2_400

    private var program: String { dialect == .sqlite ? "?1" : "$1" }
    private var isMember: (String) -> String { { "\($0) LIKE 'member:%'" } }

    /// The first and last instants the month `CASE`s must cover: first ledger entry, lots' earning and expiry.
    var bounds: String {
        """
        SELECT (SELECT min(created_at) FROM ledger_entries WHERE program_id = \(program)) AS first_entry,
               (SELECT min(earned_at) FROM lots WHERE program_id = \(program)) AS first_lot,
               (SELECT max(earned_at) FROM lots WHERE program_id = \(program)) AS last_lot,
               (SELECT min(expires_at) FROM lots WHERE program_id = \(program)) AS first_expiry,
               (SELECT max(expires_at) FROM lots WHERE program_id = \(program)) AS last_expiry
        """
    }

    /// The month index of the instant in `column`, for months `first` … `last`.
    func month(_ column: String, from first: FinanceMonth, to last: FinanceMonth) -> String {
        let last = min(last, FinanceMonth(index: first.index + Self.maxMonths - 1))
        guard first < last else { return "\(first.index)" }
        let ends = FinanceMonth.ends(from: first, to: FinanceMonth(index: last.index - 1), timeZone)
        return "CASE " + ends.map { "WHEN \(column) < \($0.endMillis) THEN \($0.month.index)" }.joined(separator: " ") + " ELSE \(last.index) END"
    }

    /// Points between members and program accounts by month written, before `endMillis`; member to
    /// member moves (transfers, maturing) are left out.
    func movements(from first: FinanceMonth, to last: FinanceMonth, endMillis: Int64) -> String {
        """
        SELECT \(month("created_at", from: first, to: last)) AS month,
               CASE WHEN \(isMember("from_account")) THEN 'member' ELSE from_account END AS from_side,
               CASE WHEN \(isMember("to_account")) THEN 'member' ELSE to_account END AS to_side,
               CAST(sum(points) AS BIGINT) AS points
        FROM ledger_entries
        WHERE program_id = \(program) AND created_at < \(endMillis)
          AND NOT (\(isMember("from_account")) AND \(isMember("to_account")))
        GROUP BY 1, 2, 3
        """
    }

    /// Lots by month earned (earned before `asOfMillis`), with what left them: taken back (returns,
    /// staff debits, transfers out) by entries written before `asOfMillis`, and expired — a lot whose
    /// expiry date is past by then counts its expiry whenever the job wrote it (the expiry belongs to
    /// its date; the job may run a little later), any other lot only what expired before.
    func cohorts(from first: FinanceMonth, to last: FinanceMonth, asOfMillis: Int64) -> String {
        """
        SELECT \(month("l.earned_at", from: first, to: last)) AS month, CAST(sum(l.points) AS BIGINT) AS issued,
               CAST(sum(coalesce(x.taken, 0)) AS BIGINT) AS taken, CAST(sum(CASE WHEN l.expires_at <= \(asOfMillis) THEN coalesce(x.expired_ever, 0)
                                 ELSE coalesce(x.expired_before, 0) END) AS BIGINT) AS expired,
               CAST(sum(CASE WHEN l.expires_at IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS never, max(l.expires_at) AS last_expiry
        FROM lots l
        LEFT JOIN (SELECT lot_id,
                          sum(CASE WHEN to_account = 'expired' THEN points ELSE 0 END) AS expired_ever,
                          sum(CASE WHEN to_account = 'expired' AND created_at < \(asOfMillis) THEN points ELSE 0 END) AS expired_before,
                          sum(CASE WHEN created_at < \(asOfMillis) AND (kind IN ('reverse', 'transfer') OR (kind = 'adjust' AND to_account = 'adjusted'))
                                   THEN points ELSE 0 END) AS taken
                   FROM ledger_entries
                   WHERE program_id = \(program) AND lot_id IS NOT NULL
                   GROUP BY lot_id) x ON x.lot_id = l.id
        WHERE l.program_id = \(program) AND l.earned_at < \(asOfMillis)
        GROUP BY 1
        """
    }

    /// Members' points at `asOfMillis` by the expiry month of the lot each entry moved — the month
    /// whose end the points do not outlive (a lot expiring at the midnight starting 1 May is April's)
    /// — (-1: a lot that never expires, -2: no lot: debt), and the pending part.
    func outstanding(from first: FinanceMonth, to last: FinanceMonth, asOfMillis: Int64) -> String {
        """
        SELECT CASE WHEN l.id IS NULL THEN -2 WHEN l.expires_at IS NULL THEN -1 ELSE \(month("(l.expires_at - 1)", from: first, to: last)) END AS month,
               CAST(sum(CASE WHEN \(isMember("e.to_account")) THEN e.points ELSE 0 END
                        - CASE WHEN \(isMember("e.from_account")) THEN e.points ELSE 0 END) AS BIGINT) AS points,
               CAST(sum(CASE WHEN e.to_account LIKE '%:pending' THEN e.points ELSE 0 END
                        - CASE WHEN e.from_account LIKE '%:pending' THEN e.points ELSE 0 END) AS BIGINT) AS pending
        FROM ledger_entries e LEFT JOIN lots l ON l.id = e.lot_id
        WHERE e.program_id = \(program) AND e.created_at < \(asOfMillis)
          AND (\(isMember("e.from_account")) OR \(isMember("e.to_account")))
        GROUP BY 1
        """
    }
}

/// The instants the store found, and folding rows into facts, the same for both databases.
struct FinanceBounds {
    var firstEntry: Int64?
    var firstLot: Int64?
    var lastLot: Int64?
    var firstExpiry: Int64?
    var lastExpiry: Int64?

    func month(_ millis: Int64?, _ zone: TimeZone, or fallback: FinanceMonth) -> FinanceMonth {
        millis.map { FinanceMonth(millis: $0, zone) } ?? fallback
    }

    static func months(_ rows: [(month: Int, from: String, to: String, points: Int)]) throws -> [LedgerMonth] {
        var months: [Int: LedgerMonth] = [:]
        for row in rows {
            guard months[row.month, default: LedgerMonth(month: FinanceMonth(index: row.month))].add(from: row.from, to: row.to, points: row.points) else {
                throw UnclassifiedLedgerFlow(from: row.from, to: row.to)
            }
        }
        return months.values.sorted { $0.month < $1.month }
    }

    static func outstanding(_ rows: [(month: Int, points: Int, pending: Int)]) -> OutstandingFacts {
        var byExpiry: [FinanceMonth?: Int] = [:]
        var owed = 0, pending = 0
        for row in rows {
            pending = pending.addingSaturated(row.pending)
            switch row.month {
            case -2: owed = owed.addingSaturated(row.points)
            case -1: byExpiry[nil, default: 0] += row.points
            default: byExpiry[FinanceMonth(index: row.month), default: 0] += row.points
            }
        }
        return OutstandingFacts(byExpiry: byExpiry, owed: owed, pending: pending)
    }
}
