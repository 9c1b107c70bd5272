import Foundation
import LaurelCore
import LaurelStore
import Testing

/// Recording events: the event and its outcome, ledger entries, lots and cached balances, all together.
struct EventRecordingTests {
    @Test(arguments: StoreBackend.available)
    func purchaseStoresEventEntriesAndBalances(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let member = try await fixture.member("c-1")
        let event = StoreFixture.purchase(total: "42.90", at: StoreFixture.at(hours: 1), id: "evt_p1")
        let recorded = try await fixture.record(event, memberId: member.id)
        #expect(recorded.status == .processed)
        #expect(recorded.points == 42)
        #expect(recorded.type == "purchase" && recorded.programVersion == 1 && recorded.memberId == member.id)
        #expect(recorded.outcome.pointsEarned == 42 && !recorded.outcome.pending)
        #expect(recorded.outcome.balanceAfter.pair == [42, 0])
        #expect(recorded.outcome.rules.map(\.ruleId) == ["spend"])
        #expect(try await fixture.store.event(programId: fixture.programId, id: "evt_p1") == recorded)
        #expect(try await fixture.store.event(programId: "prg_other", id: "evt_p1") == nil)

        let entries = try await fixture.entries(member.id)
        #expect(entries.count == 1)
        let entry = try #require(entries.first)
        #expect(entry.entry.kind == .earn && entry.entry.from == .issued && entry.entry.to == .available(member: member.id))
        #expect(entry.entry.points == 42 && entry.entry.sourceId == "evt_p1" && entry.entry.lotId != nil)
        #expect(entry.programVersion == 1)

        let stored = try await fixture.reload(member.id)
        #expect(stored.available == 42 && stored.pending == 0 && stored.lifetimeEarned == 42)
        let summary = try await fixture.store.pointsSummary(programId: fixture.programId, memberId: member.id, now: StoreFixture.at(hours: 2),
                                                            expiringWithin: 30 * 86_400)
        #expect(summary.available == 42 && summary.pending == 0 && summary.expiring.isEmpty, "this program's points never expire")
        #expect(try await fixture.audit() == [])
    }

    @Test(arguments: StoreBackend.available)
    func namedEventsEarnByTheirRules(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let member = try await fixture.member("c-1")
        let review = try await fixture.record(StoreFixture.named("review", at: StoreFixture.at(hours: 1)), memberId: member.id)
        #expect(review.status == .processed && review.points == 10 && review.type == "review")
        // An event no rule is about is stored, and earns nothing.
        let share = try await fixture.record(StoreFixture.named("social_share", at: StoreFixture.at(hours: 2)), memberId: member.id)
        #expect(share.status == .processed && share.points == 0)
        #expect(try await fixture.store.event(programId: fixture.programId, id: share.id) == share)
        #expect(try await fixture.entries(member.id).map(\.entry.points) == [10])
        #expect(try await fixture.reload(member.id).available == 10)
        #expect(try await fixture.audit() == [])
    }

    @Test(arguments: StoreBackend.available)
    func blockedMemberPurchaseIsStoredAsRejected(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let member = try await fixture.member("c-1", status: .blocked)
        let recorded = try await fixture.record(StoreFixture.purchase(total: "100", at: StoreFixture.at(hours: 1)), memberId: member.id)
        #expect(recorded.status == .rejected)
        #expect(recorded.outcome.reason == "member_blocked")
        #expect(recorded.points == 0)
        #expect(try await fixture.store.event(programId: fixture.programId, id: recorded.id)?.status == .rejected)
        #expect(try await fixture.entries(member.id).isEmpty)
        #expect(try await fixture.reload(member.id).available == 0)
        // A rejected purchase cannot be returned.
        await #expect(throws: EventProcessingError.returnOfUnknownPurchase(recorded.id)) {
            try await fixture.record(StoreFixture.returnOf(recorded.id, amount: "10", at: StoreFixture.at(hours: 2)), memberId: member.id)
        }
        #expect(try await fixture.audit() == [])
    }

    @Test(arguments: StoreBackend.available)
    func programWithoutDefinitionRefusesEvents(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: nil)
        let member = try await fixture.member("c-1")
        await #expect(throws: StoreError.programNotConfigured(fixture.programId)) {
            try await fixture.record(StoreFixture.purchase(total: "10", at: StoreFixture.start), memberId: member.id)
        }
        await #expect(throws: StoreError.notFound("member mem_missing")) {
            try await fixture.record(StoreFixture.purchase(total: "10", at: StoreFixture.start), memberId: "mem_missing")
        }
    }

    @Test(arguments: StoreBackend.available)
    func eachEventRecordsTheVersionThatProducedIt(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let member = try await fixture.member("c-1")
        let first = try await fixture.record(StoreFixture.purchase(total: "10", at: StoreFixture.at(hours: 1)), memberId: member.id)
        try await fixture.apply(StoreFixture.basicProgram.replacingOccurrences(of: "points: 1, per: 1", with: "points: 3, per: 1"),
                                now: StoreFixture.at(hours: 2))
        let second = try await fixture.record(StoreFixture.purchase(total: "10", at: StoreFixture.at(hours: 3)), memberId: member.id)
        #expect(first.programVersion == 1 && first.points == 10)
        #expect(second.programVersion == 2 && second.points == 30)
        #expect(try await fixture.store.event(programId: fixture.programId, id: first.id)?.programVersion == 1)
        #expect(try await fixture.store.event(programId: fixture.programId, id: second.id)?.programVersion == 2)
        let versions = Dictionary(uniqueKeysWithValues: try await fixture.entries(member.id).map { ($0.entry.sourceId, $0.programVersion) })
        #expect(versions == [first.id: 1, second.id: 2])
        #expect(try await fixture.reload(member.id).available == 40)
        #expect(try await fixture.audit() == [])
    }

    @Test(arguments: StoreBackend.available)
    func purchaseInAnotherCurrencyIsRefused(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let member = try await fixture.member("c-1")
        var event = StoreFixture.purchase(total: "10", at: StoreFixture.start)
        event.purchase?.currency = "USD"
        await #expect(throws: EventProcessingError.currencyMismatch(expected: "EUR", got: "USD")) {
            try await fixture.record(event, memberId: member.id)
        }
        #expect(try await fixture.store.event(programId: fixture.programId, id: event.id) == nil)
    }
}
