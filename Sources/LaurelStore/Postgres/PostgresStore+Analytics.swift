import Foundation
import LaurelCore
import Logging
import PostgresNIO

extension PostgresStore {
    /// One `REPEATABLE READ` snapshot for every section, as SQLite's read transaction gives; on the
    /// read replica when there is one (seconds of staleness are fine for a dashboard).
    public func analytics(programId: String, period: AnalyticsPeriod, sections: Set<AnalyticsSection>) async throws -> AnalyticsFigures {
        let logger = self.logger
        return try await replicaSnapshotRead { connection in
            let sql = AnalyticsSQL(dialect: .postgres, period: period)
            func rows(_ text: String) async throws -> [PostgresRandomAccessRow] {
                var binds = PostgresBindings(capacity: 1)
                binds.append(programId)
                return try await connection.rows(PostgresQuery(unsafeSQL: text, binds: binds), logger)
            }
            func int(_ row: PostgresRandomAccessRow, _ column: String) throws -> Int { Int(try row.get(column, Int64?.self) ?? 0) }
            var figures = AnalyticsFigures()
            if sections.contains(.members), let row = try await rows(sql.members).first {
                figures.members = MemberFigures(total: try int(row, "total"), new: try int(row, "new_members"), active: try int(row, "active"))
            }
            if sections.contains(.points) || sections.contains(.tiers) {
                let tiers = try await rows(sql.tiers).map { row in
                    (tier: try row.get("tier_id", String?.self), members: try int(row, "n"), available: try int(row, "available"),
                     pending: try int(row, "pending"), debt: try int(row, "debt"))
                }
                if sections.contains(.points) {
                    let kinds = try await rows(sql.pointsByDay).map { (try int($0, "day"), try $0.get("kind", String.self), try int($0, "points")) }
                    let adjustments = try await rows(sql.adjustmentsByDay).map { (try int($0, "day"), try int($0, "credit") == 1, try int($0, "points")) }
                    figures.points = PointFigures(days: AnalyticsSQL.days(kinds, adjustments), available: tiers.reduce(0) { $0.addingSaturated($1.available) },
                                                  pending: tiers.reduce(0) { $0.addingSaturated($1.pending) }, debt: tiers.reduce(0) { $0.addingSaturated($1.debt) })
                }
                if sections.contains(.tiers) {
                    let moves = try await rows(sql.tierMoves).map {
                        TierMove(from: try $0.get("from_tier", String?.self), to: try $0.get("to_tier", String?.self), count: try int($0, "n"))
                    }
                    figures.tiers = TierFigures(members: Dictionary(tiers.map { ($0.tier, $0.members) }, uniquingKeysWith: +), moves: moves)
                }
            }
            if sections.contains(.rewards) {
                figures.rewards = try await rows(sql.rewards).map {
                    RewardFigure(rewardId: try $0.get("reward_id", String.self), redemptions: try int($0, "n"), points: try int($0, "points"))
                }
            }
            if sections.contains(.purchases), let row = try await rows(sql.purchases).first {
                figures.purchases = PurchaseFigures(purchases: try int(row, "purchases"), buyers: try int(row, "buyers"),
                                                    repeatBuyers: try int(row, "repeat_buyers"))
            }
            return figures
        }
    }
}
