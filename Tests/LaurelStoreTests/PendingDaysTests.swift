import Foundation
import LaurelCore
import LaurelStore
import LaurelTestSupport
import Testing

/// `pending_days` sums each member's open pending lots per release day and expiry as the lots are
/// written (triggers on `lots`), and a balance read takes every day but today's from it. Over
/// seeded random writes — purchases at any hour, some reported late, returns that take pending lots
/// back (often a day's last release), spending, the settlement job, with and without expiry — the
/// table must equal a GROUP BY over the lots after every write, every read must say what the
/// summary of all open lots says, and the ledger audit (which checks the table too) stays clean.
struct PendingDaysTests {
    static func program(expiring: Bool) -> String {
        """
        name: Pending days
        currency: EUR
        points:
          pending_days: 3
        \(expiring ? "  expiry: {policy: end_of_month, months_after: 0}\n" : "")  returns: {when_spent: debt, debt_limit: 200}
        earning_rules:
          - id: spend
            event: purchase
            effect: {type: points_per_amount, points: 1, per: 1}
        """
    }

    @Test(arguments: StoreBackend.available, [UInt64(1), 2, 3, 4])
    func theKeptSumsEqualTheLotsAfterEveryWrite(backend: StoreBackend, seed: UInt64) async throws {
        var random = SplitMix64(seed: seed)
        // Odd seeds: lots that never expire (`never` in the table's key); even: lots expiring at the end of the month they are
        // earned in, many sharing a row, some expiring while still pending.
        let fixture = try await StoreFixture.make(backend, program: Self.program(expiring: seed % 2 == 0))
        var members: [String] = []
        for index in 0..<3 { members.append(try await fixture.member("c-\(index)").id) }
        var purchases: [(id: String, member: String, refundable: Int)] = []
        var clock = StoreFixture.start
        var done: [String: Int] = [:]
        for step in 0..<120 {
            clock += Double(random.int(0...(12 * 3600)))
            let member = members[random.int(members.count)]
            let context = "seed \(seed) step \(step)"
            var operation: String
            switch random.int(100) {
            case 0..<45:
                let points = random.int(1...60)
                // Some purchases are reported up to a day late: their release falls earlier in the day.
                let occurred = clock - Double(random.int(0...86_400))
                operation = "purchase of \(points) by \(member) at \(Timestamps.format(occurred))"
                let purchase = try await fixture.record(StoreFixture.purchase(total: "\(points)", at: occurred), memberId: member, now: clock)
                purchases.append((purchase.id, member, points))
            case 45..<62 where purchases.contains(where: { $0.refundable > 0 }):
                // Half the time the latest purchase still refundable: the last release of its day.
                let refundable = purchases.indices.filter { purchases[$0].refundable > 0 }
                let index = random.int(2) == 0 ? refundable.last! : refundable[random.int(refundable.count)]
                let amount = random.int(2) == 0 ? purchases[index].refundable : random.int(1...purchases[index].refundable)
                purchases[index].refundable -= amount
                operation = "return of \(amount) of \(purchases[index].id)"
                try await fixture.record(StoreFixture.returnOf(purchases[index].id, amount: "\(amount)", at: clock), memberId: purchases[index].member,
                                         now: clock)
            case 62..<72:
                let points = random.int(2) == 0 ? random.int(1...40) : -random.int(1...40)
                operation = "adjustment of \(points) for \(member)"
                do {
                    _ = try await fixture.store.adjust(programId: fixture.programId, memberId: member, id: "adj_\(seed)_\(step)", points: points,
                                                       reason: "random", actor: "test", now: clock, idempotency: nil)
                } catch LedgerError.insufficientPoints {
                    operation += " (refused)"
                }
            case 72..<82:
                operation = "settlement at \(Timestamps.format(clock))"
                try await fixture.settle(now: clock, batchSize: random.int(1...3))
            default:
                // A read at any time of any day ahead, the day of a release split by it or not.
                let now = clock + Double(random.int(0...(6 * 86_400)))
                operation = "read of \(member) at \(Timestamps.format(now))"
                let read = try await fixture.store.pointsSummary(programId: fixture.programId, memberId: member, now: now, expiringWithin: 10 * 86_400)
                let expected = try await PendingDaysProbe.summaryFromEveryLot(fixture, memberId: member, now: now, expiringWithin: 10 * 86_400)
                #expect([read.available, read.pending, read.debt] as [Int] == [expected.available, expected.pending, expected.debt], "\(context): \(operation)")
                #expect(dated(read.pendingLots) == dated(expected.pendingLots), "\(context): \(operation)")
                #expect(dated(read.expiring) == dated(expected.expiring), "\(context): \(operation)")
            }
            done[String(operation.prefix { $0 != " " }), default: 0] += 1
            let differences = try await PendingDaysProbe.differences(fixture)
            #expect(differences == [], "\(context) after \(operation)")
            guard differences.isEmpty else { return }
        }
        #expect(try await fixture.audit() == [], "seed \(seed)")
        for kind in ["purchase", "return", "adjustment", "settlement", "read"] {
            #expect(done[kind, default: 0] > 0, "seed \(seed): the workload never did a \(kind): \(done)")
        }
    }
}
