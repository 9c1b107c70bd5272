import Foundation
import LaurelCore
import LaurelStore

/// The analytics of one program and period as the API returns them and the dashboard draws them:
/// the store's integer figures, with every day of the range present, tiers in the program's order,
/// rewards named, and the ratios and money made exactly from the integers (docs/api.md, Analytics).
struct AnalyticsReport: Encodable, Sendable {
    var from: String
    var to: String
    var timeZone: String
    var members: Members?
    var points: Points?
    var tiers: Tiers?
    var rewards: Rewards?
    var purchases: Purchases?

    enum CodingKeys: String, CodingKey { case from, to, timeZone = "time_zone", members, points, tiers, rewards, purchases }

    struct Members: Encodable, Sendable {
        var total: Int
        var new: Int
        var active: Int
        var activeDays = AnalyticsPeriod.activeDays
        enum CodingKeys: String, CodingKey { case total, new, active, activeDays = "active_days" }
    }

    struct Movements: Encodable, Sendable {
        var issued = 0, earned = 0, credited = 0, spent = 0, restored = 0, expired = 0, reversed = 0, debited = 0

        init() {}
        init(_ day: DayPoints) {
            issued = day.issued; earned = day.earned; credited = day.credited; spent = day.spent
            restored = day.restored; expired = day.expired; reversed = day.reversed; debited = day.debited
        }

        static func + (lhs: Movements, rhs: Movements) -> Movements {
            var sum = lhs
            // Saturating: a year of a busy program's days may add up past 64 bits (see `addingSaturated`).
            sum.issued = sum.issued.addingSaturated(rhs.issued); sum.earned = sum.earned.addingSaturated(rhs.earned)
            sum.credited = sum.credited.addingSaturated(rhs.credited); sum.spent = sum.spent.addingSaturated(rhs.spent)
            sum.restored = sum.restored.addingSaturated(rhs.restored); sum.expired = sum.expired.addingSaturated(rhs.expired)
            sum.reversed = sum.reversed.addingSaturated(rhs.reversed); sum.debited = sum.debited.addingSaturated(rhs.debited)
            return sum
        }
    }

    struct Day: Encodable, Sendable {
        var date: String
        var movements: Movements
        enum CodingKeys: String, CodingKey { case date }
        func encode(to encoder: any Encoder) throws {
            try movements.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(date, forKey: .date)
        }
    }

    struct Outstanding: Encodable, Sendable {
        var available: Int
        var pending: Int
        var debt: Int
        var total: Int
        var liability: String
        var currency: String
        var pointValue: String
        enum CodingKeys: String, CodingKey { case available, pending, debt, total, liability, currency, pointValue = "point_value" }
    }

    struct Points: Encodable, Sendable {
        var days: [Day]
        var totals: Movements
        var outstanding: Outstanding
        var redemptionRate: Nullable<String>
        var breakageRate: Nullable<String>
        enum CodingKeys: String, CodingKey { case days, totals, outstanding, redemptionRate = "redemption_rate", breakageRate = "breakage_rate" }
    }

    struct TierCount: Encodable, Sendable {
        var tier: Nullable<String>
        var name: Nullable<String>
        var members: Int
    }

    struct TierMovement: Encodable, Sendable {
        var from: Nullable<String>
        var to: Nullable<String>
        var direction: String
        var members: Int
    }

    struct Tiers: Encodable, Sendable {
        var distribution: [TierCount]
        var movements: [TierMovement]
        var upgrades: Int
        var downgrades: Int
    }

    struct RewardCount: Encodable, Sendable {
        var rewardId: String
        var name: String
        var redemptions: Int
        var points: Int
        enum CodingKeys: String, CodingKey { case rewardId = "reward_id", name, redemptions, points }
    }

    struct UnredeemedReward: Encodable, Sendable {
        var rewardId: String
        var name: String
        enum CodingKeys: String, CodingKey { case rewardId = "reward_id", name }
    }

    struct Rewards: Encodable, Sendable {
        var redemptions: Int
        var points: Int
        var top: [RewardCount]
        var unredeemed: [UnredeemedReward]
    }

    struct Purchases: Encodable, Sendable {
        var purchases: Int
        var buyers: Int
        var repeatBuyers: Int
        var repeatRate: Nullable<String>
        enum CodingKeys: String, CodingKey { case purchases, buyers, repeatBuyers = "repeat_buyers", repeatRate = "repeat_rate" }
    }

    /// How many rewards `top` lists.
    static let topRewards = 10
}

extension AnalyticsReport {
    /// Why a report cannot be made: the liability does not fit Laurel's money bounds.
    struct LiabilityOutOfRange: Error {}

