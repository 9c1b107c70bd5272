import Foundation

/// Reads the `punch_cards:` list of a program file (see docs/program-format.md).
struct PunchCardReader {
    let reader: DefinitionReader
    let rules: EarningRuleReader

    func readAll(_ items: [(JSONValue, String)]) -> [PunchCard] {
        var cards: [PunchCard] = []
        var ids: [String: String] = [:]
        for (item, path) in items {
            if let card = read(item, at: path, ids: &ids) { cards.append(card) }
        }
        return cards
    }

    private func read(_ value: JSONValue, at path: String, ids: inout [String: String]) -> PunchCard? {
        let allowed: Set<String> = ["id", "name", "stamps", "products", "min_amount", "stamp_expiry_days", "points", "reward", "on_return"]
        guard let object = reader.object(value, at: path, allowed: allowed) else { return nil }
        let id = object.identifier(unique: &ids, what: "punch card")
        let name = object.string("name") ?? id
        let stamps = object.int("stamps", required: true, min: 1, max: PunchCard.maxStamps)
        let products = object.value("products").flatMap { rules.readFilter($0, at: object.pathOf("products")) }
        let minAmount = object.amount("min_amount", positive: true)
        let expiry = object.int("stamp_expiry_days", min: 1, max: 3650)
        let points = object.int("points", min: 1)
        let reward = object.string("reward")
        if !object.has("points") && !object.has("reward") { reader.report(path, "needs points, reward or both") }
        let onReturn = object.choice("on_return", PunchCard.OnReturn.self) ?? .revoke
        guard let id, let name, let stamps else { return nil }
        return PunchCard(id: id, name: name, stamps: stamps, products: products, minAmount: minAmount, stampExpiryDays: expiry, points: points,
                         reward: reward, onReturn: onReturn)
    }
}

extension PunchCard {
    /// The card as the program file writes it; reading it back gives an equal card.
    public var canonicalTree: JSONValue {
        var tree: [String: JSONValue] = ["id": .string(id), "name": .string(name), "stamps": .number(String(stamps)),
                                         "on_return": .string(onReturn.rawValue)]
        if let products { tree["products"] = products.canonicalTree }
        if let minAmount { tree["min_amount"] = .string(minAmount.description) }
        if let stampExpiryDays { tree["stamp_expiry_days"] = .number(String(stampExpiryDays)) }
        if let points { tree["points"] = .number(String(points)) }
        if let reward { tree["reward"] = .string(reward) }
        return .object(tree)
    }
}
