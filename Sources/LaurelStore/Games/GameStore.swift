import Foundation
import LaurelCore

/// Spin-the-wheel plays: each spin is one transaction that pays (a free play or points through
/// the ledger), draws under the prize budgets, credits the prize and writes `game.won`.
public protocol GameStore: Sendable {
    /// Spins `wheelId` for the member. The draw takes `random` (the injected source); on a wheel
    /// with budgeted prizes the budgets are counted and the spin written under a per-wheel lock, so
    /// concurrent spins on any number of nodes never exceed a budget, and the member's own spins never exceed their limit.
    /// Throws `GameRefusal` (limit reached, no plays, wheel exhausted) or
    /// `LedgerError.insufficientPoints`, writing nothing.
    func spin(programId: String, id: String, memberId: String, wheelId: String, random: RandomSource, now: Date,
              idempotency: Idempotency<SpinRecord>?) async throws -> Idempotent<SpinRecord>
    /// Free plays on a wheel granted by staff or a campaign tool.
    func grantPlays(programId: String, id: String, memberId: String, wheelId: String, plays: Int, reason: String, actor: String, now: Date,
                    idempotency: Idempotency<PlayGrantRecord>?) async throws -> Idempotent<PlayGrantRecord>
    /// Spins newest first, of one member when `memberId` is set, before the spin `startingAfter`.
    func spins(programId: String, memberId: String?, limit: Int, startingAfter: String?) async throws -> Page<SpinRecord>
    /// One spin of the member, nil when the member has no spin with that id.
    func spin(programId: String, memberId: String, id: String) async throws -> SpinRecord?
    /// Each wheel of the program's current version with what the member may do with it now.
    func wheelAllowances(programId: String, memberId: String, now: Date) async throws -> [WheelAllowance]
}

/// One stored spin: what was paid, the roll and weights it was drawn with, and the prize.
public struct SpinRecord: Hashable, Sendable {
    public var id: String
    public var programId: String
    public var memberId: String
    public var wheelId: String
    public var prizeId: String
    /// Points the prize credited (0 for a "nothing" slice).
    public var points: Int
    /// `play` (a free play) or `points`.
    public var paidWith: String
    public var costPoints: Int
    public var roll: Int
    public var weights: [Int]
    public var programVersion: Int
    public var drawnAt: Date
    /// The member's available points right after the spin.
    public var availableAfter: Int
    /// The catalogue reward the prize gives (nil for a points or "nothing" prize).
    public var rewardId: String?
    /// The redemption the spin issued when the reward could be issued.
    public var redemptionId: String?
    /// `issued`, or why the reward could not be issued (`out_of_stock` — no stock or no code left —,
    /// `reward_inactive`, `unknown_reward`…): the spin then gave nothing. nil without a reward.
    public var rewardStatus: String?

    public init(id: String, programId: String, memberId: String, wheelId: String, prizeId: String, points: Int, paidWith: String, costPoints: Int,
                roll: Int, weights: [Int], programVersion: Int, drawnAt: Date, availableAfter: Int, rewardId: String? = nil,
                redemptionId: String? = nil, rewardStatus: String? = nil) {
        self.id = id
        self.programId = programId
        self.memberId = memberId
        self.wheelId = wheelId
        self.prizeId = prizeId
        self.points = points
        self.paidWith = paidWith
        self.costPoints = costPoints
        self.roll = roll
        self.weights = weights
        self.programVersion = programVersion
        self.drawnAt = drawnAt
        self.availableAfter = availableAfter
        self.rewardId = rewardId
        self.redemptionId = redemptionId
        self.rewardStatus = rewardStatus
    }

    /// The spin gave something: points, or a reward that was issued.
    public var won: Bool { points > 0 || redemptionId != nil }

    /// Records what issuing the prize's reward did.
    mutating func record(_ gift: RecordedOutcome.Gift) {
        rewardId = gift.rewardId
        redemptionId = gift.redemptionId
        rewardStatus = gift.status
    }
}

