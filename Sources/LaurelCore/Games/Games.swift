import Foundation

/// The program's games (`games:`): spin-the-wheels and raffles. See docs/program-format.md.
public struct Games: Hashable, Sendable {
    public var wheels: [WheelDefinition]
    public var raffles: [RaffleDefinition]

    public init(wheels: [WheelDefinition] = [], raffles: [RaffleDefinition] = []) {
        self.wheels = wheels
        self.raffles = raffles
    }

    public var isEmpty: Bool { wheels.isEmpty && raffles.isEmpty }
    public func wheel(_ id: String) -> WheelDefinition? { wheels.first { $0.id == id } }
    public func raffle(_ id: String) -> RaffleDefinition? { raffles.first { $0.id == id } }

    /// Most wheels (and raffles) a program may define, and most prizes on one wheel.
    public static let maxGames = 50
    public static let maxPrizes = 50
    /// Largest prize weight: weights of one wheel sum below 2^31, so their total never overflows.
    public static let maxWeight = 1_000_000
}

/// Plays a member earns by an event of a type: `{event: review, plays: 1}`.
public struct GameEarning: Hashable, Sendable {
    public var event: String
    public var count: Int
    public init(event: String, count: Int) {
        self.event = event
        self.count = count
    }
}

/// A spin-the-wheel: weighted prizes, what a spin costs, how often a member may spin.
public struct WheelDefinition: Hashable, Sendable {
    public var id: String
    public var name: String
    /// Points a spin costs when the member has no free play left; nil: spins need a play.
    public var costPoints: Int?
    /// Free plays earned by events (each stored event of the type earns `count` plays).
    public var earnedBy: [GameEarning]
    /// At most `maxPlays` spins per member in each `period` (calendar periods in the program's time zone).
    public var limit: PlayLimit?
    public var prizes: [WheelPrize]

    public init(id: String, name: String, costPoints: Int? = nil, earnedBy: [GameEarning] = [], limit: PlayLimit? = nil, prizes: [WheelPrize]) {
        self.id = id
        self.name = name
        self.costPoints = costPoints
        self.earnedBy = earnedBy
        self.limit = limit
        self.prizes = prizes
    }
}

/// Spins per member per period.
public struct PlayLimit: Hashable, Sendable {
    public var maxPlays: Int
    public var period: RuleLimit.Period
    public init(maxPlays: Int, period: RuleLimit.Period) {
        self.maxPlays = maxPlays
        self.period = period
    }
}

/// One slice of a wheel: its weight, what it gives, and how often it may be won.
public struct WheelPrize: Hashable, Sendable {
    public var id: String
    public var weight: Int
    /// Points credited when won; nil with `reward` nil: the slice gives nothing ("try again").
    public var points: Int?
    public var budget: PrizeBudget?
    /// A catalogue reward issued when won (as a gift: no points spent); exclusive with `points`.
    /// When it cannot be issued (out of stock, inactive, unknown) the spin stands as a "nothing"
    /// and says why; such a spin does not count against the prize's budget.
    public var reward: String?

    public init(id: String, weight: Int, points: Int? = nil, budget: PrizeBudget? = nil, reward: String? = nil) {
        self.id = id
        self.weight = weight
        self.points = points
        self.budget = budget
        self.reward = reward
    }
}

/// How many times a prize may be won over all members: in total and/or per calendar period.
/// When either is spent the prize's weight drops to zero until the budget opens again.
public struct PrizeBudget: Hashable, Sendable {
    public var total: Int?
    public var perPeriod: Int?
    public var period: RuleLimit.Period?
    public init(total: Int? = nil, perPeriod: Int? = nil, period: RuleLimit.Period? = nil) {
        self.total = total
        self.perPeriod = perPeriod
        self.period = period
    }
}

/// Why a wheel refused a spin; answered as a 4xx with `code`.
public enum GameRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    /// The member spun `maxPlays` times in this period already.
    case playLimitReached(wheelId: String, maxPlays: Int, period: String, nextAt: Date?)
    /// No free play left and the wheel cannot be played with points.
    case noPlays(wheelId: String)
    /// Every prize's budget is spent and the wheel has no unlimited slice.
    case wheelExhausted(wheelId: String)

    public var code: String {
        switch self {
        case .playLimitReached: "play_limit_reached"
        case .noPlays: "no_plays"
        case .wheelExhausted: "wheel_exhausted"
        }
    }

    public var description: String {
        switch self {
        case .playLimitReached(let wheel, let max, let period, let next):
            "wheel \(wheel) may be spun \(max) time\(max == 1 ? "" : "s") per \(period)" + (next.map { "; the next play opens at \(Timestamps.format($0))" } ?? "")
        case .noPlays(let wheel): "no play left on wheel \(wheel), and it cannot be played with points"
        case .wheelExhausted(let wheel): "every prize of wheel \(wheel) has spent its budget"
        }
    }
}
