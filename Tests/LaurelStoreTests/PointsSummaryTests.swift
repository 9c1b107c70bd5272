import Foundation
import LaurelCore
import LaurelStore
import LaurelTestSupport
import Testing

/// A balance read takes only the open lots that can change its answer (pending, or expiring within
/// the window) and the member row's balances: over seeded random ledgers (lots pending or not,
/// expired, expiring soon or never, partly spent, debt from returns, some settled already) its
/// summary must equal the one computed from every lot.
struct PointsSummaryTests {
    static let start = Date(timeIntervalSince1970: 1_780_000_000)

    @Test func theLotsThatCanChangeGiveTheSameSummaryAsAllLots() {
        var reads = 0, readsLeavingLotsOut = 0
        for seed in UInt64(1)...UInt64(60) {
            let (count, leftOut) = Self.compare(seed: seed)
            reads += count
            readsLeavingLotsOut += leftOut
        }
        // The comparison means something only if many reads did leave lots out.
        #expect(readsLeavingLotsOut * 2 > reads, "\(readsLeavingLotsOut) of \(reads) reads left lots out")
    }

    /// One seeded ledger read five times; returns how many reads, and how many of them left lots out.
    static func compare(seed: UInt64) -> (reads: Int, leftOut: Int) {
        var random = SplitMix64(seed: seed)
        var ledger = MemberLedger(memberId: "mem_1")
        let policy = ReturnPolicy(whenSpent: .debt, debtLimit: random.int(0...200))
        var clock = Self.start
        var purchases: [String] = []
        var leftOut = 0
        for step in 0..<random.int(1...80) {
            clock = clock.addingTimeInterval(Double(random.int(0...5 * 86_400)))
            let source = "evt_\(step)"
            switch random.int(10) {
            case 0..<6:
                let earnedAt = clock.addingTimeInterval(-Double(random.int(0...30 * 86_400)))
                let pendingDays = [0, 0, 1, 14, 40][random.int(5)]
                let expiry: Date? = [nil, earnedAt.addingTimeInterval(Double(random.int(1...400) * 86_400))][random.int(2)]
                ledger.earn(random.int(1...300), sourceId: source, earnedAt: earnedAt,
                            availableAt: earnedAt.addingTimeInterval(Double(pendingDays * 86_400)), expiresAt: expiry, now: clock)
                purchases.append(source)
            case 6, 7:
                try? ledger.spend(random.int(1...250), sourceId: source)
            case 8 where !purchases.isEmpty:
                _ = ledger.reverse(random.int(1...400), purchaseId: purchases[random.int(purchases.count)], policy: policy, sourceId: source)
            default:
                ledger.settle(now: clock, sourceId: source)
            }
        }
        // The row as the last write left it: settled as of then, not as of the read.
        let member = MemberRecord(id: "mem_1", programId: "prg_1", externalId: "m-1", available: ledger.available, pending: ledger.pending,
                                  debt: ledger.debt, lifetimeEarned: ledger.lifetimeEarned, createdAt: Self.start, updatedAt: clock)
        for _ in 0..<5 {
            let now = clock.addingTimeInterval(Double(random.int(0...60 * 86_400)))
            let window = Double([0, 86_400, 30 * 86_400, 90 * 86_400][random.int(4)])
            let horizon = now.addingTimeInterval(window)
            var settled = ledger
            settled.settle(now: now)
            let fromAllLots = PointsSummary(member: member, ledger: settled, now: now, expiringWithin: window)
            let lots = ledger.lots.filter { $0.pending || ($0.expiresAt ?? .distantFuture) <= horizon }
            if lots.count < ledger.lots.count { leftOut += 1 }
            let fromSomeLots = PointsSummary(member: member, lotsThatCanChange: lots, now: now, expiringWithin: window)
            #expect(fromSomeLots == fromAllLots, "seed \(seed): as of \(now), window \(window) s, \(lots.count) of \(ledger.lots.count) lots")
            // More lots than needed give the same answer too.
            let more = ledger.lots.filter { $0.pending || ($0.expiresAt ?? .distantFuture) <= horizon.addingTimeInterval(86_400) }
            #expect(PointsSummary(member: member, lotsThatCanChange: more, now: now, expiringWithin: window) == fromAllLots, "seed \(seed)")
        }
        return (5, leftOut)
    }
}
