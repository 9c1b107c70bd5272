import Foundation
import LaurelCore
import LaurelStore
import Testing

/// A tier change recorded with its event, in a program without clubs: on PostgreSQL such events
/// are written by one statement without a transaction (`EventSQL.GuardedWrite`), on SQLite in the
/// group's transaction; both must leave the same state, history and outbox message.
struct TierChangeStoreTests {
    @Test(arguments: StoreBackend.available)
    func aTierChangeIsWrittenWithItsEventHistoryAndMessage(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: TierAndClubStoreTests.tiers)
        let ana = try await fixture.member("ana")
        let ben = try await fixture.member("ben")
        // Several events before the crossing, so the later ones take the store's usual path.
        try await fixture.record(StoreFixture.purchase(total: "60", at: StoreFixture.at()), memberId: ana.id)
        try await fixture.record(StoreFixture.purchase(total: "10", at: StoreFixture.at()), memberId: ben.id)
        try await fixture.record(StoreFixture.purchase(total: "10", at: StoreFixture.at(days: 1)), memberId: ben.id)
        let crossing = try await fixture.record(StoreFixture.purchase(total: "50", at: StoreFixture.at(days: 10)), memberId: ana.id)
        #expect(crossing.outcome.tier == "gold" && crossing.outcome.tierChange?.reason == .qualified)
        #expect(crossing.points == 75) // 50 + the 25 bonus

        let reloaded = try await fixture.reload(ana.id)
        #expect(reloaded.tier.tierId == "gold" && reloaded.available + reloaded.pending == 60 + 75)
        let history = try await fixture.store.tierChanges(programId: fixture.programId, memberId: ana.id, limit: 10, startingAfter: nil).items
        #expect(history.map(\.to) == ["gold", "bronze"] && history.map(\.from) == ["bronze", nil])
        #expect(history.first?.sourceId == crossing.id && history.first?.reason == .qualified)
        let messages = try await fixture.store.outbox(programId: fixture.programId, limit: 50, startingAfter: nil).items
            .filter { $0.type == "tier.changed" && $0.memberId == ana.id }
        #expect(messages.count == 2)
        let last = try JSONDecoder().decode([String: JSONValue].self, from: Data(try #require(messages.last).payload.utf8))
        #expect(last["from"] == .string("bronze") && last["to"] == .string("gold") && last["source_id"] == .string(crossing.id))
        #expect(try await fixture.reload(ben.id).tier.tierId == "bronze")
        #expect(try await fixture.audit().isEmpty)
    }
}
