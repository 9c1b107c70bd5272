import Foundation
import LaurelCore
import LaurelStore

/// The database after a round, held against the answers: every write answered 2xx (before the kill or
/// at a retry) is in the ledger, once; nothing else is; balances are their ledgers' sums and never
/// negative; the points add up; the reward's stock is not oversold.
struct CrashCheck {
    var lost = 0
    var duplicates = 0
    var problems: [String] = []

    static func run(store: any LaurelStore, setup: CrashSetup, operations: [CrashOperation], finals: [Int: CrashAnswer],
                    acknowledged: [Int: CrashAnswer]) async throws -> CrashCheck {
        var check = CrashCheck()
        let programId = CrashSetup.programId

        // Every ledger entry's source, and each member's balance against their entries.
        var sources: Set<String> = []
        var balances = 0
        for memberId in setup.memberIds {
            var entries: [LedgerEntryRecord] = []
            var cursor: Int64?
            repeat {
                let page = try await store.ledger(programId: programId, memberId: memberId, limit: 500, startingAfter: cursor)
                entries += page.items
                cursor = page.hasMore ? page.items.last?.sequence : nil
            } while cursor != nil
            guard let member = try await store.member(programId: programId, id: memberId) else {
                check.problems.append("member \(memberId) is gone")
                continue
            }
            let sum = entries.reduce(0) { sum, record in
                sum + (record.entry.to == .available(member: memberId) ? record.entry.points : 0)
                    - (record.entry.from == .available(member: memberId) ? record.entry.points : 0)
            }
            if sum != member.available { check.problems.append("member \(memberId): balance \(member.available), ledger sum \(sum)") }
            if member.available < 0 { check.problems.append("member \(memberId): balance \(member.available) below zero") }
            balances += member.available
            sources.formUnion(entries.map(\.entry.sourceId))
        }

        // The ids answered: each key's last answer after the restart, and every acknowledgement before the kill.
        var answered: [String: Int] = [:]
        var earned = 0, redeemed = 0
        for (index, answer) in finals where answer.succeeded {
            guard let id = answer.json["id"] as? String else {
                check.problems.append("\(operations[index].key): answer without an id: \(answer.text)")
                continue
            }
            answered[id, default: 0] += 1
            switch operations[index].kind {
            case .earn:
                earned += answer.json["points"] as? Int ?? 0
                if try await store.event(programId: programId, id: id) == nil {
                    check.lost += 1
                    check.problems.append("event \(id) (\(operations[index].key)) was answered 2xx and is not stored")
                }
            case .redeem: redeemed += answer.json["points"] as? Int ?? 0
            case .transfer: break
            }
        }
        var acknowledgedIds: Set<String> = []
        for (index, answer) in acknowledged {
            guard let id = answer.json["id"] as? String else { continue }
            acknowledgedIds.insert(id)
            guard !sources.contains(id) else { continue }
            check.lost += 1
            check.problems.append("\(operations[index].kind) \(id) (\(operations[index].key)) was acknowledged and is not in the ledger")
        }
        for (id, count) in answered where count > 1 {
            check.duplicates += count - 1
            check.problems.append("\(id) answered for \(count) different keys")
        }
        for (id, _) in answered where !sources.contains(id) && !acknowledgedIds.contains(id) {
            check.lost += 1
            check.problems.append("\(id) was answered 2xx after the restart and is not in the ledger")
        }
        for id in sources.subtracting(answered.keys).subtracting(setup.adjustmentIds) {
            check.duplicates += 1
            check.problems.append("the ledger holds \(id), which no key was answered with: a write landed twice or unasked")
        }

        // Points: neither lost nor made.
        let expected = CrashRound.memberCount * CrashRound.startingPoints + earned - redeemed
        if balances != expected {
            check.problems.append("balances sum to \(balances); starting points + earned − redeemed = \(expected)")
        }

        // The limited reward: issued once per answered redemption, never more than its stock.
        var redemptions: [RedemptionRecord] = []
        var after: String?
        repeat {
            let page = try await store.redemptions(programId: programId, memberId: nil, limit: 500, startingAfter: after, now: Date())
            redemptions += page.items
            after = page.hasMore ? page.items.last?.id : nil
        } while after != nil
        let answeredRedemptions = Set(finals.filter { operations[$0.key].kind == .redeem && $0.value.succeeded }.compactMap { $0.value.json["id"] as? String })
        if Set(redemptions.map(\.id)) != answeredRedemptions || redemptions.count != answeredRedemptions.count {
            check.problems.append("\(redemptions.count) redemptions stored, \(answeredRedemptions.count) answered 2xx")
        }
        let stockLeft = try await store.reward(programId: programId, id: CrashSetup.rewardId)?.stockLeft ?? -1
        if stockLeft < 0 || stockLeft + redemptions.count != CrashRound.stock {
            check.problems.append("reward stock: \(stockLeft) left and \(redemptions.count) issued of \(CrashRound.stock)")
        }
        return check
    }
}