    init(period: AnalyticsPeriod, program: ProgramDefinition, catalogue: [RewardRecord], figures: AnalyticsFigures) throws {
        from = AnalyticsPeriod.label(period.firstDay)
        to = AnalyticsPeriod.label(period.lastDay)
        timeZone = program.timeZone
        members = figures.members.map { Members(total: $0.total, new: $0.new, active: $0.active) }
        points = try figures.points.map { try Self.points($0, period: period, program: program) }
        tiers = figures.tiers.map { Self.tiers($0, policy: program.tiers) }
        rewards = figures.rewards.map { Self.rewards($0, catalogue: catalogue) }
        purchases = figures.purchases.map {
            Purchases(purchases: $0.purchases, buyers: $0.buyers, repeatBuyers: $0.repeatBuyers, repeatRate: Nullable(Ratio.text($0.repeatBuyers, over: $0.buyers)))
        }
    }

    static func points(_ figures: PointFigures, period: AnalyticsPeriod, program: ProgramDefinition) throws -> Points {
        let moved = Dictionary(uniqueKeysWithValues: figures.days.map { ($0.day, Movements($0)) })
        let days = (period.firstDay...period.lastDay).map { Day(date: AnalyticsPeriod.label($0), movements: moved[$0] ?? Movements()) }
        let totals = days.reduce(Movements()) { $0 + $1.movements }
        let total = figures.available + figures.pending
        let (units, overflow) = program.pointValue.units.multipliedReportingOverflow(by: Int64(total))
        guard !overflow else { throw LiabilityOutOfRange() }
        let outstanding = Outstanding(available: figures.available, pending: figures.pending, debt: figures.debt, total: total,
                                      liability: Amount(units: units).description, currency: program.currency,
                                      pointValue: program.pointValue.description)
        return Points(days: days, totals: totals, outstanding: outstanding,
                      redemptionRate: Nullable(Ratio.text(totals.spent - totals.restored, over: totals.issued)),
                      breakageRate: Nullable(Ratio.text(totals.expired, over: totals.issued)))
    }

    /// No tier first, then the program's tiers lowest first (empty ones too), then tiers members
    /// still hold that the program no longer defines.
    static func tiers(_ figures: TierFigures, policy: TierPolicy?) -> Tiers {
        let levels = policy?.levels ?? []
        var distribution: [TierCount] = []
        if let none = figures.members[nil] ?? (levels.isEmpty ? nil : 0) {
            distribution.append(TierCount(tier: Nullable(nil), name: Nullable(nil), members: none))
        }
        for level in levels { distribution.append(TierCount(tier: Nullable(level.id), name: Nullable(level.name), members: figures.members[level.id] ?? 0)) }
        let retired = figures.members.keys.compactMap { $0 }.filter { id in !levels.contains { $0.id == id } }.sorted()
        for id in retired { distribution.append(TierCount(tier: Nullable(id), name: Nullable(nil), members: figures.members[id] ?? 0)) }
        func rank(_ id: String?) -> Int { id.flatMap { id in levels.firstIndex { $0.id == id } } ?? -1 }
        let movements = figures.moves.map { move in
            let direction = rank(move.to) > rank(move.from) ? "up" : rank(move.to) < rank(move.from) ? "down" : "same"
            return TierMovement(from: Nullable(move.from), to: Nullable(move.to), direction: direction, members: move.count)
        }.sorted { ($0.members, $1.from.value ?? "", $1.to.value ?? "") > ($1.members, $0.from.value ?? "", $0.to.value ?? "") }
        return Tiers(distribution: distribution, movements: movements,
                     upgrades: movements.filter { $0.direction == "up" }.reduce(0) { $0.addingSaturated($1.members) },
                     downgrades: movements.filter { $0.direction == "down" }.reduce(0) { $0.addingSaturated($1.members) })
    }

    /// The most redeemed first (then the most points, then by id); rewards of the catalogue with no
    /// redemption in the period by id.
    static func rewards(_ figures: [RewardFigure], catalogue: [RewardRecord]) -> Rewards {
        let names = Dictionary(catalogue.map { ($0.reward.id, $0.reward.name) }, uniquingKeysWith: { first, _ in first })
        let ranked = figures.sorted { ($0.redemptions, $0.points, $1.rewardId) > ($1.redemptions, $1.points, $0.rewardId) }
        let redeemed = Set(figures.map(\.rewardId))
        return Rewards(redemptions: figures.reduce(0) { $0.addingSaturated($1.redemptions) }, points: figures.reduce(0) { $0.addingSaturated($1.points) },
                       top: ranked.prefix(topRewards).map { RewardCount(rewardId: $0.rewardId, name: names[$0.rewardId] ?? $0.rewardId,
                                                                        redemptions: $0.redemptions, points: $0.points) },
                       unredeemed: catalogue.filter { !redeemed.contains($0.reward.id) }.sorted { $0.reward.id < $1.reward.id }
                           .map { UnredeemedReward(rewardId: $0.reward.id, name: $0.reward.name) })
    }
}
