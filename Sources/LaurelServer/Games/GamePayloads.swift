import Foundation
import LaurelCore
import LaurelStore

/// A spin as the API shows it: the prize, how it was paid, the draw's roll and weights (for
/// audit), and the member's available points after it.
struct SpinView: Encodable {
    struct Prize: Encodable {
        var id: String
        var points: Int
        /// A reward prize: the reward, `issued` with its redemption, or why it could not be issued.
        var reward: PrizeReward?
    }
    struct PrizeReward: Encodable {
        var id: String
        var status: String
        var redemptionId: String?
        enum CodingKeys: String, CodingKey { case id, status, redemptionId = "redemption_id" }
    }
    struct Balance: Encodable { var available: Int }
    var id: String
    var object = "spin"
    var memberId: String
    var wheelId: String
    var prize: Prize
    var paidWith: String
    var costPoints: Int
    var roll: Int
    var weights: [Int]
    var programVersion: Int
    var drawnAt: String
    var balance: Balance

    enum CodingKeys: String, CodingKey {
        case id, object, memberId = "member_id", wheelId = "wheel_id", prize, paidWith = "paid_with", costPoints = "cost_points", roll, weights
        case programVersion = "program_version", drawnAt = "drawn_at", balance
    }

    init(_ record: SpinRecord) {
        id = record.id
        memberId = record.memberId
        wheelId = record.wheelId
        prize = Prize(id: record.prizeId, points: record.points,
                      reward: record.rewardId.map { PrizeReward(id: $0, status: record.rewardStatus ?? "issued", redemptionId: record.redemptionId) })
        paidWith = record.paidWith
        costPoints = record.costPoints
        roll = record.roll
        weights = record.weights
        programVersion = record.programVersion
        drawnAt = Timestamps.format(record.drawnAt)
        balance = Balance(available: record.availableAfter)
    }
}

/// `POST /v1/members/{id}/games/{wheel_id}/plays`.
struct PlayGrantBody: Decodable {
    var plays: Int
    var reason: String
}

struct PlayGrantView: Encodable {
    var id: String
    var object = "play_grant"
    var memberId: String
    var wheelId: String
    var plays: Int
    var reason: String
    var actor: String
    var grantedAt: String

    enum CodingKeys: String, CodingKey {
        case id, object, memberId = "member_id", wheelId = "wheel_id", plays, reason, actor, grantedAt = "granted_at"
    }

    init(_ record: PlayGrantRecord) {
        id = record.id
        memberId = record.memberId
        wheelId = record.wheelId
        plays = record.plays
        reason = record.reason
        actor = record.actor
        grantedAt = Timestamps.format(record.grantedAt)
    }
}

/// A wheel as a member sees it: its prizes, what a spin costs and what they have left.
struct WheelView: Encodable {
    struct Prize: Encodable {
        var id: String
        var weight: Int
        var points: Int?
        var reward: String?
    }
    var id: String
    var object = "wheel"
    var name: String
    var costPoints: Int?
    var freePlays: Int
    var spinsLeftInPeriod: Int?
    var prizes: [Prize]

    enum CodingKeys: String, CodingKey {
        case id, object, name, costPoints = "cost_points", freePlays = "free_plays", spinsLeftInPeriod = "spins_left_in_period", prizes
    }

    init(_ allowance: WheelAllowance) {
        id = allowance.wheel.id
        name = allowance.wheel.name
        costPoints = allowance.wheel.costPoints
        freePlays = allowance.freePlays
        spinsLeftInPeriod = allowance.spinsLeftInPeriod
        prizes = allowance.wheel.prizes.map { Prize(id: $0.id, weight: $0.weight, points: $0.points, reward: $0.reward) }
    }
}
