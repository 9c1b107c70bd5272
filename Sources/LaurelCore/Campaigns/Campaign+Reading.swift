import Foundation

extension ProgramDefinition {
    public static let maxCampaigns = 200
}

/// Reads `campaigns:` and `birthday:` of a program file, reporting every problem with its path.
struct CampaignReader {
    let reader: DefinitionReader
    let timeZone: TimeZone
    /// The program's tiers, to check the tiers an audience names; nil when the program has none.
    let tiers: TierPolicy?

    /// Reads every campaign; `ruleIds` holds the ids of the rules read so far (with their paths) and
    /// gets the campaigns' rule ids, which must be unique across the program.
    func readCampaigns(_ root: ObjectReader, ruleIds: inout [String: String]) -> [Campaign] {
        var campaigns: [(campaign: Campaign, path: String)] = []
        var seen: [String: String] = [:]
        for (value, path) in root.list("campaigns", max: ProgramDefinition.maxCampaigns) ?? [] {
            if case .string(let id)? = value.objectValue?["id"] {
                if let first = seen[id] { reader.report("\(path).id", "duplicate campaign id \"\(id)\" (first used at \(first))") } else { seen[id] = path }
            }
            if let campaign = readCampaign(value, at: path, ruleIds: &ruleIds) { campaigns.append((campaign, path)) }
        }
        // Two exclusive campaigns may not run at the same time.
        var exclusive: [(campaign: Campaign, path: String)] = []
        for (campaign, path) in campaigns where campaign.exclusive {
            if let other = exclusive.first(where: { $0.campaign.start < campaign.end && campaign.start < $0.campaign.end }) {
                reader.report("\(path).exclusive", "exclusive campaign \"\(campaign.id)\" overlaps exclusive campaign \"\(other.campaign.id)\" (\(other.path))")
            }
            exclusive.append((campaign, path))
        }
        return campaigns.map(\.campaign)
    }

    private func readCampaign(_ value: JSONValue, at path: String, ruleIds: inout [String: String]) -> Campaign? {
        let allowed: Set<String> = ["id", "name", "description", "start", "end", "exclusive", "audience", "effects"]
        guard let object = reader.object(value, at: path, allowed: allowed) else { return nil }
        var id = object.string("id", required: true)
        if let text = id, !text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
            reader.report(object.pathOf("id"), "may contain only letters, digits, - and _")
            id = nil
        }
        let name = object.string("name") ?? id
        let start = object.date("start", timeZone: timeZone)
        let end = object.date("end", timeZone: timeZone)
        if !object.has("start") { object.missing("start") }
        if !object.has("end") { object.missing("end") }
        if let start, let end, end <= start { reader.report(object.pathOf("end"), "must be after start") }
        let audience = object.value("audience").flatMap { readAudience($0, at: object.pathOf("audience")) } ?? CampaignAudience()

