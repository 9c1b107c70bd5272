import Foundation
import LaurelCore
import Logging
import PostgresNIO

/// The ledger audit of `LedgerAudit`, on PostgreSQL.
enum PostgresLedgerAudit {
    static func run(_ connection: PostgresConnection, programId: String, logger: Logger) async throws -> [String] {
        var balances: [String: Int] = [:]
        for row in try await connection.rows("""
            SELECT from_account, to_account, SUM(points)::BIGINT AS points FROM ledger_entries WHERE program_id = \(programId)
            GROUP BY from_account, to_account
            """, logger) {
            let points: Int = try row.get("points")
            balances[try row.get("from_account", String.self), default: 0] -= points
            balances[try row.get("to_account", String.self), default: 0] += points
        }
        // Open lots only (`remaining > 0`): the others add nothing, and the condition lets the
        // partial index of open lots serve each member instead of a scan of every lot.
        var members: [LedgerAudit.MemberState] = []
        for row in try await connection.rows("""
            SELECT m.id, m.available, m.pending, m.debt,
                   COALESCE((SELECT SUM(remaining) FROM lots l WHERE l.member_id = m.id AND l.remaining > 0 AND NOT l.pending), 0)::BIGINT AS lots_available,
                   COALESCE((SELECT SUM(remaining) FROM lots l WHERE l.member_id = m.id AND l.remaining > 0 AND l.pending), 0)::BIGINT AS lots_pending
            FROM members m WHERE m.program_id = \(programId)
            """, logger) {
            members.append(.init(id: try row.get("id"), available: try row.get("available"), pending: try row.get("pending"), debt: try row.get("debt"),
                                 lotsAvailable: try row.get("lots_available"), lotsPending: try row.get("lots_pending")))
        }
        // What the returns reversed, summed per purchase once (not a subquery per purchase).
        var purchases: [LedgerAudit.PurchaseState] = []
        for row in try await connection.rows("""
            SELECT e.id, e.points, COALESCE(r.reversed, 0)::BIGINT AS reversed
            FROM events e LEFT JOIN (
                SELECT (x.payload::jsonb -> 'return' ->> 'purchase_event_id') AS purchase_id, SUM(l.points) AS reversed
                FROM ledger_entries l JOIN events x ON x.id = l.source_id
                WHERE l.program_id = \(programId) AND l.kind = 'reverse' AND x.type = 'return'
                GROUP BY 1
            ) r ON r.purchase_id = e.id
            WHERE e.program_id = \(programId) AND e.type = 'purchase'
            """, logger) {
            purchases.append(.init(id: try row.get("id"), earned: try row.get("points"), reversed: try row.get("reversed")))
        }
        func pendingDays(_ sql: String) async throws -> [LedgerAudit.PendingDay] {
            var binds = PostgresBindings()
            binds.append(programId)
            return try await connection.rows(PostgresQuery(unsafeSQL: sql, binds: binds), logger).map { row in
                LedgerAudit.PendingDay(key: .init(memberId: try row.get("member_id"), releaseDay: try row.get("release_day"),
                                                  expiresAt: try row.get("expires_at")),
                                       lots: try row.get("lots"), points: try row.get("points"), remaining: try row.get("remaining"),
                                       lastRelease: try row.get("last_release"))
            }
        }
        return LedgerAudit.problems(balances: balances, members: members, purchases: purchases)
            + LedgerAudit.problems(pendingDays: try await pendingDays(PendingDaysSQL.auditKept(program: "$1")),
                                   fromLots: try await pendingDays(PendingDaysSQL.auditFromLots(program: "$1", pending: "pending")))
    }
}