/// Free plays given to a member by staff or a campaign tool.
public struct PlayGrantRecord: Hashable, Sendable {
    public var id: String
    public var programId: String
    public var memberId: String
    public var wheelId: String
    public var plays: Int
    public var reason: String
    public var actor: String
    public var grantedAt: Date
    public init(id: String, programId: String, memberId: String, wheelId: String, plays: Int, reason: String, actor: String, grantedAt: Date) {
        self.id = id
        self.programId = programId
        self.memberId = memberId
        self.wheelId = wheelId
        self.plays = plays
        self.reason = reason
        self.actor = actor
        self.grantedAt = grantedAt
    }
}

/// What a member may do with a wheel now: free plays left, spins left in the period, the points cost.
public struct WheelAllowance: Hashable, Sendable {
    public var wheel: WheelDefinition
    /// Plays earned by events plus plays granted, less those used.
    public var freePlays: Int
    /// Spins left in the current period; nil when the wheel has no per-member limit.
    public var spinsLeftInPeriod: Int?
    public init(wheel: WheelDefinition, freePlays: Int, spinsLeftInPeriod: Int?) {
        self.wheel = wheel
        self.freePlays = freePlays
        self.spinsLeftInPeriod = spinsLeftInPeriod
    }
}

extension OutboxMessages {
    /// `game.won`: a spin landed on a prize that gave something (points, or a reward issued:
    /// `reward_id` and `redemption_id`).
    static func gameWon(_ spin: SpinRecord, now: Date) -> PendingMessage {
        message(MessageType.gameWon, now: now) { json in
            json.field("member_id", spin.memberId)
            json.field("points", spin.points)
            json.field("prize_id", spin.prizeId)
            if let redemptionId = spin.redemptionId, let rewardId = spin.rewardId {
                json.field("redemption_id", redemptionId)
                json.field("reward_id", rewardId)
            }
            json.field("spin_id", spin.id)
            json.field("wheel_id", spin.wheelId)
        }
    }
}

extension Array where Element == GameEarning {
    /// The event types these earnings count.
    var eventTypes: [String] { Set(map(\.event)).sorted() }
    /// Plays or entries earned, from the member's processed events counted by type.
    func earned(from eventCounts: [String: Int]) -> Int { reduce(0) { $0 + (eventCounts[$1.event] ?? 0) * $1.count } }
}

/// The steps of a spin both stores share, between loading the counts and writing the rows.
enum SpinPlan {
    /// The ledger source id and explanation of a spin's debit and credit.
    static func reason(wheelId: String, prizeId: String) -> String { "spin of wheel \(wheelId): prize \(prizeId)" }

    /// Pays, draws and credits on `ledger`; answers the record to store. `wins` are counted under the wheel's lock.
    static func run(_ ledger: inout MemberLedger, program: ProgramDefinition, wheel: WheelDefinition, payment: WheelDraw.Payment,
                    wins: [String: PrizeWins], random: RandomSource, id: String, programId: String, memberId: String, version: Int,
                    now: Date) throws -> SpinRecord {
        var cost = 0
        if case .points(let points) = payment {
            ledger.settle(now: now)
            try ledger.spend(points, sourceId: id)
            cost = points
        }
        var source = random
        let outcome = try WheelDraw.draw(wheel, wins: wins, using: &source)
        if let points = outcome.prize.points {
            guard ledger.canCredit(points) else { throw LedgerError.totalOutOfRange }
            ledger.earn(points, sourceId: id, earnedAt: now, availableAt: now,
                        expiresAt: program.expiry.expiryDate(earnedAt: now, calendar: program.calendar), now: now)
        }
        return SpinRecord(id: id, programId: programId, memberId: memberId, wheelId: wheel.id, prizeId: outcome.prize.id,
                          points: outcome.prize.points ?? 0, paidWith: cost > 0 ? "points" : "play", costPoints: cost, roll: outcome.roll,
                          weights: outcome.weights, programVersion: version, drawnAt: now, availableAfter: ledger.available)
    }

    static func weightsText(_ weights: [Int]) -> String { weights.map(String.init).joined(separator: ",") }
    static func weights(_ text: String) -> [Int] { text.split(separator: ",").compactMap { Int($0) } }
}
