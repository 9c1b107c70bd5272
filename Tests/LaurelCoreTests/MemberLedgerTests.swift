import Foundation
import Testing
@testable import LaurelCore

/// Lots, FIFO spending, pending and expiry, reversals, debt and transfers of one member's points.
struct MemberLedgerTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)
    static func day(_ n: Double) -> Date { t0.addingTimeInterval(n * 86_400) }

    /// Earns an available lot now at t0 (`expiresIn` days, nil = never).
    static func earn(_ ledger: inout MemberLedger, _ points: Int, _ source: String, expiresIn: Double?, pendingDays: Double = 0,
                     at earnedAt: Date = t0) {
        ledger.earn(points, sourceId: source, earnedAt: earnedAt, availableAt: earnedAt.addingTimeInterval(pendingDays * 86_400),
                    expiresAt: expiresIn.map { earnedAt.addingTimeInterval($0 * 86_400) }, now: earnedAt)
    }

    /// (lot, points) of the entries made for `source`.
    static func pieces(_ ledger: MemberLedger, _ source: String) -> [String] {
        ledger.entries.filter { $0.sourceId == source }.map { "\($0.lotId ?? "-"):\($0.points)" }
    }

    @Test func spendingTakesSoonestExpiryFirstAndNeverExpiringLast() throws {
        var ledger = MemberLedger(memberId: "m")
        Self.earn(&ledger, 100, "a", expiresIn: 30)
        Self.earn(&ledger, 100, "never", expiresIn: nil)
        Self.earn(&ledger, 100, "c", expiresIn: 10)
        Self.earn(&ledger, 100, "d", expiresIn: 30, at: Self.day(1)) // same expiry day as "a" but 1 day later: 31 days
        Self.earn(&ledger, 100, "e", expiresIn: 29, at: Self.day(1)) // expires with "a"
        #expect(ledger.lots.map(\.id) == ["c.1", "a.1", "e.1", "d.1", "never.1"])
        try ledger.spend(150, sourceId: "s1")
        #expect(Self.pieces(ledger, "s1") == ["c.1:100", "a.1:50"])
        try ledger.spend(200, sourceId: "s2")
        #expect(Self.pieces(ledger, "s2") == ["a.1:50", "e.1:100", "d.1:50"])
        try ledger.spend(100, sourceId: "s3")
        #expect(Self.pieces(ledger, "s3") == ["d.1:50", "never.1:50"])
        #expect(ledger.available == 50 && ledger.lots.map(\.id) == ["never.1"])
        #expect(ledger.entries.filter { $0.kind == .spend }.allSatisfy { $0.from == .available(member: "m") && $0.to == .redeemed })
        #expect(Set(ledger.closedLots.map(\.id)) == ["a.1", "c.1", "d.1", "e.1"])
        Fixtures.expectBooksBalance(ledger)
    }

    @Test func insufficientPointsCarryWhatIsMissing() throws {
        var ledger = MemberLedger(memberId: "m")
        Self.earn(&ledger, 80, "a", expiresIn: nil)
        let before = ledger
        #expect(throws: LedgerError.insufficientPoints(available: 80, requested: 100)) { try ledger.spend(100, sourceId: "s") }
        #expect(ledger == before, "a refused spend changes nothing")
        #expect(LedgerError.insufficientPoints(available: 80, requested: 100).description.contains("(20 missing)"))
        #expect(throws: LedgerError.invalidPoints(0)) { try ledger.spend(0, sourceId: "s") }
        #expect(throws: LedgerError.invalidPoints(-5)) { try ledger.spend(-5, sourceId: "s") }
        var other = MemberLedger(memberId: "o")
        #expect(throws: LedgerError.insufficientPoints(available: 80, requested: 81)) { try ledger.transfer(81, to: &other, sourceId: "t", now: Self.t0) }
        #expect(other.lots.isEmpty && ledger == before)
    }

    @Test func pendingPointsCannotBeSpentUntilTheyMature() throws {
        var ledger = MemberLedger(memberId: "m")
        Self.earn(&ledger, 100, "p", expiresIn: 60, pendingDays: 14)
        #expect(ledger.pending == 100 && ledger.available == 0)
        #expect(ledger.entries.last?.to == .pending(member: "m"))
        #expect(throws: LedgerError.insufficientPoints(available: 0, requested: 1)) { try ledger.spend(1, sourceId: "s") }
        #expect(ledger.nextSettlement == Self.day(14))

        ledger.settle(now: Self.day(13.99), sourceId: "early")
        #expect(ledger.pending == 100 && Self.pieces(ledger, "early").isEmpty)
        ledger.settle(now: Self.day(14), sourceId: "mature")
        #expect(ledger.pending == 0 && ledger.available == 100)
        let mature = try #require(ledger.entries.last)
        #expect(mature.kind == .mature && mature.from == .pending(member: "m") && mature.to == .available(member: "m") && mature.points == 100)
        #expect(ledger.nextSettlement == Self.day(60))
        try ledger.spend(100, sourceId: "s")
        Fixtures.expectBooksBalance(ledger)
    }

    @Test func settleExpiresWhatIsLeftOfALot() throws {
        var ledger = MemberLedger(memberId: "m")
        Self.earn(&ledger, 100, "a", expiresIn: 30)
        Self.earn(&ledger, 10, "b", expiresIn: nil)
        try ledger.spend(40, sourceId: "s")
        ledger.settle(now: Self.day(29.9), sourceId: "x1")
        #expect(Self.pieces(ledger, "x1").isEmpty && ledger.available == 70)
        ledger.settle(now: Self.day(30), sourceId: "x2")
        let expired = ledger.entries.filter { $0.sourceId == "x2" }
        #expect(expired.map(\.kind) == [.expire] && expired.map(\.points) == [60] && expired[0].to == .expired)
        #expect(ledger.available == 10 && ledger.lots.map(\.id) == ["b.1"])
        #expect(ledger.closedLots.first { $0.id == "a.1" }?.remaining == 0)
        ledger.settle(now: Self.day(400), sourceId: "x3")
        #expect(Self.pieces(ledger, "x3").isEmpty, "settling twice expires nothing twice")
        Fixtures.expectBooksBalance(ledger)
    }

    @Test func pendingPointsCanExpireBeforeTheyMatureAndBackdatedPointsExpireAtOnce() throws {
        var ledger = MemberLedger(memberId: "m")
        Self.earn(&ledger, 50, "p", expiresIn: 5, pendingDays: 10)
        ledger.settle(now: Self.day(6), sourceId: "x")
        #expect(ledger.entries.last == LedgerEntry(kind: .expire, from: .pending(member: "m"), to: .expired, points: 50, memberId: "m", lotId: "p.1", sourceId: "x"))
        #expect(ledger.pending == 0 && ledger.available == 0)
        // An event from long ago whose points are already past their expiry.
        ledger.earn(20, sourceId: "old", earnedAt: Self.day(-100), availableAt: Self.day(-100), expiresAt: Self.day(-10), now: Self.day(6))
        #expect(Self.pieces(ledger, "old") == ["old.1:20", "old.1:20"] && ledger.available == 0)
        Fixtures.expectBooksBalance(ledger)
    }

    @Test func returnTakesFromThePurchaseLotsFirstThenOtherPoints() throws {
        var ledger = MemberLedger(memberId: "m")
        Self.earn(&ledger, 100, "purchase", expiresIn: 10)
        Self.earn(&ledger, 100, "other", expiresIn: 20)
        Self.earn(&ledger, 30, "later", expiresIn: 5, pendingDays: 3) // pending: never taken for another purchase's return
        try ledger.spend(60, sourceId: "s") // from the purchase's own lot (soonest expiry)
        let reversal = ledger.reverse(100, purchaseId: "purchase", policy: ReturnPolicy(), sourceId: "r")
        #expect(reversal == MemberLedger.Reversal(reversed: 100, intoDebt: 0, forgiven: 0))
        #expect(Self.pieces(ledger, "r") == ["purchase.1:40", "other.1:60"])
        #expect(ledger.entries.filter { $0.sourceId == "r" }.allSatisfy { $0.kind == .reverse && $0.to == .reversed })
        #expect(ledger.available == 40 && ledger.pending == 30)
        Fixtures.expectBooksBalance(ledger)
    }

    @Test func returnTakesThePurchasesPendingPoints() throws {
        var ledger = MemberLedger(memberId: "m")
        Self.earn(&ledger, 70, "other", expiresIn: nil)
        Self.earn(&ledger, 50, "purchase", expiresIn: nil, pendingDays: 14)
        let reversal = ledger.reverse(50, purchaseId: "purchase", policy: ReturnPolicy(), sourceId: "r")
        #expect(reversal.reversed == 50 && ledger.pending == 0 && ledger.available == 70)
        #expect(ledger.entries.last?.from == .pending(member: "m"))
        Fixtures.expectBooksBalance(ledger)
    }

    @Test func takeAvailableNeverGoesBelowZero() throws {
        var ledger = MemberLedger(memberId: "m")
        Self.earn(&ledger, 100, "purchase", expiresIn: nil)
        try ledger.spend(100, sourceId: "s")
        Self.earn(&ledger, 30, "other", expiresIn: nil)
        let reversal = ledger.reverse(100, purchaseId: "purchase", policy: ReturnPolicy(whenSpent: .takeAvailable), sourceId: "r")
        #expect(reversal == MemberLedger.Reversal(reversed: 30, intoDebt: 0, forgiven: 70))
        #expect(ledger.available == 0 && ledger.debt == 0)
        Fixtures.expectBooksBalance(ledger)
    }

    @Test func debtGoesDownToTheLimitAndNewEarningsPayItFirst() throws {
        let policy = ReturnPolicy(whenSpent: .debt, debtLimit: 50)
        var ledger = MemberLedger(memberId: "m")
        Self.earn(&ledger, 100, "purchase", expiresIn: nil)
        try ledger.spend(100, sourceId: "s")
        Self.earn(&ledger, 30, "other", expiresIn: nil)
        let reversal = ledger.reverse(100, purchaseId: "purchase", policy: policy, sourceId: "r")
        #expect(reversal == MemberLedger.Reversal(reversed: 80, intoDebt: 50, forgiven: 20))
        #expect(ledger.available == -50 && ledger.debt == 50)
        #expect(ledger.entries.last == LedgerEntry(kind: .reverse, from: .available(member: "m"), to: .reversed, points: 50, memberId: "m",
                                                   lotId: nil, sourceId: "r"))
        Fixtures.expectBooksBalance(ledger)

        // At the limit, a further return is forgiven entirely; nothing can be spent.
        Self.earn(&ledger, 10, "pending-purchase", expiresIn: nil, pendingDays: 5)
        #expect(ledger.debt == 50, "pending points do not pay debt")
        let again = ledger.reverse(40, purchaseId: "gone", policy: policy, sourceId: "r2")
        #expect(again == MemberLedger.Reversal(reversed: 0, intoDebt: 0, forgiven: 40) && ledger.available == -50)
        #expect(throws: LedgerError.insufficientPoints(available: 0, requested: 1)) { try ledger.spend(1, sourceId: "s2") }

        // New earnings pay the debt first.
        Self.earn(&ledger, 30, "e1", expiresIn: nil)
        #expect(ledger.available == -20 && ledger.debt == 20 && !ledger.lots.contains { $0.id == "e1.1" })
        ledger.settle(now: Self.day(5), sourceId: "mature") // the pending 10 matures into the debt
        #expect(ledger.available == -10 && ledger.debt == 10 && ledger.pending == 0)
        Self.earn(&ledger, 100, "e2", expiresIn: nil)
        #expect(ledger.available == 90 && ledger.debt == 0 && ledger.lots.first { $0.id == "e2.1" }?.remaining == 90)
        #expect(ledger.lots.first { $0.id == "e2.1" }?.points == 100 && ledger.lifetimeEarned == 270)
        Fixtures.expectBooksBalance(ledger)
    }

    @Test func transferKeepsEachPiecesExpiry() throws {
        var sender = MemberLedger(memberId: "a")
        var receiver = MemberLedger(memberId: "b")
        Self.earn(&sender, 30, "x", expiresIn: 10)
        Self.earn(&sender, 100, "y", expiresIn: 40)
        Self.earn(&sender, 100, "z", expiresIn: nil)
        Self.earn(&sender, 500, "pending", expiresIn: 5, pendingDays: 30)
        try sender.transfer(150, to: &receiver, sourceId: "t", now: Self.day(1))
        #expect(sender.available == 80 && sender.pending == 500)
        let sent = sender.entries.filter { $0.sourceId == "t" }
        #expect(sent.map(\.points) == [30, 100, 20] && sent.allSatisfy { $0.kind == .transfer && $0.to == .available(member: "b") })
        #expect(receiver.lots.map(\.expiresAt) == [Self.day(10), Self.day(40), nil])
        #expect(receiver.lots.map(\.points) == [30, 100, 20] && receiver.lots.allSatisfy { !$0.pending && $0.sourceId == "t" })
        #expect(receiver.available == 150 && Set(receiver.lots.map(\.id)).count == 3)

        // Both ledgers' entries together balance.
        let balances = Fixtures.balances(sender.entries + receiver.entries)
        #expect(balances.values.reduce(0, +) == 0)
        #expect(balances[.available(member: "a")] == sender.available && balances[.available(member: "b")] == receiver.available)
    }

    @Test func transferPaysTheReceiversDebt() throws {
        var sender = MemberLedger(memberId: "a")
        var receiver = MemberLedger(memberId: "b")
        Self.earn(&sender, 100, "x", expiresIn: nil)
        Self.earn(&receiver, 40, "p", expiresIn: nil)
        try receiver.spend(40, sourceId: "s")
        _ = receiver.reverse(40, purchaseId: "p", policy: ReturnPolicy(whenSpent: .debt, debtLimit: 100), sourceId: "r")
        #expect(receiver.available == -40)
        try sender.transfer(60, to: &receiver, sourceId: "t", now: Self.t0)
        #expect(receiver.available == 20 && receiver.debt == 0 && sender.available == 40)
    }

    @Test func manualAdjustments() throws {
        let program = ProgramDefinition(name: "p", currency: "EUR", expiry: .afterDays(30))
        var ledger = MemberLedger(memberId: "m")
        try ledger.adjust(100, program: program, sourceId: "adj1", now: Self.t0)
        #expect(ledger.lots.map(\.expiresAt) == [Self.day(30)])
        let credit = try #require(ledger.entries.last)
        #expect(credit.kind == .adjust && credit.from == .adjusted && credit.to == .available(member: "m") && credit.points == 100)
        try ledger.adjust(-40, program: program, sourceId: "adj2", now: Self.t0)
        #expect(ledger.available == 60)
        let debit = try #require(ledger.entries.last)
        #expect(debit.kind == .adjust && debit.from == .available(member: "m") && debit.to == .adjusted && debit.points == 40)
        #expect(throws: LedgerError.insufficientPoints(available: 60, requested: 61)) {
            try ledger.adjust(-61, program: program, sourceId: "adj3", now: Self.t0)
        }
        #expect(throws: LedgerError.invalidPoints(0)) { try ledger.adjust(0, program: program, sourceId: "adj4", now: Self.t0) }
        Fixtures.expectBooksBalance(ledger)
    }

    @Test func lotsLoadedFromTheStoreAreSpentInOrder() throws {
        let lots = [
            PointLot(id: "n", memberId: "m", sourceId: "n", earnedAt: Self.t0, availableAt: Self.t0, expiresAt: nil, points: 10, remaining: 10, pending: false),
            PointLot(id: "s", memberId: "m", sourceId: "s", earnedAt: Self.t0, availableAt: Self.t0, expiresAt: Self.day(3), points: 10, remaining: 5, pending: false),
        ]
        var ledger = MemberLedger(memberId: "m", lots: lots, debt: 0, lifetimeEarned: 20)
        #expect(ledger.available == 15 && ledger.lots.map(\.id) == ["s", "n"])
        try ledger.spend(7, sourceId: "x")
        #expect(Self.pieces(ledger, "x") == ["s:5", "n:2"])
        #expect(Set(ledger.touchedLots.map(\.id)) == ["s", "n"] && ledger.touchedLots.first { $0.id == "s" }?.remaining == 0)
    }
}
