import Foundation
import LaurelCore

/// The analytics statements, written once for both databases. The program id is the only bound
/// value (`?1` / `$1`); the period's instants and offsets are integers computed by
/// `AnalyticsPeriod` and written into the text. Each statement is an index range of the
/// `v20-analytics` indexes (see docs/performance.md).
struct AnalyticsSQL {
    enum Dialect { case sqlite, postgres }

    let dialect: Dialect
    let period: AnalyticsPeriod

    private var program: String { dialect == .sqlite ? "?1" : "$1" }
    private var start: Int64 { period.startMillis }
    private var end: Int64 { period.endMillis }

    /// The local day (days since 1970-01-01) of the instant in `column`.
    func day(_ column: String) -> String {
        guard period.offsets.count > 1 else { return "(\(column) + \(period.offsets[0].offset)) / 86400000" }
        let cases = period.offsets.map { span in
            span.until.map { "WHEN \(column) < \($0) THEN \(span.offset)" } ?? "ELSE \(span.offset)"
        }
        return "(\(column) + CASE \(cases.joined(separator: " ")) END) / 86400000"
    }

    /// Enrolled by the end, enrolled in the range, active in the last 30 days of it.
    var members: String {
        """
        SELECT (SELECT count(*) FROM members WHERE program_id = \(program) AND created_at < \(end)) AS total,
               (SELECT count(*) FROM members WHERE program_id = \(program) AND created_at >= \(start) AND created_at < \(end)) AS new_members,
               (SELECT count(DISTINCT member_id) FROM events WHERE program_id = \(program)
                   AND occurred_at >= \(period.activeSinceMillis) AND occurred_at < \(period.activeUntilMillis)) AS active
        """
    }

    /// Points moved per local day and entry kind. Only the index's columns are read; adjustments,
    /// whose direction needs `from_account`, are split by `adjustmentsByDay`.
    var pointsByDay: String {
        """
        SELECT \(day("created_at")) AS day, kind, CAST(sum(points) AS BIGINT) AS points
        FROM ledger_entries
        WHERE program_id = \(program) AND created_at >= \(start) AND created_at < \(end)
          AND kind IN ('earn', 'spend', 'restore', 'expire', 'reverse')
        GROUP BY 1, 2
        """
    }

    var adjustmentsByDay: String {
        """
        SELECT \(day("created_at")) AS day, CASE WHEN from_account = 'adjusted' THEN 1 ELSE 0 END AS credit,
               CAST(sum(points) AS BIGINT) AS points
        FROM ledger_entries
        WHERE program_id = \(program) AND created_at >= \(start) AND created_at < \(end) AND kind = 'adjust'
        GROUP BY 1, 2
        """
    }

    /// Members, their balances and debt by tier, now.
    var tiers: String {
        """
        SELECT tier_id, count(*) AS n, CAST(sum(available) AS BIGINT) AS available, CAST(sum(pending) AS BIGINT) AS pending,
               CAST(sum(debt) AS BIGINT) AS debt
        FROM members WHERE program_id = \(program) GROUP BY tier_id
        """
    }

    var tierMoves: String {
        """
        SELECT from_tier, to_tier, count(*) AS n FROM tier_changes
        WHERE program_id = \(program) AND created_at >= \(start) AND created_at < \(end)
        GROUP BY from_tier, to_tier
        """
    }

    var rewards: String {
        """
        SELECT reward_id, CAST(sum(quantity) AS BIGINT) AS n, CAST(sum(points) AS BIGINT) AS points FROM redemptions
        WHERE program_id = \(program) AND created_at >= \(start) AND created_at < \(end) AND status <> 'cancelled'
        GROUP BY reward_id
        """
    }

    /// Processed purchases in the range, the members who made them, and those who made two or more.
    var purchases: String {
        """
        SELECT CAST(coalesce(sum(n), 0) AS BIGINT) AS purchases, count(*) AS buyers,
               CAST(coalesce(sum(CASE WHEN n >= 2 THEN 1 ELSE 0 END), 0) AS BIGINT) AS repeat_buyers
        FROM (SELECT member_id, count(*) AS n FROM events
              WHERE program_id = \(program) AND occurred_at >= \(start) AND occurred_at < \(end)
                AND type = 'purchase' AND status = 'processed'
              GROUP BY member_id) AS buyers
        """
    }
}

/// Folding rows into figures, the same for both databases.
extension AnalyticsSQL {
    static func add(kind: String, points: Int, to day: inout DayPoints) {
        switch kind {
        case "earn": day.earned = day.earned.addingSaturated(points)
        case "spend": day.spent = day.spent.addingSaturated(points)
        case "restore": day.restored = day.restored.addingSaturated(points)
        case "expire": day.expired = day.expired.addingSaturated(points)
        case "reverse": day.reversed = day.reversed.addingSaturated(points)
        default: break
        }
    }

    /// Days in order from the rows of `pointsByDay` (day, kind, points) and `adjustmentsByDay` (day, credit, points).
    static func days(_ kinds: [(Int, String, Int)], _ adjustments: [(Int, Bool, Int)]) -> [DayPoints] {
        var days: [Int: DayPoints] = [:]
        for (day, kind, points) in kinds { add(kind: kind, points: points, to: &days[day, default: DayPoints(day: day)]) }
        for (day, credit, points) in adjustments {
            if credit {
                days[day, default: DayPoints(day: day)].credited = days[day, default: DayPoints(day: day)].credited.addingSaturated(points)
            } else {
                days[day, default: DayPoints(day: day)].debited = days[day, default: DayPoints(day: day)].debited.addingSaturated(points)
            }
        }
        return days.values.sorted { $0.day < $1.day }
    }
}
