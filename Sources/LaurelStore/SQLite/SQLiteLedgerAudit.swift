import Foundation
import GRDB

/// The ledger audit of `LedgerAudit`, on SQLite.
enum SQLiteLedgerAudit {
    static func run(_ db: Database, programId: String) throws -> [String] {
        var balances: [String: Int] = [:]
        for row in try db.rows("""
            SELECT from_account, to_account, SUM(points) AS points FROM ledger_entries WHERE program_id = ? GROUP BY from_account, to_account
            """, [programId]) {
            let points: Int = row["points"]
            balances[row["from_account"], default: 0] -= points
            balances[row["to_account"], default: 0] += points
        }
        // Open lots only (`remaining > 0`): the others add nothing, and the condition lets the
        // partial index of open lots serve each member instead of a scan of every lot.
        let members = try db.rows("""
            SELECT m.id, m.available, m.pending, m.debt,
                   COALESCE((SELECT SUM(remaining) FROM lots l WHERE l.member_id = m.id AND l.remaining > 0 AND l.pending = 0), 0) AS lots_available,
                   COALESCE((SELECT SUM(remaining) FROM lots l WHERE l.member_id = m.id AND l.remaining > 0 AND l.pending = 1), 0) AS lots_pending
            FROM members m WHERE m.program_id = ?
            """, [programId]).map {
            LedgerAudit.MemberState(id: $0["id"], available: $0["available"], pending: $0["pending"], debt: $0["debt"],
                        lotsAvailable: $0["lots_available"], lotsPending: $0["lots_pending"])
        }
        // What the returns reversed, summed per purchase once (a subquery per purchase scanned the
        // whole ledger for each: minutes for a few ten thousand purchases).
        let purchases = try db.rows("""
            SELECT e.id, e.points, COALESCE(r.reversed, 0) AS reversed
            FROM events e LEFT JOIN (
                SELECT json_extract(x.payload, '$.return.purchase_event_id') AS purchase_id, SUM(l.points) AS reversed
                FROM ledger_entries l JOIN events x ON x.id = l.source_id
                WHERE l.program_id = ? AND l.kind = 'reverse' AND x.type = 'return'
                GROUP BY purchase_id
            ) r ON r.purchase_id = e.id
            WHERE e.program_id = ? AND e.type = 'purchase'
            """, [programId, programId]).map { LedgerAudit.PurchaseState(id: $0["id"], earned: $0["points"], reversed: $0["reversed"]) }
        func pendingDays(_ sql: String) throws -> [LedgerAudit.PendingDay] {
            try db.rows(sql, [programId]) { row in
                LedgerAudit.PendingDay(key: .init(memberId: row["member_id"], releaseDay: row["release_day"], expiresAt: row["expires_at"]),
                                       lots: row["lots"], points: row["points"], remaining: row["remaining"], lastRelease: row["last_release"])
            }
        }
        return LedgerAudit.problems(balances: balances, members: members, purchases: purchases)
            + LedgerAudit.problems(pendingDays: try pendingDays(PendingDaysSQL.auditKept(program: "?")),
                                   fromLots: try pendingDays(PendingDaysSQL.auditFromLots(program: "?", pending: "pending = 1")))
    }
}
