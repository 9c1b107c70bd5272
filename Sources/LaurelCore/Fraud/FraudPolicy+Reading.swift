import Foundation

/// Reads the `fraud:` section of a program file (see docs/program-format.md), reporting every
/// problem with its path.
struct FraudReader {
    let reader: DefinitionReader

    func read(_ value: JSONValue, at path: String) -> FraudPolicy? {
        guard let object = reader.object(value, at: path, allowed: ["hold", "earning_caps", "redemption_caps", "flag_refund_after_redeem"]) else {
            return nil
        }
        var policy = FraudPolicy(flagRefundAfterRedeem: object.bool("flag_refund_after_redeem") ?? true)
        if let hold = reader.object(object.value("hold"), at: object.pathOf("hold"), allowed: ["amount_over", "points_over"]) {
            policy.hold = HoldThresholds(amountOver: hold.amount("amount_over", nonNegative: true), pointsOver: hold.int("points_over", min: 0))
            if !hold.has("amount_over") && !hold.has("points_over") { reader.report(hold.path, "needs amount_over, points_over or both") }
        }
        var ids: [String: String] = [:]
        for (item, itemPath) in object.list("earning_caps", max: FraudPolicy.maxCaps) ?? [] {
            if let cap = readCap(item, at: itemPath, earning: true, ids: &ids) { policy.earningCaps.append(cap) }
        }
        for (item, itemPath) in object.list("redemption_caps", max: FraudPolicy.maxCaps) ?? [] {
            if let cap = readCap(item, at: itemPath, earning: false, ids: &ids) { policy.redemptionCaps.append(cap) }
        }
        return policy
    }

    private func readCap(_ value: JSONValue, at path: String, earning: Bool, ids: inout [String: String]) -> VelocityCap? {
        let countKey = earning ? "max_events" : "max_redemptions"
        var allowed: Set<String> = ["id", "per", "period", "window", countKey, "max_points"]
        if earning { allowed.formUnion(["max_amount", "events"]) }
        guard let object = reader.object(value, at: path, allowed: allowed) else { return nil }
        let id = object.identifier(unique: &ids, what: "cap")
        let per = object.choice("per", FraudDimension.self, required: true)
        if per == .store && !earning { reader.report(object.pathOf("per"), "redemptions have no store; use member or api_key") }
        let period = object.choice("period", FraudWindow.Period.self, required: true)
        let kind = object.choice("window", FraudWindow.Kind.self) ?? .calendar
        let maxCount = object.int(countKey, min: 1, max: 1_000_000_000)
        let maxPoints = object.int("max_points", min: 1)
        let maxAmount = earning ? object.amount("max_amount", positive: true) : nil
        if !object.has(countKey) && !object.has("max_points") && !object.has("max_amount") {
            reader.report(path, earning ? "needs max_events, max_points or max_amount" : "needs max_redemptions, max_points or both")
        }
        var types: Set<String>?
        if earning, let names = object.strings("events") {
            if names.isEmpty { reader.report(object.pathOf("events"), "must name at least one event type (leave it out to count all but returns)") }
            types = Set(names)
        }
        guard let id, let per, let period else { return nil }
        return VelocityCap(id: id, per: per, window: FraudWindow(period: period, kind: kind), maxCount: maxCount, maxPoints: maxPoints,
                           maxAmount: maxAmount, eventTypes: types)
    }
}

extension FraudPolicy {
    /// The section as the program file writes it; reading it back gives an equal policy.
    public var canonicalTree: JSONValue {
        var tree: [String: JSONValue] = ["flag_refund_after_redeem": .bool(flagRefundAfterRedeem)]
        var holdTree: [String: JSONValue] = [:]
        if let amount = hold.amountOver { holdTree["amount_over"] = .string(amount.description) }
        if let points = hold.pointsOver { holdTree["points_over"] = .number(String(points)) }
        if !holdTree.isEmpty { tree["hold"] = .object(holdTree) }
        if !earningCaps.isEmpty { tree["earning_caps"] = .array(earningCaps.map { $0.canonicalTree(countKey: "max_events") }) }
        if !redemptionCaps.isEmpty { tree["redemption_caps"] = .array(redemptionCaps.map { $0.canonicalTree(countKey: "max_redemptions") }) }
        return .object(tree)
    }
}

extension VelocityCap {
    func canonicalTree(countKey: String) -> JSONValue {
        var tree: [String: JSONValue] = ["id": .string(id), "per": .string(per.rawValue), "period": .string(window.period.rawValue),
                                         "window": .string(window.kind.rawValue)]
        if let maxCount { tree[countKey] = .number(String(maxCount)) }
        if let maxPoints { tree["max_points"] = .number(String(maxPoints)) }
        if let maxAmount { tree["max_amount"] = .string(maxAmount.description) }
        if let eventTypes { tree["events"] = .array(eventTypes.sorted().map(JSONValue.string)) }
        return .object(tree)
    }
}
