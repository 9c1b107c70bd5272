import Foundation
import LaurelCore
import LaurelStore
import LaurelTestSupport
import Testing

/// Raffles in the store: the draw is recomputable from the published seed and the entry list, no
/// member wins twice, concurrent draws draw once, entries after the draw time are refused. On both backends.
struct RaffleStoreTests {
    static let program = """
        name: Raffles
        currency: EUR
        earning_rules:
          - id: review
            event: review
            effect: {type: fixed_points, points: 5}
        games:
          raffles:
            - id: summer
              name: Summer draw
              entries:
                cost_points: 10
                earned_by: {event: review, entries: 1}
                max_per_member: 5
              draw_at: "2026-03-05T18:00:00Z"
              winners: 3
              prize: {points: 500}
        """

    static let before = Timestamps.parse("2026-03-04T12:00:00Z")!
    static let drawTime = Timestamps.parse("2026-03-05T18:00:00Z")!

    func enter(_ fixture: StoreFixture, _ memberId: String, now: Date = before) async throws -> RaffleEntryRecord {
        try #require(try await fixture.store.enterRaffle(programId: fixture.programId, id: Identifiers.make("ent", now: now), raffleId: "summer",
                                                         memberId: memberId, random: RandomSource(SplitMix64(seed: 3)), now: now,
                                                         idempotency: nil).value)
    }

    /// Eight members with 1 to 5 entries each (paid with points).
    func entrants(_ fixture: StoreFixture) async throws -> [String] {
        var members: [String] = []
        for index in 0..<8 {
            let member = try await fixture.member("entrant-\(index)")
            _ = try await fixture.store.adjust(programId: fixture.programId, memberId: member.id, id: Identifiers.make("adj"), points: 100,
                                               reason: "setup", actor: "test", now: Self.before, idempotency: nil)
            for _ in 0...(index % 5) { _ = try await enter(fixture, member.id) }
            members.append(member.id)
        }
        return members
    }

    @Test(arguments: StoreBackend.available)
    func theDrawIsRecomputableFromThePublishedSeedAndNoMemberWinsTwice(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let random = RandomSource(SplitMix64(seed: 9))
        // Reading the raffle writes nothing: no seed, so no commitment, before the first entry…
        let unseen = try await fixture.store.raffle(programId: fixture.programId, raffleId: "summer")
        #expect(unseen.commitment == nil && unseen.seed == nil && unseen.entries == 0)
        #expect(try await fixture.store.raffle(programId: fixture.programId, raffleId: "summer").commitment == nil)
        let first = try await fixture.member("first")
        _ = try await fixture.store.adjust(programId: fixture.programId, memberId: first.id, id: Identifiers.make("adj"), points: 100,
                                           reason: "setup", actor: "test", now: Self.before, idempotency: nil)
        _ = try await enter(fixture, first.id)
        // …which makes it, in its own transaction: the commitment is published with the first entry.
        let published = try await fixture.store.raffle(programId: fixture.programId, raffleId: "summer")
        let commitment = try #require(published.commitment)
        #expect(published.seed == nil && commitment.count == 64 && published.entries == 1)
        let members = try await entrants(fixture)
        #expect(try await fixture.store.raffle(programId: fixture.programId, raffleId: "summer").commitment == commitment)
        let drawn = try #require(try await fixture.store.drawRaffle(programId: fixture.programId, raffleId: "summer", random: random,
                                                                   now: Self.drawTime, idempotency: nil).value)
        let seed = try #require(drawn.seed)
        // The commitment published before the entries is the seed's hash…
        #expect(RaffleDraw.commitment(seed: seed) == commitment && drawn.commitment == commitment && drawn.entries == 22)
        // …and the winners follow from the seed and the entry list anyone can read, a page at a time.
        let firstPage = try await fixture.store.raffleEntries(programId: fixture.programId, raffleId: "summer", limit: 15, startingAfter: nil)
        let secondPage = try await fixture.store.raffleEntries(programId: fixture.programId, raffleId: "summer", limit: 15,
                                                               startingAfter: firstPage.entries.items.last?.id)
        #expect(firstPage.commitment == commitment && firstPage.entries.hasMore && firstPage.entries.items.count == 15)
        #expect(!secondPage.entries.hasMore && secondPage.entries.items.count == 7)
        let entries = firstPage.entries.items + secondPage.entries.items
        // entrant i holds i % 5 + 1: 1, 2, 3, 4, 5, 1, 2, 3; and the first member's one
        #expect(entries.count == 22 && entries.map(\.id) == entries.map(\.id).sorted() && Set(entries.map(\.id)).count == 22)
        let recomputed = RaffleDraw.winners(entries: entries.map { RaffleDraw.Entry(id: $0.id, memberId: $0.memberId) }, count: 3, seed: seed)
        #expect(drawn.winners == recomputed && drawn.winners.count == 3)
        #expect(Set(drawn.winners.map(\.memberId)).count == 3)
        // Winners are credited and told; the others are not.
        for member in members {
            let won = drawn.winners.contains { $0.memberId == member }
            let paid = 10 * ((members.firstIndex(of: member) ?? 0) % 5 + 1)
            #expect(try await fixture.reload(member).available == 100 - paid + (won ? 500 : 0))
        }
        let messages = try await fixture.store.outbox(programId: fixture.programId, limit: 500, startingAfter: nil).items.filter { $0.type == "raffle.won" }
        #expect(Set(messages.compactMap(\.memberId)) == Set(drawn.winners.map(\.memberId)))
        #expect(try await fixture.store.drawnRaffles(programId: fixture.programId) == ["summer"])
        #expect(try await fixture.store.audit(programId: fixture.programId).isEmpty)
    }

    @Test(arguments: StoreBackend.available)
    func concurrentDrawsDrawOnceAndEntriesAfterTheDrawTimeAreRefused(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        _ = try await entrants(fixture)
        let late = try await fixture.member("late")
        await #expect(throws: RaffleRefusal.closed(raffleId: "summer")) { _ = try await enter(fixture, late.id, now: Self.drawTime) }
        await #expect(throws: RaffleRefusal.notDue(raffleId: "summer", drawAt: Self.drawTime)) {
            _ = try await fixture.store.drawRaffle(programId: fixture.programId, raffleId: "summer", random: RandomSource(SplitMix64(seed: 1)),
                                                   now: Self.before, idempotency: nil)
        }
        let store = fixture.store, programId = fixture.programId
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for attempt in 0..<8 {
                group.addTask {
                    do {
                        _ = try await store.drawRaffle(programId: programId, raffleId: "summer", random: RandomSource(SplitMix64(seed: UInt64(attempt))),
                                                       now: Self.drawTime, idempotency: nil)
                        return true
                    } catch RaffleRefusal.alreadyDrawn {
                        return false
                    }
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        let messages = try await store.outbox(programId: programId, limit: 500, startingAfter: nil).items.filter { $0.type == "raffle.won" }
        #expect(messages.count == 3)
        await #expect(throws: RaffleRefusal.closed(raffleId: "summer")) { _ = try await enter(fixture, late.id, now: Self.before) }
    }

    @Test(arguments: StoreBackend.available)
    func anEarnedEntryIsUsedBeforePointsAndTheLimitHolds(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let member = try await fixture.member("reviewer")
        _ = try await fixture.store.recordEvent(programId: fixture.programId, memberId: member.id, event: StoreFixture.named("review", at: Self.before),
                                                payload: "{}", now: Self.before, idempotency: nil)
        #expect(try await enter(fixture, member.id).paidWith == "earned")
        await #expect(throws: LedgerError.insufficientPoints(available: 5, requested: 10)) { _ = try await enter(fixture, member.id) }
        _ = try await fixture.store.adjust(programId: fixture.programId, memberId: member.id, id: Identifiers.make("adj"), points: 100,
                                           reason: "setup", actor: "test", now: Self.before, idempotency: nil)
        for _ in 0..<4 { #expect(try await enter(fixture, member.id).paidWith == "points") }
        await #expect(throws: RaffleRefusal.entryLimitReached(raffleId: "summer", maxEntries: 5)) { _ = try await enter(fixture, member.id) }
        #expect(try await fixture.store.raffleEntries(programId: fixture.programId, memberId: member.id, limit: 50, startingAfter: nil).items.count == 5)
    }
}
