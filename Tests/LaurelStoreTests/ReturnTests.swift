import Foundation
import LaurelCore
import LaurelStore
import Testing

/// Returns take back what their purchase earned, in proportion to the refund, and never more.
struct ReturnTests {
    /// Rounds up, so partial returns would overshoot without the cap; a 50-point bonus on baskets of 100 euros or more.
    static let program = """
        name: Returns
        currency: EUR
        rounding: up
        points:
          returns: {when_spent: debt, debt_limit: 20}
        earning_rules:
          - id: spend
            event: purchase
            effect: {type: points_per_amount, points: 1, per: 1}
          - id: big-basket
            event: purchase
            conditions:
              - {field: event.total, op: gte, value: 100}
            effect: {type: fixed_points, points: 50}
        """

    @Test(arguments: StoreBackend.available)
    func partialReturnsTakeBackNoMoreThanEarned(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let member = try await fixture.member("c-1")
        let purchase = try await fixture.record(StoreFixture.purchase(total: "100.00", at: StoreFixture.at(hours: 1)), memberId: member.id)
        #expect(purchase.points == 150)

        var reversed: [Int] = []
        for (index, amount) in ["33.33", "33.33", "33.33", "0.01"].enumerated() {
            let event = StoreFixture.returnOf(purchase.id, amount: amount, at: StoreFixture.at(hours: 2 + Double(index)))
            let recorded = try await fixture.record(event, memberId: member.id)
            #expect(recorded.status == .processed)
            let reversal = try #require(recorded.outcome.reversal)
            #expect(reversal.intoDebt == 0 && reversal.forgiven == 0)
            #expect(recorded.points == reversal.reversed)
            reversed.append(reversal.reversed)
            #expect(reversed.reduce(0, +) <= 150, "returns took back more than the purchase earned: \(reversed)")
            #expect(try await fixture.audit() == [])
        }
        #expect(reversed == [50, 50, 50, 0])
        #expect(try await fixture.reload(member.id).available == 0)
        #expect(try await fixture.balancesFromEntries(member.id) == (0, 0))
        // Everything was refunded: nothing is left to return.
        await #expect(throws: EventProcessingError.refundExceedsPurchase(refundable: .zero, requested: Amount("0.01")!)) {
            try await fixture.record(StoreFixture.returnOf(purchase.id, amount: "0.01", at: StoreFixture.at(hours: 9)), memberId: member.id)
        }
    }

    @Test(arguments: StoreBackend.available)
    func refundStateOfThePurchaseIsKept(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let member = try await fixture.member("c-1")
        let purchase = try await fixture.record(StoreFixture.purchase(total: "80.00", at: StoreFixture.at(hours: 1)), memberId: member.id)
        #expect(purchase.points == 80)
        let first = try await fixture.record(StoreFixture.returnOf(purchase.id, amount: "30.00", at: StoreFixture.at(hours: 2)), memberId: member.id)
        #expect(first.outcome.reversal?.reversed == 30)
        // The second return sees what the first refunded.
        await #expect(throws: EventProcessingError.refundExceedsPurchase(refundable: Amount("50.00")!, requested: Amount("50.01")!)) {
            try await fixture.record(StoreFixture.returnOf(purchase.id, amount: "50.01", at: StoreFixture.at(hours: 3)), memberId: member.id)
        }
        let second = try await fixture.record(StoreFixture.returnOf(purchase.id, amount: "50.00", at: StoreFixture.at(hours: 4)), memberId: member.id)
        #expect(second.outcome.reversal?.reversed == 50)
        #expect(try await fixture.reload(member.id).available == 0)
        #expect(try await fixture.audit() == [])
    }

    @Test(arguments: StoreBackend.available)
    func returnAfterSpendingTakesOtherPointsThenDebtUpToItsLimit(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let member = try await fixture.member("c-1")
        let purchase = try await fixture.record(StoreFixture.purchase(total: "100.00", at: StoreFixture.at(hours: 1)), memberId: member.id)
        _ = try await fixture.store.adjust(programId: fixture.programId, memberId: member.id, id: "adj_spend", points: -140, reason: "spent",
                                           actor: "staff", now: StoreFixture.at(hours: 2), idempotency: nil)
        let returned = try await fixture.record(StoreFixture.returnOf(purchase.id, amount: "100.00", at: StoreFixture.at(hours: 3)), memberId: member.id)
        let reversal = try #require(returned.outcome.reversal)
        #expect(reversal.reversed == 30 && reversal.intoDebt == 20 && reversal.forgiven == 120)
        var stored = try await fixture.reload(member.id)
        #expect(stored.available == -20 && stored.debt == 20)
        #expect(try await fixture.balancesFromEntries(member.id).available == -20)
        #expect(try await fixture.audit() == [])

        // New points pay the debt first.
        let next = try await fixture.record(StoreFixture.purchase(total: "30.00", at: StoreFixture.at(hours: 4)), memberId: member.id)
        #expect(next.points == 30)
        stored = try await fixture.reload(member.id)
        #expect(stored.available == 10 && stored.debt == 0)
        #expect(try await fixture.balancesFromEntries(member.id).available == 10)
        #expect(try await fixture.audit() == [])
    }

    @Test(arguments: StoreBackend.available)
    func anotherMembersPurchaseCannotBeReturned(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let owner = try await fixture.member("c-1")
        let stranger = try await fixture.member("c-2")
        let purchase = try await fixture.record(StoreFixture.purchase(total: "20.00", at: StoreFixture.at(hours: 1)), memberId: owner.id)
        await #expect(throws: EventProcessingError.returnOfUnknownPurchase(purchase.id)) {
            try await fixture.record(StoreFixture.returnOf(purchase.id, amount: "5", at: StoreFixture.at(hours: 2)), memberId: stranger.id)
        }
        #expect(try await fixture.reload(owner.id).available == 20)
        #expect(try await fixture.audit() == [])
    }
}
