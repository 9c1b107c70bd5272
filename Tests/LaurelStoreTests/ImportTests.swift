import Foundation
import LaurelCore
import LaurelStore
import Testing

/// Historical events imported in batches land exactly as if sent one by one; refused ones leave nothing behind.
struct ImportTests {
    @Test(arguments: StoreBackend.available)
    func importedEventsMatchEventsSentOneByOne(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let ana = try await fixture.member("ana")
        let purchase = StoreFixture.purchase(total: "40", at: StoreFixture.at(days: -30))
        func imported(_ event: LoyaltyEvent, _ member: ImportedEvent.Member) -> ImportedEvent {
            ImportedEvent(member: member, event: event) { StoreFixture.payload(event, memberId: $0) }
        }
        let events = [
            imported(purchase, .externalId("ana")),
            imported(StoreFixture.named("review", at: StoreFixture.at(days: -29)), .id(ana.id)),
            imported(StoreFixture.named("review", at: StoreFixture.at(days: -29)), .externalId("nobody")),
            imported(StoreFixture.returnOf("evt_missing", amount: "5", at: StoreFixture.at(days: -28)), .id(ana.id)),
            imported(StoreFixture.returnOf(purchase.id, amount: "10", at: StoreFixture.at(days: -28)), .id(ana.id)),
        ]
        let results = try await fixture.store.importEvents(programId: fixture.programId, events: events, now: StoreFixture.at())
        #expect(results.count == 5)
        #expect(results[0] == .recorded(eventId: purchase.id, points: 40))
        #expect(results[1] == .recorded(eventId: events[1].event.id, points: 10))
        guard case .refused(let unknownMember) = results[2], case .refused(let unknownPurchase) = results[3] else {
            Issue.record("refusals expected, got \(results)")
            return
        }
        #expect(unknownMember.contains("nobody") && unknownPurchase.contains("evt_missing"))
        #expect(results[4] == .recorded(eventId: events[4].event.id, points: 10))
        #expect(try await fixture.reload(ana.id).available == 40)
        #expect(try await fixture.store.event(programId: fixture.programId, id: events[2].event.id) == nil)
        #expect(try await fixture.audit().isEmpty)
    }
}
