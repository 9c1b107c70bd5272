import Foundation

/// Reads the `referrals:` section of a program file (see docs/program-format.md), reporting every
/// problem with its path.
struct ReferralReader {
    let reader: DefinitionReader

    func read(_ value: JSONValue, at path: String) -> ReferralPolicy? {
        guard let object = reader.object(value, at: path, allowed: ["link", "fingerprints", "cap", "pending_days", "rewards"]) else { return nil }
        var policy = ReferralPolicy()
        if let link = object.string("link") {
            if !link.contains(ReferralPolicy.codePlaceholder) {
                reader.report(object.pathOf("link"), "must contain \(ReferralPolicy.codePlaceholder), where the member's code goes")
            } else if link.count > 500 {
                reader.report(object.pathOf("link"), "must be at most 500 characters")
            } else {
                policy.link = link
            }
        }
        if let names = object.strings("fingerprints") {
            if names.count > ReferralPolicy.maxFingerprints {
                reader.report(object.pathOf("fingerprints"), "names \(names.count) attributes; at most \(ReferralPolicy.maxFingerprints) are allowed")
            }
            for name in names where !policy.fingerprints.contains(name) { policy.fingerprints.append(name) }
        }
        if let cap = reader.object(object.value("cap"), at: object.pathOf("cap"), allowed: ["max_referrals", "period", "window"]) {
            let max = cap.int("max_referrals", required: true, min: 1, max: 1_000_000)
            let period = cap.choice("period", RuleLimit.Period.self, required: true)
            let window = cap.choice("window", RuleLimit.Window.self) ?? .calendar
            if let max, let period { policy.cap = ReferralCap(maxReferrals: max, period: period, window: window) }
        }
        policy.pendingDays = object.int("pending_days", min: 0, max: 3650)
        var ids: [String: String] = [:]
        for (item, itemPath) in object.list("rewards", max: ReferralPolicy.maxRewards) ?? [] {
            if let reward = readReward(item, at: itemPath, ids: &ids) { policy.rewards.append(reward) }
        }
        return policy
    }

    private func readReward(_ value: JSONValue, at path: String, ids: inout [String: String]) -> ReferralReward? {
        guard let object = reader.object(value, at: path, allowed: ["id", "on", "min_amount", "days", "max_times", "referrer", "friend"]) else {
            return nil
        }
        let id = object.identifier(unique: &ids, what: "referral reward")
        enum On: String, CaseIterable { case enrolled, first_purchase, purchase }
        let on = object.choice("on", On.self, required: true)
        let minAmount = object.amount("min_amount", positive: true)
        let days = object.int("days", min: 1, max: 3650)
        let maxTimes = object.int("max_times", min: 1, max: 1_000_000)
        var trigger: ReferralTrigger?
        switch on {
        case .enrolled?:
            for key in ["min_amount", "days", "max_times"] where object.has(key) { reader.report(object.pathOf(key), "does not apply to on: enrolled") }
            trigger = .enrolled
        case .first_purchase?:
            for key in ["days", "max_times"] where object.has(key) { reader.report(object.pathOf(key), "does not apply to on: first_purchase") }
            trigger = .firstPurchase(minAmount: minAmount)
        case .purchase?:
            if !object.has("days") { object.missing("days") }
            trigger = days.map { ReferralTrigger.purchases(days: $0, maxTimes: maxTimes, minAmount: minAmount) }
        case nil:
            break
        }
        let referrer = object.value("referrer").flatMap { readGift($0, at: object.pathOf("referrer")) }
        let friend = object.value("friend").flatMap { readGift($0, at: object.pathOf("friend")) }
        if !object.has("referrer") && !object.has("friend") { reader.report(path, "needs referrer, friend or both") }
        guard let id, let trigger else { return nil }
        return ReferralReward(id: id, trigger: trigger, referrer: referrer, friend: friend)
    }

    private func readGift(_ value: JSONValue, at path: String) -> ReferralGift? {
        guard let object = reader.object(value, at: path, allowed: ["points", "reward"]) else { return nil }
        let gift = ReferralGift(points: object.int("points", min: 1), reward: object.string("reward"))
        if !object.has("points") && !object.has("reward") { reader.report(path, "needs points, reward or both") }
        return gift
    }
}

extension ReferralPolicy {
    /// The section as the program file writes it; reading it back gives an equal policy.
    public var canonicalTree: JSONValue {
        var tree: [String: JSONValue] = [:]
        if let link { tree["link"] = .string(link) }
        if !fingerprints.isEmpty { tree["fingerprints"] = .array(fingerprints.map(JSONValue.string)) }
        if let cap {
            tree["cap"] = .object(["max_referrals": .number(String(cap.maxReferrals)), "period": .string(cap.period.rawValue),
                                   "window": .string(cap.window.rawValue)])
        }
        if let pendingDays { tree["pending_days"] = .number(String(pendingDays)) }
        tree["rewards"] = .array(rewards.map(\.canonicalTree))
        return .object(tree)
    }
}

extension ReferralReward {
    var canonicalTree: JSONValue {
        var tree: [String: JSONValue] = ["id": .string(id), "on": .string(trigger.name)]
        switch trigger {
        case .enrolled:
            break
        case .firstPurchase(let minAmount):
            if let minAmount { tree["min_amount"] = .string(minAmount.description) }
        case .purchases(let days, let maxTimes, let minAmount):
            tree["days"] = .number(String(days))
            if let maxTimes { tree["max_times"] = .number(String(maxTimes)) }
            if let minAmount { tree["min_amount"] = .string(minAmount.description) }
        }
        if let referrer { tree["referrer"] = referrer.canonicalTree }
        if let friend { tree["friend"] = friend.canonicalTree }
        return .object(tree)
    }
}

extension ReferralGift {
    var canonicalTree: JSONValue {
        var tree: [String: JSONValue] = [:]
        if let points { tree["points"] = .number(String(points)) }
        if let reward { tree["reward"] = .string(reward) }
        return .object(tree)
    }
}
