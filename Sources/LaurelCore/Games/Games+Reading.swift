import Foundation

/// Reads the `games:` section of a program file (see docs/program-format.md), reporting every
/// problem with its path.
struct GamesReader {
    let reader: DefinitionReader
    let timeZone: TimeZone

    func read(_ value: JSONValue, at path: String) -> Games? {
        guard let object = reader.object(value, at: path, allowed: ["wheels", "raffles"]) else { return nil }
        var games = Games()
        var ids: [String: String] = [:]
        for (item, itemPath) in object.list("wheels", max: Games.maxGames) ?? [] {
            if let wheel = readWheel(item, at: itemPath, ids: &ids) { games.wheels.append(wheel) }
        }
        for (item, itemPath) in object.list("raffles", max: Games.maxGames) ?? [] {
            if let raffle = readRaffle(item, at: itemPath, ids: &ids) { games.raffles.append(raffle) }
        }
        return games
    }

    private func readRaffle(_ value: JSONValue, at path: String, ids: inout [String: String]) -> RaffleDefinition? {
        guard let object = reader.object(value, at: path, allowed: ["id", "name", "entries", "draw_at", "winners", "prize"]) else { return nil }
        let id = object.identifier(unique: &ids, what: "game")
        let name = object.string("name", required: true)
        let drawAt = object.date("draw_at", timeZone: timeZone)
        if !object.has("draw_at") { object.missing("draw_at") }
        let winners = object.int("winners", required: true, min: 1, max: 10_000)
        var costPoints: Int?
        var earnedBy: [GameEarning] = []
        var maxPerMember: Int?
        if let entries = reader.object(object.value("entries"), at: object.pathOf("entries"), allowed: ["cost_points", "earned_by", "max_per_member"]) {
            costPoints = entries.int("cost_points", min: 1)
            earnedBy = readEarnings(entries, key: "earned_by", countKey: "entries")
            maxPerMember = entries.int("max_per_member", min: 1, max: 1_000_000)
            if !entries.has("cost_points") && !entries.has("earned_by") { reader.report(entries.path, "needs cost_points, earned_by or both") }
        } else if !object.has("entries") {
            object.missing("entries")
        }
        var prizePoints: Int?
        if let prize = reader.object(object.value("prize"), at: object.pathOf("prize"), allowed: ["points"]) {
            prizePoints = prize.int("points", required: true, min: 1)
        }
        guard let id, let name, let drawAt, let winners else { return nil }
        return RaffleDefinition(id: id, name: name, entryCostPoints: costPoints, earnedBy: earnedBy, maxEntriesPerMember: maxPerMember,
                                drawAt: drawAt, winners: winners, prizePoints: prizePoints)
    }

    private func readWheel(_ value: JSONValue, at path: String, ids: inout [String: String]) -> WheelDefinition? {
        guard let object = reader.object(value, at: path, allowed: ["id", "name", "cost", "plays", "prizes"]) else { return nil }
        let id = object.identifier(unique: &ids, what: "game")
        let name = object.string("name", required: true)
        var costPoints: Int?
        if let cost = reader.object(object.value("cost"), at: object.pathOf("cost"), allowed: ["points"]) {
            costPoints = cost.int("points", required: true, min: 1)
        }
        var earnedBy: [GameEarning] = []
        var limit: PlayLimit?
        if let plays = reader.object(object.value("plays"), at: object.pathOf("plays"), allowed: ["earned_by", "per_member"]) {
            earnedBy = readEarnings(plays, key: "earned_by", countKey: "plays")
            if let perMember = reader.object(plays.value("per_member"), at: plays.pathOf("per_member"), allowed: ["max", "period"]) {
                let max = perMember.int("max", required: true, min: 1, max: 1_000_000)
                let period = perMember.choice("period", RuleLimit.Period.self, required: true)
                if let max, let period { limit = PlayLimit(maxPlays: max, period: period) }
            }
        }
        if costPoints == nil && earnedBy.isEmpty {
            reader.report(path, "needs a cost (cost.points) or plays earned by events (plays.earned_by); plays can also be granted through the API")
        }
        var prizes: [WheelPrize] = []
        var prizeIds = Set<String>()
        for (item, itemPath) in object.list("prizes", required: true, max: Games.maxPrizes) ?? [] {
            guard let prize = reader.object(item, at: itemPath, allowed: ["id", "weight", "points", "budget", "reward"]) else { continue }
            guard let prizeId = prize.string("id", required: true) else { continue }
            if !prizeIds.insert(prizeId).inserted { reader.report(prize.pathOf("id"), "duplicate prize id \"\(prizeId)\""); continue }
            guard let weight = prize.int("weight", required: true, min: 0, max: Games.maxWeight) else { continue }
            let points = prize.int("points", min: 1)
            if prize.has("points") && points == nil { continue }
            let reward = prize.string("reward")
            if prize.has("reward") && reward == nil { continue }
            if points != nil && reward != nil { reader.report(prize.pathOf("reward"), "a prize gives points or a reward, not both"); continue }
            var budget: PrizeBudget?
            if let object = reader.object(prize.value("budget"), at: prize.pathOf("budget"), allowed: ["total", "per_period", "period"]) {
                let total = object.int("total", min: 0, max: 1_000_000_000)
                let perPeriod = object.int("per_period", min: 0, max: 1_000_000_000)
                let period = object.choice("period", RuleLimit.Period.self)
                if object.has("per_period") != object.has("period") { reader.report(object.path, "per_period and period go together") }
                if !object.has("total") && !object.has("per_period") { reader.report(object.path, "needs total, per_period (with period) or both") }
                budget = PrizeBudget(total: total, perPeriod: perPeriod, period: period)
            }
            prizes.append(WheelPrize(id: prizeId, weight: weight, points: points, budget: budget, reward: reward))
        }
        if object.has("prizes"), prizes.allSatisfy({ $0.weight == 0 }) { reader.report(object.pathOf("prizes"), "needs at least one prize with a weight above 0") }
        guard let id, let name else { return nil }
        return WheelDefinition(id: id, name: name, costPoints: costPoints, earnedBy: earnedBy, limit: limit, prizes: prizes)
    }

