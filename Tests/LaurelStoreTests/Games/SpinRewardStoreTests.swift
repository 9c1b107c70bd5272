import Foundation
import LaurelCore
import LaurelStore
import LaurelTestSupport
import Testing

/// A wheel prize that is a catalogue reward: a winning spin issues it as a gift in the spin's
/// transaction; its stock is never oversold under concurrent spins, and a spin landing on it when
/// it is out of stock gives nothing, says why and does not spend the prize's budget. On both backends.
struct SpinRewardStoreTests {
    static let program = """
        name: Games
        currency: EUR
        games:
          wheels:
            - id: mugs
              name: Mug wheel
              cost: {points: 1}
              prizes:
                - {id: mug, weight: 1000, reward: mug, budget: {total: 8}}
                - {id: nothing, weight: 1}
        """

    static let now = StoreFixture.at(hours: 1)

    static func make(_ backend: StoreBackend, stock: Int) async throws -> StoreFixture {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        _ = try await RedemptionStoreTests.reward(#"{"id": "mug", "name": "Mug", "type": "experience", "cost": 500, "stock": \#(stock)}"#,
                                                  fixture: fixture)
        return fixture
    }

    static func spin(_ fixture: StoreFixture, _ memberId: String, seed: UInt64 = 1) async throws -> SpinRecord {
        try #require(try await fixture.store.spin(programId: fixture.programId, id: Identifiers.make("spn", now: now), memberId: memberId,
                                                  wheelId: "mugs", random: RandomSource(SplitMix64(seed: seed)), now: now, idempotency: nil).value)
    }

    static func funded(_ fixture: StoreFixture, _ name: String, points: Int) async throws -> String {
        let member = try await fixture.member(name)
        _ = try await fixture.store.adjust(programId: fixture.programId, memberId: member.id, id: Identifiers.make("adj", now: now), points: points,
                                           reason: "setup", actor: "test", now: now, idempotency: nil)
        return member.id
    }

    static func allSpins(_ fixture: StoreFixture) async throws -> [SpinRecord] {
        var spins: [SpinRecord] = []
        var cursor: String?
        repeat {
            let page = try await fixture.store.spins(programId: fixture.programId, memberId: nil, limit: 500, startingAfter: cursor)
            spins += page.items
            cursor = page.hasMore ? page.items.last?.id : nil
        } while cursor != nil
        return spins
    }

    @Test(arguments: StoreBackend.available)
    func aWinningSpinIssuesTheRewardAsAGiftAndSaysSo(backend: StoreBackend) async throws {
        let fixture = try await Self.make(backend, stock: 3)
        let member = try await Self.funded(fixture, "winner", points: 1)
        let spin = try await Self.spin(fixture, member)
        #expect(spin.prizeId == "mug" && spin.points == 0 && spin.rewardId == "mug" && spin.rewardStatus == "issued")
        let redemptionId = try #require(spin.redemptionId)
        let redemption = try #require(try await fixture.store.redemption(programId: fixture.programId, id: redemptionId, now: Self.now))
        #expect(redemption.memberId == member && redemption.rewardId == "mug" && redemption.points == 0 && redemption.status == .issued)
        // The spin's cost was paid; the gift cost nothing.
        #expect(try await fixture.reload(member).available == 0)
        #expect(try await fixture.store.reward(programId: fixture.programId, id: "mug")?.stockLeft == 2)
        // Stored as drawn.
        let stored = try await fixture.store.spins(programId: fixture.programId, memberId: member, limit: 10, startingAfter: nil).items
        #expect(stored == [spin])
        let won = try await fixture.store.outbox(programId: fixture.programId, limit: 50, startingAfter: nil).items.filter { $0.type == "game.won" }
        #expect(won.count == 1)
        #expect(won.first.map { $0.payload.contains("\"redemption_id\":\"\(redemptionId)\"") && $0.payload.contains("\"reward_id\":\"mug\"") } == true)
        #expect(try await fixture.store.audit(programId: fixture.programId).isEmpty)
    }

    @Test(arguments: StoreBackend.available)
    func concurrentSpinsNeverOversellTheRewardAndTheRestSayOutOfStock(backend: StoreBackend) async throws {
        let fixture = try await Self.make(backend, stock: 5)
        var members: [String] = []
        for index in 0..<10 { members.append(try await Self.funded(fixture, "player-\(index)", points: 4)) }
        let random = RandomSource(SplitMix64(seed: 7))
        let store = fixture.store, programId = fixture.programId
        try await withThrowingTaskGroup(of: Void.self) { group in
            for spin in 0..<40 {
                let member = members[spin % members.count]
                group.addTask {
                    _ = try await store.spin(programId: programId, id: Identifiers.make("spn", now: Self.now), memberId: member, wheelId: "mugs",
                                             random: random, now: Self.now, idempotency: nil)
                }
            }
            try await group.waitForAll()
        }
        let spins = try await Self.allSpins(fixture)
        #expect(spins.count == 40)
        let issued = spins.filter { $0.rewardStatus == "issued" }
        #expect(issued.count == 5)
        #expect(issued.allSatisfy { $0.redemptionId != nil })
        #expect(Set(issued.compactMap(\.redemptionId)).count == 5)
        // Every other spin on the mug slice gave nothing and says why; the budget of 8 was never reached,
        // so the mug kept its weight.
        let empty = spins.filter { $0.prizeId == "mug" && $0.rewardStatus != "issued" }
        #expect(empty.allSatisfy { $0.rewardStatus == "out_of_stock" && $0.redemptionId == nil && $0.points == 0 })
        #expect(spins.allSatisfy { $0.weights == [1000, 1] })
        #expect(try await fixture.store.reward(programId: programId, id: "mug")?.stockLeft == 0)
        let redemptions = try await fixture.store.redemptions(programId: programId, memberId: nil, limit: 100, startingAfter: nil, now: Self.now).items
        #expect(redemptions.filter { $0.rewardId == "mug" }.count == 5)
        let won = try await fixture.store.outbox(programId: programId, limit: 500, startingAfter: nil).items.filter { $0.type == "game.won" }
        #expect(won.count == 5)
        #expect(try await store.audit(programId: programId).isEmpty)
        // Each member paid every spin.
        for member in members { #expect(try await fixture.reload(member).available == 0) }
    }

    @Test(arguments: StoreBackend.available)
    func theBudgetCountsOnlyRewardsIssued(backend: StoreBackend) async throws {
        // Stock 10 against a budget of 8: after eight mugs the slice weighs nothing and stock stays.
        let fixture = try await Self.make(backend, stock: 10)
        let member = try await Self.funded(fixture, "steady", points: 30)
        var spins: [SpinRecord] = []
        for seed in 0..<30 { spins.append(try await Self.spin(fixture, member, seed: UInt64(seed))) }
        #expect(spins.filter { $0.rewardStatus == "issued" }.count == 8)
        #expect(spins.allSatisfy { $0.prizeId == "nothing" || $0.rewardStatus == "issued" })
        #expect(spins.last?.weights == [0, 1])
        #expect(try await fixture.store.reward(programId: fixture.programId, id: "mug")?.stockLeft == 2)
    }
}
