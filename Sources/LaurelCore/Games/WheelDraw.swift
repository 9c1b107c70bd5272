import Foundation

/// Times each prize of a wheel was won, over all members: in total and in the current period of
/// the prize's budget. What the store counts before a draw.
public struct PrizeWins: Hashable, Sendable {
    public var total: Int
    public var inPeriod: Int
    public init(total: Int = 0, inPeriod: Int = 0) {
        self.total = total
        self.inPeriod = inPeriod
    }
}

/// One draw of a wheel: which slice, the roll that chose it and the weights it was drawn against
/// (spent budgets at zero), so the draw can be audited afterwards.
public struct WheelOutcome: Hashable, Sendable {
    public var prize: WheelPrize
    /// A uniform integer in `0..<weights.sum()`; the prize is the slice whose cumulative weight range holds it.
    public var roll: Int
    public var weights: [Int]
}

/// The pure spin-the-wheel: weighted draw under prize budgets, and what a spin costs.
public enum WheelDraw {
    /// Each prize's weight, or zero when its total budget or its budget for the current period is spent.
    public static func effectiveWeights(_ wheel: WheelDefinition, wins: [String: PrizeWins]) -> [Int] {
        wheel.prizes.map { prize in
            guard let budget = prize.budget else { return prize.weight }
            let won = wins[prize.id] ?? PrizeWins()
            if let total = budget.total, won.total >= total { return 0 }
            if let perPeriod = budget.perPeriod, won.inPeriod >= perPeriod { return 0 }
            return prize.weight
        }
    }

    /// Draws a prize with probability weight / total weight among those whose budget is not spent.
    /// `random` is the injected source: `SystemRandomNumberGenerator` live, a seeded one in tests.
    public static func draw<G: RandomNumberGenerator>(_ wheel: WheelDefinition, wins: [String: PrizeWins],
                                                      using random: inout G) throws(GameRefusal) -> WheelOutcome {
        let weights = effectiveWeights(wheel, wins: wins)
        // Weights are at most `Games.maxWeight` and prizes at most `Games.maxPrizes`: no overflow.
        let total = weights.reduce(0, +)
        guard total > 0 else { throw .wheelExhausted(wheelId: wheel.id) }
        let roll = Int.random(in: 0..<total, using: &random)
        // Unreachable nil: roll < total, the last slice's upper bound.
        guard let index = slice(of: roll, weights: weights) else { throw .wheelExhausted(wheelId: wheel.id) }
        return WheelOutcome(prize: wheel.prizes[index], roll: roll, weights: weights)
    }

    /// The prize whose slice `roll` falls in: slices lie end to end in prize order, each as wide as
    /// its weight (a spent prize's is empty). nil when `roll` is past the last.
    public static func slice(of roll: Int, weights: [Int]) -> Int? {
        var upper = 0
        for (index, weight) in weights.enumerated() {
            upper += weight
            if roll < upper { return index }
        }
        return nil
    }

    /// How a spin is paid: a free play, or points.
    public enum Payment: Hashable, Sendable {
        case play
        case points(Int)
    }

    /// How the member pays for the next spin: a free play when they have one left (`earnedPlays`
    /// from events and grants, `playsUsed` spins already paid with plays), else the wheel's points
    /// cost. Refuses when the member spun `limit.maxPlays` times in the period (`spinsInPeriod`).
    public static func payment(_ wheel: WheelDefinition, earnedPlays: Int, playsUsed: Int, spinsInPeriod: Int,
                               now: Date, calendar: Calendar) throws(GameRefusal) -> Payment {
        if let limit = wheel.limit, spinsInPeriod >= limit.maxPlays {
            let next = RuleLimit(maxTimes: limit.maxPlays, period: limit.period).interval(containing: now, calendar: calendar).to
            throw .playLimitReached(wheelId: wheel.id, maxPlays: limit.maxPlays, period: limit.period.rawValue,
                                    nextAt: next == .distantFuture ? nil : next)
        }
        if earnedPlays > playsUsed { return .play }
        guard let cost = wheel.costPoints else { throw .noPlays(wheelId: wheel.id) }
        return .points(cost)
    }

    /// The start of the period a limit or budget counts in (nil: since ever).
    public static func periodStart(_ period: RuleLimit.Period?, now: Date, calendar: Calendar) -> Date? {
        guard let period else { return nil }
        return RuleLimit(maxTimes: 1, period: period).interval(containing: now, calendar: calendar).from
    }
}
