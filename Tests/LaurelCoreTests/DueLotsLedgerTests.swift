import Foundation
import Testing
@testable import LaurelCore
import LaurelTestSupport

/// The PostgreSQL event path reads only the lots due to mature or expire by the event's time and
/// takes the totals from the member's row (`MemberLedger(memberId:dueLots:…)`). A seeded history
/// of earning, spending, returns and settling builds a member's lots; at every step an event that
/// settles and earns runs on a ledger of every open lot and on one of only the due lots, and both
/// must give the same entries, lots to write, new lots and balances.
struct DueLotsLedgerTests {
    @Test(arguments: Array(UInt64(1)...UInt64(40)))
    func anEarningEventOnTheDueLotsActsAsOnEveryLot(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let policy = ReturnPolicy(whenSpent: .debt, debtLimit: 200)
        var now = Date(timeIntervalSince1970: 1_790_000_000.123)
        var ledger = MemberLedger(memberId: "m")
        var dueLotsRead = 0
        for step in 0..<300 {
            let source = "op\(step)"
            let clock = Timestamps.date(millis: Timestamps.millis(now))
            let points = random.int(1...300)
            let pendingDays = random.int(0...1) == 0 ? 0.0 : 14
            // Some points earned for an event long past are due to expire at once.
            let expiresAt = clock.addingTimeInterval(Double(random.int(-2...40)) * 86_400)
            // What a store holds before the event: its open lots and the member's totals.
            let stored = MemberLedger(memberId: "m", lots: ledger.lots, debt: ledger.debt, lifetimeEarned: ledger.lifetimeEarned)
            let due = stored.lots.filter { lot in
                (lot.pending && lot.availableAt <= clock) || (lot.expiresAt.map { $0 <= clock } ?? false)
            }
            dueLotsRead += due.count
            var partial = MemberLedger(memberId: "m", dueLots: due.shuffled(using: &random), available: stored.available, pending: stored.pending,
                                       debt: stored.debt, lifetimeEarned: stored.lifetimeEarned)
            var full = stored
            func event(_ ledger: inout MemberLedger) {
                ledger.settle(now: clock, sourceId: source)
                ledger.earn(points, sourceId: source, earnedAt: clock, availableAt: clock.addingTimeInterval(pendingDays * 86_400),
                            expiresAt: expiresAt, now: clock)
            }
            event(&partial)
            event(&full)
            let label = "seed \(seed) step \(step)"
            #expect(partial.entries == full.entries, "\(label): entries")
            #expect(partial.touchedLots.sorted { $0.id < $1.id } == full.touchedLots.sorted { $0.id < $1.id }, "\(label): lots to write")
            #expect(partial.newLots.map(\.id).sorted() == full.newLots.map(\.id).sorted(), "\(label): new lots")
            #expect(partial.available == full.available && partial.pending == full.pending && partial.debt == full.debt
                    && partial.lifetimeEarned == full.lifetimeEarned, "\(label): balances")
            ledger = full
            // Between events: spending, a return or a quiet spell, on every lot as the store does them.
            switch random.int(0...3) {
            case 0: try? ledger.spend(random.int(1...400), sourceId: "spend\(step)")
            case 1: _ = ledger.reverse(random.int(1...300), purchaseId: "op\(random.int(0...step))", policy: policy, sourceId: "return\(step)")
            default: break
            }
            ledger = MemberLedger(memberId: "m", lots: ledger.lots, debt: ledger.debt, lifetimeEarned: ledger.lifetimeEarned)
            now = now.addingTimeInterval(Double(random.int(0...(4 * 86_400))))
        }
        #expect(dueLotsRead > 50, "seed \(seed): the history left too few due lots to compare (\(dueLotsRead))")
    }
}
