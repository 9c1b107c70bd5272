import Foundation
import LaurelCore
import LaurelStore
import Testing

/// Creating a reward is one insert that refuses a taken id: of concurrent creates of one id exactly
/// one succeeds and its definition is the one kept; replacing is `putReward`'s job.
struct RewardCreationTests {
    static func reward(_ name: String, cost: Int, fixture: StoreFixture) async throws -> Reward {
        let program = try #require(try await fixture.store.programVersion(programId: fixture.programId, version: nil)).definition
        return try Reward.read(try ProgramSourceParser.parse(#"{"id": "mug", "name": "\#(name)", "type": "experience", "cost": \#(cost), "stock": 5}"#),
                               program: program)
    }

    @Test(arguments: StoreBackend.available)
    func concurrentCreatesOfOneIdLetExactlyOneWin(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: RedemptionStoreTests.program)
        var rewards: [Reward] = []
        for index in 0..<10 { rewards.append(try await Self.reward("Mug \(index)", cost: 100 + index, fixture: fixture)) }
        let outcomes = await withTaskGroup(of: (Int, Result<RewardRecord, any Error>).self) { group in
            for (index, reward) in rewards.enumerated() {
                group.addTask {
                    do {
                        let created = try await fixture.store.createReward(programId: fixture.programId, reward: reward, now: StoreFixture.start,
                                                                           idempotency: nil)
                        return (index, .success(try #require(created.value)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let winners = outcomes.compactMap { outcome -> (Int, RewardRecord)? in
            if case .success(let record) = outcome.1 { return (outcome.0, record) } else { return nil }
        }
        #expect(winners.count == 1)
        for case (_, .failure(let error)) in outcomes { #expect(error as? StoreError == .rewardExists("mug")) }
        let stored = try #require(try await fixture.store.reward(programId: fixture.programId, id: "mug"))
        let winner = try #require(winners.first)
        #expect(stored.reward.name == "Mug \(winner.0)" && stored.reward == winner.1.reward)
        #expect(stored.stockLeft == 5)
    }

    @Test(arguments: StoreBackend.available)
    func aCreateNeverReplacesWhileAPutDoes(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: RedemptionStoreTests.program)
        let first = try await Self.reward("Mug", cost: 100, fixture: fixture)
        let second = try await Self.reward("Big mug", cost: 200, fixture: fixture)
        _ = try await fixture.store.createReward(programId: fixture.programId, reward: first, now: StoreFixture.start, idempotency: nil)
        await #expect(throws: StoreError.rewardExists("mug")) {
            _ = try await fixture.store.createReward(programId: fixture.programId, reward: second, now: StoreFixture.at(hours: 1), idempotency: nil)
        }
        #expect(try await fixture.store.reward(programId: fixture.programId, id: "mug")?.reward.name == "Mug")
        let replaced = try await fixture.store.putReward(programId: fixture.programId, reward: second, now: StoreFixture.at(hours: 2))
        #expect(replaced.reward.name == "Big mug" && replaced.createdAt == StoreFixture.start)
    }

    @Test(arguments: StoreBackend.available)
    func theCatalogueHoldsAtMostTheMaximumNumberOfRewards(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: RedemptionStoreTests.program)
        var reward = try await Self.reward("Mug", cost: 100, fixture: fixture)
        for index in 0..<Reward.maxPerProgram {
            reward.id = "r\(index)"
            _ = try await fixture.store.createReward(programId: fixture.programId, reward: reward, now: StoreFixture.start, idempotency: nil)
        }
        reward.id = "one-too-many"
        await #expect(throws: StoreError.catalogueFull(Reward.maxPerProgram)) {
            _ = try await fixture.store.createReward(programId: fixture.programId, reward: reward, now: StoreFixture.start, idempotency: nil)
        }
        await #expect(throws: StoreError.catalogueFull(Reward.maxPerProgram)) {
            _ = try await fixture.store.putReward(programId: fixture.programId, reward: reward, now: StoreFixture.start)
        }
        // A full catalogue still takes replacements of what it holds.
        reward.id = "r0"
        reward.name = "Big mug"
        #expect(try await fixture.store.putReward(programId: fixture.programId, reward: reward, now: StoreFixture.start).reward.name == "Big mug")
        #expect(try await fixture.store.rewards(programId: fixture.programId).count == Reward.maxPerProgram)
    }
}
