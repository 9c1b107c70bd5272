import Foundation
import Testing
@testable import LaurelCore
import LaurelTestSupport

/// The writer carries a member's ledger from one event to the next (`MemberLedger.carried`) instead
/// of reading the lots back and summing them again. Seeded workloads run every operation twice, on
/// the carried ledger and on one built from the same lots as a store reads them, and require the
/// same result: entries, open lots in order, the lots to write, balances and the next settlement.
struct CarriedLedgerTests {
    @Test(arguments: Array(UInt64(1)...UInt64(40)))
    func aCarriedLedgerActsAsOneReadBack(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let program = ProgramDefinition(name: "p", currency: "EUR", rounding: .halfUp, expiry: .afterDays(45),
                                        returns: ReturnPolicy(whenSpent: .debt, debtLimit: 200))
        var now = Date(timeIntervalSince1970: 1_790_000_000.123)
        var carried = MemberLedger(memberId: "m")
        var spentPieces: [[(lotId: String, points: Int)]] = [] // redemptions not cancelled yet
        var stored: [String: PointLot] = [:]                     // every lot as the store would hold it
        for step in 0..<400 {
            let source = "op\(step)"
            let (lots, carry) = carried.carried
            var next = MemberLedger(memberId: "m", carrying: lots, carry, debt: carried.debt, lifetimeEarned: carried.lifetimeEarned)
            var readBack = MemberLedger(memberId: "m", lots: lots.shuffled(using: &random), debt: carried.debt, lifetimeEarned: carried.lifetimeEarned)
            #expect(next.available == readBack.available && next.pending == readBack.pending, "seed \(seed) step \(step): balances before")
            let operation = random.int(0...9)
            let points = random.int(1...300)
            let clock = now.addingTimeInterval(Double(random.int(0...999)) / 1000)
            func apply(_ ledger: inout MemberLedger) {
                switch operation {
                case 0, 1, 2, 3:
                    let pendingDays = random.int(0...1) == 0 ? 0.0 : 14
                    ledger.settle(now: clock, sourceId: source)
                    ledger.earn(points, sourceId: source, earnedAt: clock, availableAt: clock.addingTimeInterval(pendingDays * 86_400),
                                expiresAt: clock.addingTimeInterval(Double(30 + step % 40) * 86_400), now: clock)
                case 4, 5:
                    ledger.settle(now: clock, sourceId: source)
                    try? ledger.spend(points, sourceId: source)
                case 6:
                    _ = ledger.reverse(points, purchaseId: "op\(random.int(0...max(step, 1)))", policy: program.returns, sourceId: source)
                case 7:
                    if let pieces = spentPieces.last {
                        ledger.restore(pieces, lots: pieces.compactMap { stored[$0.lotId] }, sourceId: source, now: clock)
                    }
                default:
                    ledger.settle(now: clock, sourceId: source)
                }
            }
            // The same draws for both: the operation's own random choices are made once.
            let replay = random
            apply(&next)
            random = replay
            apply(&readBack)
            if operation == 7 && !spentPieces.isEmpty { spentPieces.removeLast() }
            let pieces = next.entries.filter { $0.kind == .spend }.compactMap { entry in entry.lotId.map { (lotId: $0, points: entry.points) } }
            if !pieces.isEmpty { spentPieces.append(pieces) }
            for lot in next.touchedLots { stored[lot.id] = lot }
            let label = "seed \(seed) step \(step) operation \(operation)"
            #expect(next.entries == readBack.entries, "\(label): entries")
            #expect(next.lots == readBack.lots, "\(label): open lots")
            #expect(next.touchedLots.sorted { $0.id < $1.id } == readBack.touchedLots.sorted { $0.id < $1.id }, "\(label): lots to write")
            #expect(next.newLots.map(\.id).sorted() == readBack.newLots.map(\.id).sorted(), "\(label): new lots")
            #expect(Set(next.touchedLots.map(\.id)).count == next.touchedLots.count, "\(label): a lot to write listed twice")
            #expect(next.available == readBack.available && next.pending == readBack.pending && next.debt == readBack.debt, "\(label): balances")
            #expect(next.nextSettlement == readBack.nextSettlement, "\(label): next settlement")
            for lot in next.newLots {
                #expect(lot.earnedAt == Timestamps.date(millis: Timestamps.millis(lot.earnedAt))
                        && lot.availableAt == Timestamps.date(millis: Timestamps.millis(lot.availableAt)), "\(label): times in whole milliseconds")
            }
            carried = next
            now = now.addingTimeInterval(Double(random.int(0...(3 * 86_400))))
        }
    }
}