    /// `earned_by`: one `{event: review, plays: 1}` or a list of them.
    private func readEarnings(_ object: ObjectReader, key: String, countKey: String) -> [GameEarning] {
        guard let value = object.value(key) else { return [] }
        let items: [(JSONValue, String)]
        if case .object = value { items = [(value, object.pathOf(key))] } else { items = object.list(key, max: 20) ?? [] }
        var earnings: [GameEarning] = []
        for (item, path) in items {
            guard let earning = reader.object(item, at: path, allowed: ["event", countKey]) else { continue }
            let event = earning.string("event", required: true)
            let count = earning.int(countKey, required: true, min: 1, max: 1_000)
            if let event, let count {
                if earnings.contains(where: { $0.event == event }) { reader.report(earning.pathOf("event"), "event \"\(event)\" is listed twice"); continue }
                earnings.append(GameEarning(event: event, count: count))
            }
        }
        return earnings
    }
}

extension Games {
    /// The section as the program file writes it; reading it back gives equal games.
    public var canonicalTree: JSONValue {
        var tree: [String: JSONValue] = [:]
        if !wheels.isEmpty { tree["wheels"] = .array(wheels.map(\.canonicalTree)) }
        if !raffles.isEmpty { tree["raffles"] = .array(raffles.map(\.canonicalTree)) }
        return .object(tree)
    }
}

extension GameEarning {
    func canonicalTree(countKey: String) -> JSONValue { .object(["event": .string(event), countKey: .number(String(count))]) }
}

extension WheelDefinition {
    public var canonicalTree: JSONValue {
        var tree: [String: JSONValue] = ["id": .string(id), "name": .string(name)]
        if let costPoints { tree["cost"] = .object(["points": .number(String(costPoints))]) }
        var plays: [String: JSONValue] = [:]
        if !earnedBy.isEmpty { plays["earned_by"] = .array(earnedBy.map { $0.canonicalTree(countKey: "plays") }) }
        if let limit { plays["per_member"] = .object(["max": .number(String(limit.maxPlays)), "period": .string(limit.period.rawValue)]) }
        if !plays.isEmpty { tree["plays"] = .object(plays) }
        tree["prizes"] = .array(prizes.map { prize in
            var item: [String: JSONValue] = ["id": .string(prize.id), "weight": .number(String(prize.weight))]
            if let points = prize.points { item["points"] = .number(String(points)) }
            if let budget = prize.budget {
                var budgetTree: [String: JSONValue] = [:]
                if let total = budget.total { budgetTree["total"] = .number(String(total)) }
                if let perPeriod = budget.perPeriod { budgetTree["per_period"] = .number(String(perPeriod)) }
                if let period = budget.period { budgetTree["period"] = .string(period.rawValue) }
                item["budget"] = .object(budgetTree)
            }
            if let reward = prize.reward { item["reward"] = .string(reward) }
            return .object(item)
        })
        return .object(tree)
    }
}

extension RaffleDefinition {
    public var canonicalTree: JSONValue {
        var tree: [String: JSONValue] = ["id": .string(id), "name": .string(name), "draw_at": .string(Timestamps.format(drawAt)),
                                         "winners": .number(String(winners))]
        var entries: [String: JSONValue] = [:]
        if let entryCostPoints { entries["cost_points"] = .number(String(entryCostPoints)) }
        if !earnedBy.isEmpty { entries["earned_by"] = .array(earnedBy.map { $0.canonicalTree(countKey: "entries") }) }
        if let maxEntriesPerMember { entries["max_per_member"] = .number(String(maxEntriesPerMember)) }
        tree["entries"] = .object(entries)
        if let prizePoints { tree["prize"] = .object(["points": .number(String(prizePoints))]) }
        return .object(tree)
    }
}
