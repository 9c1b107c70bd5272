import Foundation
import Testing
import LaurelCore
import LaurelTestSupport

/// The pure wheel: draws follow the weights, budgets are never exceeded, a spin's payment and the
/// plays-per-period limit.
struct WheelDrawTests {
    static let wheel = WheelDefinition(id: "lucky", name: "Lucky", costPoints: 50, limit: PlayLimit(maxPlays: 3, period: .day), prizes: [
        WheelPrize(id: "jackpot", weight: 5, points: 1_000, budget: PrizeBudget(total: 10)),
        WheelPrize(id: "daily", weight: 100, points: 100, budget: PrizeBudget(perPeriod: 7, period: .day)),
        WheelPrize(id: "small", weight: 300, points: 10),
        WheelPrize(id: "nothing", weight: 595),
    ])

    static var utc: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }

    @Test func budgetsHoldOver100000SeededSpins() throws {
        var random = SplitMix64(seed: 2026)
        var wins: [String: PrizeWins] = [:]
        var totals: [String: Int] = [:]
        var day = 0
        for spin in 0..<100_000 {
            // 1,000 spins a day: the daily budget reopens each day, the total one never.
            if spin / 1_000 != day {
                day = spin / 1_000
                for id in wins.keys { wins[id]?.inPeriod = 0 }
            }
            let outcome = try WheelDraw.draw(Self.wheel, wins: wins, using: &random)
            wins[outcome.prize.id, default: PrizeWins()].total += 1
            wins[outcome.prize.id, default: PrizeWins()].inPeriod += 1
            totals[outcome.prize.id, default: 0] += 1
            #expect((wins["jackpot"]?.total ?? 0) <= 10)
            #expect((wins["daily"]?.inPeriod ?? 0) <= 7)
        }
        #expect(totals["jackpot"] == 10)
        #expect(totals["daily"] == 7 * 100)
        #expect((totals["small"] ?? 0) + (totals["nothing"] ?? 0) == 100_000 - 10 - 700)
    }

    /// Pearson's chi-square of the observed slices against the weights, at a fixed seed: below the
    /// 0.1 % critical value for 3 degrees of freedom (16.27).
    @Test func frequenciesMatchTheWeights() throws {
        let wheel = WheelDefinition(id: "w", name: "W", costPoints: 1, prizes: [
            WheelPrize(id: "a", weight: 1, points: 500), WheelPrize(id: "b", weight: 9, points: 50),
            WheelPrize(id: "c", weight: 30, points: 5), WheelPrize(id: "d", weight: 60),
        ])
        var random = SplitMix64(seed: 7)
        var counts = [String: Int]()
        let spins = 100_000
        for _ in 0..<spins { counts[try WheelDraw.draw(wheel, wins: [:], using: &random).prize.id, default: 0] += 1 }
        let chiSquare = wheel.prizes.reduce(0.0) { sum, prize in
            let expected = Double(spins) * Double(prize.weight) / 100
            let observed = Double(counts[prize.id] ?? 0)
            return sum + (observed - expected) * (observed - expected) / expected
        }
        #expect(chiSquare < 16.27, "chi-square \(chiSquare), counts \(counts)")
        // And a wheel whose weights were swapped would fail it: the test can tell.
        let swapped = wheel.prizes.reduce(0.0) { sum, prize in
            let expected = Double(spins) * Double(prize.id == "a" ? 9 : prize.id == "b" ? 1 : prize.weight) / 100
            let observed = Double(counts[prize.id] ?? 0)
            return sum + (observed - expected) * (observed - expected) / expected
        }
        #expect(swapped > 16.27)
    }

    @Test func aSpentBudgetWeighsZeroAndAnAllSpentWheelRefuses() throws {
        let wheel = WheelDefinition(id: "w", name: "W", costPoints: 1, prizes: [
            WheelPrize(id: "a", weight: 3, points: 5, budget: PrizeBudget(total: 1)),
            WheelPrize(id: "b", weight: 2, points: 5, budget: PrizeBudget(perPeriod: 2, period: .week)),
        ])
        #expect(WheelDraw.effectiveWeights(wheel, wins: [:]) == [3, 2])
        #expect(WheelDraw.effectiveWeights(wheel, wins: ["a": PrizeWins(total: 1, inPeriod: 0)]) == [0, 2])
        #expect(WheelDraw.effectiveWeights(wheel, wins: ["b": PrizeWins(total: 9, inPeriod: 1)]) == [3, 2])
        let spent = ["a": PrizeWins(total: 1, inPeriod: 1), "b": PrizeWins(total: 5, inPeriod: 2)]
        var random = SplitMix64(seed: 1)
        #expect(throws: GameRefusal.wheelExhausted(wheelId: "w")) { try WheelDraw.draw(wheel, wins: spent, using: &random) }
    }

    /// Slices lie end to end in prize order; a spent prize's slice is empty, so roll 0 falls in the
    /// next one. (A source that always answers 0 cannot drive `draw`: the standard library's
    /// unbiased reduction rejects it forever, and the test hung the whole suite.)
    @Test func theRollPicksTheSliceItFallsIn() throws {
        let weights = WheelDraw.effectiveWeights(Self.wheel, wins: ["jackpot": PrizeWins(total: 10)])
        #expect(weights == [0, 100, 300, 595])
        let prizes = Self.wheel.prizes.map(\.id)
        for (roll, prize) in [(0, "daily"), (99, "daily"), (100, "small"), (399, "small"), (400, "nothing"), (994, "nothing")] {
            #expect(WheelDraw.slice(of: roll, weights: weights).map { prizes[$0] } == prize, "roll \(roll)")
        }
        #expect(WheelDraw.slice(of: 995, weights: weights) == nil)
        #expect(WheelDraw.slice(of: 4, weights: WheelDraw.effectiveWeights(Self.wheel, wins: [:])).map { prizes[$0] } == "jackpot")
    }

    @Test func paymentUsesFreePlaysFirstThenPointsAndHoldsTheLimit() throws {
        let now = Date(timeIntervalSince1970: 1_780_000_000)
        #expect(try WheelDraw.payment(Self.wheel, earnedPlays: 2, playsUsed: 1, spinsInPeriod: 0, now: now, calendar: Self.utc) == .play)
        #expect(try WheelDraw.payment(Self.wheel, earnedPlays: 1, playsUsed: 1, spinsInPeriod: 2, now: now, calendar: Self.utc) == .points(50))
        let refusal = try #require(throws: GameRefusal.self) {
            try WheelDraw.payment(Self.wheel, earnedPlays: 5, playsUsed: 0, spinsInPeriod: 3, now: now, calendar: Self.utc)
        }
        #expect(refusal.code == "play_limit_reached")
        // The limit's day ends at the next UTC midnight.
        if case .playLimitReached(_, _, _, let next) = refusal {
            #expect(next == Self.utc.startOfDay(for: now).addingTimeInterval(86_400))
        }
        var free = Self.wheel
        free.costPoints = nil
        #expect(throws: GameRefusal.noPlays(wheelId: "lucky")) {
            try WheelDraw.payment(free, earnedPlays: 1, playsUsed: 1, spinsInPeriod: 0, now: now, calendar: Self.utc)
        }
    }
}