        var rules: [EarningRule] = []
        var pointsGift: Int?
        var rewardGift: String?
        if let effects = reader.object(object.value("effects"), at: object.pathOf("effects"), allowed: ["rules", "points_gift", "reward_gift"]) {
            let ruleReader = EarningRuleReader(reader: reader, timeZone: timeZone)
            for (item, itemPath) in effects.list("rules", max: ProgramDefinition.maxEarningRules) ?? [] {
                switch item.objectValue?["id"] {
                case .string(let ruleId)?, .number(let ruleId)?:
                    if let first = ruleIds[ruleId] {
                        reader.report("\(itemPath).id", "duplicate rule id \"\(ruleId)\" (first used at \(first)); rule ids are unique across the program")
                    } else {
                        ruleIds[ruleId] = itemPath
                    }
                default:
                    break
                }
                if let rule = ruleReader.read(item, at: itemPath) { rules.append(rule) }
            }
            pointsGift = effects.int("points_gift", min: 1)
            // The reward must exist in the catalogue when the program is applied (checked by the store).
            rewardGift = effects.string("reward_gift")
            if !effects.has("rules") && !effects.has("points_gift") && !effects.has("reward_gift") {
                reader.report(effects.path, "needs at least one of rules, points_gift, reward_gift")
            }
        } else if !object.has("effects") {
            object.missing("effects")
        }
        guard let id, let name, let start, let end, end > start else { return nil }
        return Campaign(id: id, name: name, description: object.string("description"), start: start, end: end,
                        exclusive: object.bool("exclusive") ?? false, audience: audience, rules: rules, pointsGift: pointsGift, rewardGift: rewardGift)
    }

    private func readAudience(_ value: JSONValue, at path: String) -> CampaignAudience? {
        let allowed: Set<String> = ["tiers", "stores", "channels", "segments", "consents", "share", "seed", "holdout"]
        guard let object = reader.object(value, at: path, allowed: allowed) else { return nil }
        var audience = CampaignAudience()
        audience.tiers = nonEmptyList(object, "tiers")
        for (index, tier) in audience.tiers.enumerated() where tiers?.level(tier) == nil {
            let known = tiers.map { $0.levels.map(\.id).joined(separator: ", ") }
            reader.report("\(object.pathOf("tiers"))[\(index)]", "unknown tier \"\(tier)\"" + (known.map { " (tiers: \($0))" } ?? " (the program has no tiers)"))
        }
        audience.stores = nonEmptyList(object, "stores")
        audience.channels = nonEmptyList(object, "channels")
        // Segment ids are checked against the program's segments once those are read (`ProgramDefinition.read`).
        audience.segments = nonEmptyList(object, "segments")
        audience.consents = nonEmptyList(object, "consents")
        for (index, name) in audience.consents.enumerated() where !ConsentName.isValid(name) {
            reader.report("\(object.pathOf("consents"))[\(index)]", ObjectReader.notAConsentName(name))
        }
        audience.share = part(object, "share")
        audience.holdout = part(object, "holdout")
        audience.seed = object.string("seed")
        return audience
    }

    private func nonEmptyList(_ object: ObjectReader, _ key: String) -> [String] {
        let items = object.strings(key) ?? []
        if object.has(key) && items.isEmpty && object.value(key)?.arrayValue != nil { reader.report(object.pathOf(key), "must list at least one") }
        return items
    }

    /// A share between 0 and 1.
    private func part(_ object: ObjectReader, _ key: String) -> Amount? {
        guard let value = object.amount(key) else { return nil }
        guard !value.isNegative, value <= .one else {
            reader.report(object.pathOf(key), "must be between 0 and 1, got \(value)")
            return nil
        }
        return value
    }

    func readBirthday(_ value: JSONValue, at path: String) -> BirthdayGift? {
        let allowed: Set<String> = ["points", "reward", "window_days_before", "window_days_after"]
        guard let object = reader.object(value, at: path, allowed: allowed) else { return nil }
        let points = object.int("points", min: 1)
        // The reward must exist in the catalogue when the program is applied (checked by the store).
        let reward = object.string("reward")
        if !object.has("points") && !object.has("reward") { reader.report(path, "needs points, reward or both") }
        let before = object.int("window_days_before", min: 0, max: 31) ?? 0
        let after = object.int("window_days_after", min: 0, max: 31) ?? 0
        guard points != nil || reward != nil else { return nil }
        return BirthdayGift(points: points, reward: reward, windowDaysBefore: before, windowDaysAfter: after)
    }
}

extension ProgramDefinition {
    /// Every reward the program names (gift rules, campaign gifts, the birthday present) with its path,
    /// for the store to check against the catalogue when the program is applied.
    public var rewardReferences: [(path: String, reward: String)] {
        var references: [(path: String, reward: String)] = []
        for (index, rule) in earningRules.enumerated() {
            if case .giftReward(let reward) = rule.effect { references.append(("earning_rules[\(index)].effect.reward", reward)) }
        }
        for (index, campaign) in campaigns.enumerated() {
            for (ruleIndex, rule) in campaign.rules.enumerated() {
                if case .giftReward(let reward) = rule.effect {
                    references.append(("campaigns[\(index)].effects.rules[\(ruleIndex)].effect.reward", reward))
                }
            }
            if let reward = campaign.rewardGift { references.append(("campaigns[\(index)].effects.reward_gift", reward)) }
        }
        if let reward = birthday?.reward { references.append(("birthday.reward", reward)) }
        return references
    }
}
