import Foundation
import GRDB
import LaurelCore

extension SQLiteStore {
    /// Statements are prepared afresh (not through the statement cache): their text carries the period.
    public func analytics(programId: String, period: AnalyticsPeriod, sections: Set<AnalyticsSection>) async throws -> AnalyticsFigures {
        try await read { db in
            let sql = AnalyticsSQL(dialect: .sqlite, period: period)
            let arguments: StatementArguments = [programId]
            func rows<T>(_ text: String, _ transform: (Row) throws -> T) throws -> [T] {
                try Row.fetchAll(db, sql: text, arguments: arguments).map(transform)
            }
            var figures = AnalyticsFigures()
            if sections.contains(.members), let row = try Row.fetchOne(db, sql: sql.members, arguments: arguments) {
                figures.members = MemberFigures(total: row["total"], new: row["new_members"], active: row["active"])
            }
            if sections.contains(.points) || sections.contains(.tiers) {
                let tiers = try rows(sql.tiers) { (tier: $0["tier_id"] as String?, members: $0["n"] as Int, available: $0["available"] as Int,
                                                   pending: $0["pending"] as Int, debt: $0["debt"] as Int) }
                if sections.contains(.points) {
                    let kinds = try rows(sql.pointsByDay) { ($0["day"] as Int, $0["kind"] as String, $0["points"] as Int) }
                    let adjustments = try rows(sql.adjustmentsByDay) { ($0["day"] as Int, ($0["credit"] as Int) == 1, $0["points"] as Int) }
                    figures.points = PointFigures(days: AnalyticsSQL.days(kinds, adjustments), available: tiers.reduce(0) { $0.addingSaturated($1.available) },
                                                  pending: tiers.reduce(0) { $0.addingSaturated($1.pending) }, debt: tiers.reduce(0) { $0.addingSaturated($1.debt) })
                }
                if sections.contains(.tiers) {
                    let moves = try rows(sql.tierMoves) { TierMove(from: $0["from_tier"], to: $0["to_tier"], count: $0["n"]) }
                    figures.tiers = TierFigures(members: Dictionary(tiers.map { ($0.tier, $0.members) }, uniquingKeysWith: +), moves: moves)
                }
            }
            if sections.contains(.rewards) {
                figures.rewards = try rows(sql.rewards) { RewardFigure(rewardId: $0["reward_id"], redemptions: $0["n"], points: $0["points"]) }
            }
            if sections.contains(.purchases), let row = try Row.fetchOne(db, sql: sql.purchases, arguments: arguments) {
                figures.purchases = PurchaseFigures(purchases: row["purchases"], buyers: row["buyers"], repeatBuyers: row["repeat_buyers"])
            }
            return figures
        }
    }
}
