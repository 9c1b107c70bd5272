import Foundation
import LaurelCore
import LaurelStore
import LaurelTestSupport
import Testing

/// Spins in the store: a prize budget holds under concurrent spins, plays earned by events are used
/// before points, a spin the member cannot pay writes nothing. On both backends.
struct SpinStoreTests {
    static let program = """
        name: Games
        currency: EUR
        earning_rules:
          - id: review
            event: review
            effect: {type: fixed_points, points: 5}
        games:
          wheels:
            - id: lucky
              name: Lucky wheel
              cost: {points: 1}
              plays:
                earned_by: {event: review, plays: 1}
              prizes:
                - {id: jackpot, weight: 1000, points: 100, budget: {total: 10}}
                - {id: nothing, weight: 1}
        """

    static let now = StoreFixture.at(hours: 1)

    func spin(_ fixture: StoreFixture, _ memberId: String, seed: UInt64 = 1, now: Date = now) async throws -> SpinRecord {
        try #require(try await fixture.store.spin(programId: fixture.programId, id: Identifiers.make("spn", now: now), memberId: memberId,
                                                  wheelId: "lucky", random: RandomSource(SplitMix64(seed: seed)), now: now, idempotency: nil).value)
    }

    func fund(_ fixture: StoreFixture, _ memberId: String, _ points: Int) async throws {
        _ = try await fixture.store.adjust(programId: fixture.programId, memberId: memberId, id: Identifiers.make("adj", now: Self.now), points: points,
                                           reason: "setup", actor: "test", now: Self.now, idempotency: nil)
    }

    @Test(arguments: StoreBackend.available)
    func twoHundredConcurrentSpinsWinABudgetOfTenExactlyTenTimes(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        var members: [String] = []
        for index in 0..<20 {
            let member = try await fixture.member("player-\(index)")
            try await fund(fixture, member.id, 10)
            members.append(member.id)
        }
        let random = RandomSource(SplitMix64(seed: 42))
        let store = fixture.store, programId = fixture.programId
        try await withThrowingTaskGroup(of: Void.self) { group in
            for spin in 0..<200 {
                let member = members[spin % members.count]
                group.addTask {
                    _ = try await store.spin(programId: programId, id: Identifiers.make("spn", now: Self.now), memberId: member, wheelId: "lucky",
                                             random: random, now: Self.now, idempotency: nil)
                }
            }
            try await group.waitForAll()
        }
        var spins: [SpinRecord] = []
        var cursor: String?
        repeat {
            let page = try await store.spins(programId: programId, memberId: nil, limit: 500, startingAfter: cursor)
            spins += page.items
            cursor = page.hasMore ? page.items.last?.id : nil
        } while cursor != nil
        #expect(spins.count == 200)
        #expect(spins.filter { $0.prizeId == "jackpot" }.count == 10)
        // Once spent, the jackpot weighed nothing.
        #expect(spins.filter { $0.prizeId == "nothing" }.allSatisfy { $0.weights == [0, 1] })
        let won = try await fixture.store.outbox(programId: programId, limit: 500, startingAfter: nil).items.filter { $0.type == "game.won" }
        #expect(won.count == 10)
        #expect(try await store.audit(programId: programId).isEmpty)
        // Each member paid 10 points and kept what they won.
        let total = try await members.asyncMap { try await fixture.reload($0).available }.reduce(0, +)
        #expect(total == 10 * 100)
    }

    @Test(arguments: StoreBackend.available)
    func aPlayEarnedByAnEventIsUsedBeforePoints(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let member = try await fixture.member("reviewer")
        _ = try await fixture.store.recordEvent(programId: fixture.programId, memberId: member.id,
                                                event: StoreFixture.named("review", at: StoreFixture.start),
                                                payload: "{}", now: StoreFixture.start, idempotency: nil)
        let first = try await spin(fixture, member.id)
        #expect(first.paidWith == "play" && first.costPoints == 0)
        let second = try await spin(fixture, member.id)
        #expect(second.paidWith == "points" && second.costPoints == 1)
        let allowances = try await fixture.store.wheelAllowances(programId: fixture.programId, memberId: member.id, now: Self.now)
        #expect(allowances.map(\.freePlays) == [0])
        #expect(try await fixture.store.audit(programId: fixture.programId).isEmpty)
    }

    @Test(arguments: StoreBackend.available)
    func aSpinWithoutPlaysOrPointsWritesNothing(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let member = try await fixture.member("broke")
        await #expect(throws: LedgerError.insufficientPoints(available: 0, requested: 1)) { _ = try await spin(fixture, member.id) }
        #expect(try await fixture.store.spins(programId: fixture.programId, memberId: member.id, limit: 10, startingAfter: nil).items.isEmpty)
        #expect(try await fixture.reload(member.id).available == 0)
        #expect(try await fixture.store.outbox(programId: fixture.programId, limit: 50, startingAfter: nil).items.allSatisfy { $0.type != "game.won" })
    }
}

extension Array {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
