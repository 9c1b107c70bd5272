import Foundation
import Testing
@testable import LaurelCore

/// One event in, one outcome out: earning with pending and expiry, returns, refusals.
struct EventProcessorTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000) // 2026-09-21T14:13:20Z
    static let member = MemberProfile(id: "m")

    static func processor(rounding: String = "down", returns: String = "{when_spent: take_available}", pendingDays: Int = 0) throws -> EventProcessor {
        EventProcessor(program: try ProgramDefinition.parse("""
            name: Shop
            currency: EUR
            rounding: \(rounding)
            timezone: Europe/Berlin
            points: {pending_days: \(pendingDays), expiry: {policy: end_of_month, months_after: 1}, returns: \(returns)}
            earning_rules:
              - {id: spend, event: purchase, effect: {type: points_per_amount, points: 1, per: 1}}
              - {id: review, event: review, effect: {type: fixed_points, points: 25}}
            """))
    }

    static func returnEvent(_ id: String, of purchase: String, amount: String, at date: Date = t0) -> LoyaltyEvent {
        LoyaltyEvent(id: id, type: LoyaltyEvent.returnType, occurredAt: date, returnOf: ReturnDetails(purchaseEventId: purchase, amount: Amount(amount)!))
    }

    @Test func purchaseEarnsIntoAPendingLotWithTheProgramsExpiry() throws {
        let processor = try Self.processor(pendingDays: 14)
        let event = Fixtures.purchase("evt_1", at: Self.t0, lines: [Fixtures.line("A", "99.99"), Fixtures.line("B", "52.50")])
        let outcome = try processor.process(event, member: Self.member, ledger: MemberLedger(memberId: "m"), usage: [:], returnedPurchase: nil, now: Self.t0)
        #expect(outcome.status == .processed && outcome.reason == nil && outcome.pointsEarned == 152)
        #expect(outcome.rules.map(\.points) == [152])
        let lot = try #require(outcome.lot)
        #expect(lot.pending && lot.sourceId == "evt_1" && lot.points == 152)
        #expect(lot.availableAt == Self.t0.addingTimeInterval(14 * 86_400))
        // End of the month after September, local midnight in Berlin: 2026-11-01T00:00+01:00.
        #expect(lot.expiresAt == (try Fixtures.at("2026-10-31T23:00:00Z")))
        #expect(outcome.ledger.pending == 152 && outcome.ledger.available == 0)
        Fixtures.expectBooksBalance(outcome.ledger)
    }

    @Test func otherEventsAreAvailableAtOnce() throws {
        let processor = try Self.processor(pendingDays: 14)
        let event = LoyaltyEvent(id: "evt_r", type: "review", occurredAt: Self.t0)
        let outcome = try processor.process(event, member: Self.member, ledger: MemberLedger(memberId: "m"), usage: [:], returnedPurchase: nil, now: Self.t0)
        #expect(outcome.pointsEarned == 25 && outcome.ledger.available == 25 && outcome.lot?.pending == false)
        let nothing = try processor.process(LoyaltyEvent(id: "evt_x", type: "unknown", occurredAt: Self.t0), member: Self.member,
                                            ledger: MemberLedger(memberId: "m"), usage: [:], returnedPurchase: nil, now: Self.t0)
        #expect(nothing.status == .processed && nothing.pointsEarned == 0 && nothing.lot == nil && nothing.rules.isEmpty)
    }

    @Test func blockedMemberIsRejectedAndEarnsNothing() throws {
        let processor = try Self.processor()
        let blocked = MemberProfile(id: "m", status: .blocked)
        let event = Fixtures.purchase(at: Self.t0, lines: [Fixtures.line("A", "100.00")])
        let outcome = try processor.process(event, member: blocked, ledger: MemberLedger(memberId: "m"), usage: [:], returnedPurchase: nil, now: Self.t0)
        #expect(outcome.status == .rejected && outcome.reason == "member_blocked")
        #expect(outcome.pointsEarned == 0 && outcome.lot == nil && outcome.rules.isEmpty)
        #expect(outcome.ledger.entries.isEmpty && outcome.ledger.available == 0)
    }

    @Test func refusedEventsThrow() throws {
        let processor = try Self.processor()
        let ledger = MemberLedger(memberId: "m")
        let dollars = Fixtures.purchase(at: Self.t0, lines: [Fixtures.line("A", "10.00")], currency: "USD")
        #expect(throws: EventProcessingError.currencyMismatch(expected: "EUR", got: "USD")) {
            try processor.process(dollars, member: Self.member, ledger: ledger, usage: [:], returnedPurchase: nil, now: Self.t0)
        }
        #expect(throws: EventProcessingError.missingPurchase) {
            try processor.process(LoyaltyEvent(id: "e", type: "purchase", occurredAt: Self.t0), member: Self.member, ledger: ledger, usage: [:],
                                  returnedPurchase: nil, now: Self.t0)
        }
        #expect(throws: EventProcessingError.missingReturn) {
            try processor.process(LoyaltyEvent(id: "e", type: "return", occurredAt: Self.t0), member: Self.member, ledger: ledger, usage: [:],
                                  returnedPurchase: nil, now: Self.t0)
        }
        #expect(throws: EventProcessingError.returnOfUnknownPurchase("evt_p")) {
            try processor.process(Self.returnEvent("r", of: "evt_p", amount: "1"), member: Self.member, ledger: ledger, usage: [:],
                                  returnedPurchase: nil, now: Self.t0)
        }
        let someoneElses = PurchaseRecord(eventId: "evt_p", memberId: "other", total: Amount(integer: 10), pointsEarned: 10)
        #expect(throws: EventProcessingError.returnOfUnknownPurchase("evt_p")) {
            try processor.process(Self.returnEvent("r", of: "evt_p", amount: "1"), member: Self.member, ledger: ledger, usage: [:],
                                  returnedPurchase: someoneElses, now: Self.t0)
        }
    }

    /// Earned 100 on a total of 200: refunding 50 takes back 25, then refunding 150 takes the other 75.
    @Test func returnsReverseInProportionToTheRefund() throws {
        let processor = try Self.processor()
        var ledger = MemberLedger(memberId: "m")
        ledger.earn(100, sourceId: "evt_p", earnedAt: Self.t0, availableAt: Self.t0, expiresAt: nil, now: Self.t0)
        ledger.earn(500, sourceId: "evt_other", earnedAt: Self.t0, availableAt: Self.t0, expiresAt: nil, now: Self.t0)
        var record = PurchaseRecord(eventId: "evt_p", memberId: "m", total: Amount(integer: 200), pointsEarned: 100)

        let first = try processor.process(Self.returnEvent("r1", of: "evt_p", amount: "50"), member: Self.member, ledger: ledger, usage: [:],
                                          returnedPurchase: record, now: Self.t0)
        #expect(first.status == .processed && first.reversal == MemberLedger.Reversal(reversed: 25, intoDebt: 0, forgiven: 0))
        record = try #require(first.purchaseAfterReturn)
        #expect(record.pointsReversed == 25 && record.amountRefunded == Amount(integer: 50))
        ledger = first.ledger

        #expect(throws: EventProcessingError.refundExceedsPurchase(refundable: Amount(integer: 150), requested: Amount("150.01")!)) {
            try processor.process(Self.returnEvent("r2", of: "evt_p", amount: "150.01"), member: Self.member, ledger: ledger, usage: [:],
                                  returnedPurchase: record, now: Self.t0)
        }
        let second = try processor.process(Self.returnEvent("r2", of: "evt_p", amount: "150"), member: Self.member, ledger: ledger, usage: [:],
                                           returnedPurchase: record, now: Self.t0)
        #expect(second.reversal?.reversed == 75)
        record = try #require(second.purchaseAfterReturn)
        #expect(record.pointsReversed == 100 && record.amountRefunded == Amount(integer: 200))
        ledger = second.ledger
        #expect(ledger.available == 500 && ledger.lots.map(\.sourceId) == ["evt_other"])
        #expect(ledger.entries.filter { $0.kind == .reverse }.map(\.points).reduce(0, +) == 100)

        // Nothing is left to refund.
        #expect(throws: EventProcessingError.refundExceedsPurchase(refundable: .zero, requested: Amount("0.01")!)) {
            try processor.process(Self.returnEvent("r3", of: "evt_p", amount: "0.01"), member: Self.member, ledger: ledger, usage: [:],
                                  returnedPurchase: record, now: Self.t0)
        }
        #expect(throws: EventProcessingError.self) {
            try processor.process(Self.returnEvent("r4", of: "evt_p", amount: "0"), member: Self.member, ledger: ledger, usage: [:],
                                  returnedPurchase: PurchaseRecord(eventId: "evt_p", memberId: "m", total: Amount(integer: 200), pointsEarned: 100),
                                  now: Self.t0)
        }
        Fixtures.expectBooksBalance(ledger)
    }

    /// Partial returns add up exactly to what the purchase earned, whatever the rounding mode.
    @Test(arguments: [("down", [50, 51]), ("half_up", [51, 50]), ("half_even", [50, 51]), ("up", [51, 50])])
    func partialReturnsAddUpToWhatWasEarned(rounding: String, expected: [Int]) throws {
        let processor = try Self.processor(rounding: rounding)
        var ledger = MemberLedger(memberId: "m")
        ledger.earn(101, sourceId: "evt_p", earnedAt: Self.t0, availableAt: Self.t0, expiresAt: nil, now: Self.t0)
        var record = PurchaseRecord(eventId: "evt_p", memberId: "m", total: Amount(integer: 200), pointsEarned: 101)
        var reversed: [Int] = []
        for (index, amount) in ["100", "100"].enumerated() {
            let outcome = try processor.process(Self.returnEvent("r\(index)", of: "evt_p", amount: amount), member: Self.member, ledger: ledger,
                                                usage: [:], returnedPurchase: record, now: Self.t0)
            reversed.append(outcome.reversal?.reversed ?? -1)
            record = try #require(outcome.purchaseAfterReturn)
            ledger = outcome.ledger
        }
        #expect(reversed == expected && record.pointsReversed == 101 && ledger.available == 0)
    }

    @Test func roundingUpNeverTakesBackMoreThanEarned() throws {
        let processor = try Self.processor(rounding: "up")
        var ledger = MemberLedger(memberId: "m")
        ledger.earn(1, sourceId: "evt_p", earnedAt: Self.t0, availableAt: Self.t0, expiresAt: nil, now: Self.t0)
        ledger.earn(50, sourceId: "evt_o", earnedAt: Self.t0, availableAt: Self.t0, expiresAt: nil, now: Self.t0)
        var record = PurchaseRecord(eventId: "evt_p", memberId: "m", total: Amount(integer: 3), pointsEarned: 1)
        var total = 0
        for index in 0..<3 {
            let outcome = try processor.process(Self.returnEvent("r\(index)", of: "evt_p", amount: "1"), member: Self.member, ledger: ledger,
                                                usage: [:], returnedPurchase: record, now: Self.t0)
            total += outcome.reversal?.reversed ?? 0
            record = try #require(outcome.purchaseAfterReturn)
            ledger = outcome.ledger
        }
        #expect(total == 1 && record.pointsReversed == 1 && ledger.available == 50)
    }

    @Test func spentPointsComeBackAsDebtWhenTheProgramAllowsIt() throws {
        let processor = try Self.processor(returns: "{when_spent: debt, debt_limit: 30}")
        var ledger = MemberLedger(memberId: "m")
        ledger.earn(100, sourceId: "evt_p", earnedAt: Self.t0, availableAt: Self.t0, expiresAt: nil, now: Self.t0)
        try ledger.spend(90, sourceId: "redeem")
        let record = PurchaseRecord(eventId: "evt_p", memberId: "m", total: Amount(integer: 100), pointsEarned: 100)
        let outcome = try processor.process(Self.returnEvent("r", of: "evt_p", amount: "100"), member: Self.member, ledger: ledger, usage: [:],
                                            returnedPurchase: record, now: Self.t0)
        #expect(outcome.reversal == MemberLedger.Reversal(reversed: 40, intoDebt: 30, forgiven: 60))
        #expect(outcome.ledger.available == -30 && outcome.purchaseAfterReturn?.pointsReversed == 100)
        Fixtures.expectBooksBalance(outcome.ledger)
    }

    @Test func aBlockedMembersReturnStillTakesPointsBack() throws {
        let processor = try Self.processor()
        var ledger = MemberLedger(memberId: "m")
        ledger.earn(100, sourceId: "evt_p", earnedAt: Self.t0, availableAt: Self.t0, expiresAt: nil, now: Self.t0)
        let record = PurchaseRecord(eventId: "evt_p", memberId: "m", total: Amount(integer: 100), pointsEarned: 100)
        let outcome = try processor.process(Self.returnEvent("r", of: "evt_p", amount: "100"), member: MemberProfile(id: "m", status: .blocked),
                                            ledger: ledger, usage: [:], returnedPurchase: record, now: Self.t0)
        #expect(outcome.status == .processed && outcome.reversal?.reversed == 100 && outcome.ledger.available == 0)
    }

    @Test func processingSettlesTheLedgerFirst() throws {
        let processor = try Self.processor(pendingDays: 14)
        let purchase = Fixtures.purchase("evt_1", at: Self.t0, lines: [Fixtures.line("A", "10.00")])
        let first = try processor.process(purchase, member: Self.member, ledger: MemberLedger(memberId: "m"), usage: [:], returnedPurchase: nil, now: Self.t0)
        let later = Self.t0.addingTimeInterval(15 * 86_400)
        let review = LoyaltyEvent(id: "evt_2", type: "review", occurredAt: later)
        let second = try processor.process(review, member: Self.member, ledger: first.ledger, usage: [:], returnedPurchase: nil, now: later)
        #expect(second.ledger.available == 35 && second.ledger.pending == 0)
        #expect(second.ledger.entries.contains { $0.kind == .mature && $0.sourceId == "evt_2" && $0.points == 10 })
        Fixtures.expectBooksBalance(second.ledger)
    }
}
