import Foundation
import Testing
import LaurelCore
import LaurelTestSupport

/// Random sequences of earn / spend / settle / return / transfer / adjust over fixed seeds:
/// after every step the ledger invariants hold.
struct LedgerPropertyTests {
    /// Account balances from every entry ever made.
    struct Books {
        var balances: [String: Int] = [:]
        var expiredPerLot: [String: Int] = [:]
        mutating func post(_ entries: ArraySlice<LedgerEntry>) {
            for entry in entries {
                #expect(entry.points > 0)
                balances[entry.from.description, default: 0] -= entry.points
                balances[entry.to.description, default: 0] += entry.points
                if entry.kind == .expire, let lot = entry.lotId { expiredPerLot[lot, default: 0] += entry.points }
            }
        }
    }

    @Test(arguments: Array(UInt64(1)...UInt64(40)))
    func invariantsHoldAfterEveryStep(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let policy = seed % 2 == 0 ? ReturnPolicy(whenSpent: .debt, debtLimit: 300) : ReturnPolicy(whenSpent: .takeAvailable)
        let memberIds = ["a", "b", "c"]
        var ledgers = Dictionary(uniqueKeysWithValues: memberIds.map { ($0, MemberLedger(memberId: $0)) })
        var posted = Dictionary(uniqueKeysWithValues: memberIds.map { ($0, 0) })
        var books = Books()
        var purchases: [(id: String, member: String, earned: Int, reversed: Int)] = []
        var lotSizes: [String: Int] = [:]
        var now = Date(timeIntervalSince1970: 1_790_000_000)

        func flush(_ id: String) {
            let entries = ledgers[id]!.entries
            books.post(entries[posted[id]!...])
            posted[id] = entries.count
            for lot in ledgers[id]!.lots + ledgers[id]!.closedLots { lotSizes[lot.id] = lot.points }
        }

        for step in 0..<300 {
            let member = memberIds[random.int(0...2)]
            let source = "op\(step)"
            switch random.int(0...9) {
            case 0, 1, 2:
                let points = random.int(1...500)
                let pendingDays = random.int(0...3) == 0 ? random.int(1...20) : 0
                let expiry: Date? = random.int(0...2) == 0 ? nil : now.addingTimeInterval(Double(random.int(1...60)) * 86_400)
                ledgers[member]!.earn(points, sourceId: source, earnedAt: now, availableAt: now.addingTimeInterval(Double(pendingDays) * 86_400),
                                      expiresAt: expiry, now: now)
                purchases.append((source, member, points, 0))
            case 3:
                let points = random.int(1...400)
                let before = ledgers[member]!.available
                do {
                    try ledgers[member]!.spend(points, sourceId: source)
                    #expect(points <= before)
                } catch {
                    #expect(error == .insufficientPoints(available: max(before, 0), requested: points))
                }
            case 4:
                now = now.addingTimeInterval(Double(random.int(1...15)) * 86_400)
                for id in memberIds { ledgers[id]!.settle(now: now, sourceId: source) }
            case 5, 6:
                guard !purchases.isEmpty else { continue }
                let index = random.int(0...(purchases.count - 1))
                let purchase = purchases[index]
                let due = min(random.int(1...500), purchase.earned - purchase.reversed)
                guard due > 0 else { continue }
                let reversal = ledgers[purchase.member]!.reverse(due, purchaseId: purchase.id, policy: policy, sourceId: source)
                #expect(reversal.reversed + reversal.forgiven == due)
                purchases[index].reversed += due
                #expect(purchases[index].reversed <= purchase.earned, "seed \(seed) step \(step)")
            case 7:
                let receiver = memberIds.filter { $0 != member }[random.int(0...1)]
                var to = ledgers[receiver]!
                let points = random.int(1...300)
                if (try? ledgers[member]!.transfer(points, to: &to, sourceId: source, now: now)) != nil { ledgers[receiver] = to }
            default:
                let points = random.int(-200...300)
                guard points != 0 else { continue }
                let program = ProgramDefinition(name: "p", currency: "EUR", expiry: .afterDays(30))
                _ = try? ledgers[member]!.adjust(points, program: program, sourceId: source, now: now)
            }
            for id in memberIds { flush(id) }

            // Invariants, after every step.
            #expect(books.balances.values.reduce(0, +) == 0, "seed \(seed) step \(step): entries do not sum to zero")
            for id in memberIds {
                let ledger = ledgers[id]!
                #expect(books.balances[LedgerAccount.available(member: id).description, default: 0] == ledger.available, "seed \(seed) step \(step)")
                #expect(books.balances[LedgerAccount.pending(member: id).description, default: 0] == ledger.pending, "seed \(seed) step \(step)")
                #expect(ledger.available >= (policy.whenSpent == .debt ? -policy.debtLimit : 0), "seed \(seed) step \(step)")
                #expect(ledger.debt >= 0 && ledger.debt <= policy.debtLimit)
                for lot in ledger.lots { #expect(lot.remaining > 0 && lot.remaining <= lot.points) }
            }
            for (lot, expired) in books.expiredPerLot { #expect(expired <= lotSizes[lot] ?? 0, "seed \(seed): lot \(lot) expired more than it held") }
        }
    }
}
