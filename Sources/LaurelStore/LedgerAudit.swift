import Foundation
import LaurelCore

/// Recomputes a program's balances from its ledger entries and lots and reports every disagreement.
enum LedgerAudit {
    struct MemberState {
        var id: String
        var available: Int
        var pending: Int
        var debt: Int
        var lotsAvailable: Int
        var lotsPending: Int
    }

    struct PurchaseState {
        var id: String
        var earned: Int
        var reversed: Int
    }

    /// The checks, shared by every backend: entries sum to zero, cached balances equal their
    /// entries and their lots, no return took back more than its purchase earned (and, with
    /// `problems(pendingDays:fromLots:)`, the pending points kept per day equal their lots).
    static func problems(balances: [String: Int], members: [MemberState], purchases: [PurchaseState]) -> [String] {
        var problems: [String] = []
        let total = balances.values.reduce(0, +)
        if total != 0 { problems.append("entries do not sum to zero across accounts: \(total)") }
        for member in members {
            let fromEntries = balances[LedgerAccount.available(member: member.id).description] ?? 0
            let pendingEntries = balances[LedgerAccount.pending(member: member.id).description] ?? 0
            if fromEntries != member.available { problems.append("\(member.id): cached available \(member.available) != entries \(fromEntries)") }
            if pendingEntries != member.pending { problems.append("\(member.id): cached pending \(member.pending) != entries \(pendingEntries)") }
            if member.lotsAvailable - member.debt != member.available {
                problems.append("\(member.id): available lots \(member.lotsAvailable) - debt \(member.debt) != available \(member.available)")
            }
            if member.lotsPending != member.pending { problems.append("\(member.id): pending lots \(member.lotsPending) != pending \(member.pending)") }
            if member.debt < 0 { problems.append("\(member.id): negative debt \(member.debt)") }
        }
        for purchase in purchases where purchase.reversed > purchase.earned {
            problems.append("purchase \(purchase.id): returns took back \(purchase.reversed), more than the \(purchase.earned) it earned")
        }
        return problems
    }

    /// A `pending_days` row, kept or recomputed from the lots (`PendingDaysSQL`).
    struct PendingDay: Hashable {
        struct Key: Hashable { var memberId: String; var releaseDay: Int64; var expiresAt: Int64 }
        var key: Key
        var lots: Int
        var points: Int
        var remaining: Int
        var lastRelease: Int64

        var description: String {
            "lots \(lots), points \(points), remaining \(remaining), last release \(Timestamps.format(Date(millis: lastRelease)))"
        }
    }

    /// The pending points kept per member, release day and expiry that differ from their lots.
    static func problems(pendingDays kept: [PendingDay], fromLots: [PendingDay]) -> [String] {
        let keptByKey = Dictionary(kept.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let lotsByKey = Dictionary(fromLots.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        return Set(keptByKey.keys).union(lotsByKey.keys).filter { keptByKey[$0] != lotsByKey[$0] }
            .sorted { ($0.memberId, $0.releaseDay, $0.expiresAt) < ($1.memberId, $1.releaseDay, $1.expiresAt) }
            .map { key in
                let expiry = key.expiresAt == PendingDaysSQL.never ? "never" : Timestamps.format(Date(millis: key.expiresAt))
                return "\(key.memberId): pending points of day \(key.releaseDay) expiring \(expiry) kept as "
                    + "\(keptByKey[key]?.description ?? "nothing") but the lots hold \(lotsByKey[key]?.description ?? "nothing")"
            }
    }
}
