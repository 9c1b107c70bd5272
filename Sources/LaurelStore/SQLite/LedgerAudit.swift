import Foundation
import GRDB
import LaurelCore

/// Recomputes a program's balances from its ledger entries and lots and reports every disagreement.
enum LedgerAudit {
    static func run(_ db: Database, programId: String) throws -> [String] {
        var problems: [String] = []
        var balances: [String: Int] = [:]
        for row in try db.rows("""
            SELECT from_account, to_account, SUM(points) AS points FROM ledger_entries WHERE program_id = ? GROUP BY from_account, to_account
            """, [programId]) {
            let points: Int = row["points"]
            balances[row["from_account"], default: 0] -= points
            balances[row["to_account"], default: 0] += points
        }
        let total = balances.values.reduce(0, +)
        if total != 0 { problems.append("entries do not sum to zero across accounts: \(total)") }
        for row in try db.rows("""
            SELECT m.id, m.available, m.pending, m.debt,
                   COALESCE((SELECT SUM(remaining) FROM lots l WHERE l.member_id = m.id AND l.pending = 0), 0) AS lots_available,
                   COALESCE((SELECT SUM(remaining) FROM lots l WHERE l.member_id = m.id AND l.pending = 1), 0) AS lots_pending
            FROM members m WHERE m.program_id = ?
            """, [programId]) {
            let id: String = row["id"]
            let available: Int = row["available"], pending: Int = row["pending"], debt: Int = row["debt"]
            let fromEntries = balances[LedgerAccount.available(member: id).description] ?? 0
            let pendingEntries = balances[LedgerAccount.pending(member: id).description] ?? 0
            if fromEntries != available { problems.append("\(id): cached available \(available) != entries \(fromEntries)") }
            if pendingEntries != pending { problems.append("\(id): cached pending \(pending) != entries \(pendingEntries)") }
            if (row["lots_available"] as Int) - debt != available {
                problems.append("\(id): available lots \(row["lots_available"] as Int) - debt \(debt) != available \(available)")
            }
            if (row["lots_pending"] as Int) != pending { problems.append("\(id): pending lots \(row["lots_pending"] as Int) != pending \(pending)") }
            if debt < 0 { problems.append("\(id): negative debt \(debt)") }
        }
        for row in try db.rows("""
            SELECT e.id, e.points, COALESCE((SELECT SUM(points) FROM ledger_entries r WHERE r.kind = 'reverse' AND r.source_id IN
                   (SELECT id FROM events x WHERE x.type = 'return' AND json_extract(x.payload, '$.return.purchase_event_id') = e.id)), 0) AS reversed
            FROM events e WHERE e.program_id = ? AND e.type = 'purchase'
            """, [programId]) where (row["reversed"] as Int) > (row["points"] as Int) {
            problems.append("purchase \(row["id"] as String): returns took back \(row["reversed"] as Int), more than the \(row["points"] as Int) it earned")
        }
        return problems
    }
}
