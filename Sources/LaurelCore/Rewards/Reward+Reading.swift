import Foundation

extension Reward {
    /// Reads a reward from its JSON form, checking it against the program (its tiers, clubs,
    /// time zone); every problem is reported with its path.
    public static func read(_ tree: JSONValue, program: ProgramDefinition) throws(ProgramValidationError) -> Reward {
        let reader = DefinitionReader()
        let reward = RewardReader(reader: reader, program: program).read(tree)
        if !reader.issues.isEmpty || reward == nil {
            throw ProgramValidationError(issues: reader.issues.isEmpty ? [ValidationIssue(path: "", message: "invalid reward")] : reader.issues)
        }
        return reward!
    }

    /// Reads a reward as stored (its canonical form), without checking its tiers and clubs against
    /// a program: a later program version that drops a tier must not make the catalogue unreadable
    /// (nobody can redeem a reward whose tier no longer exists).
    public static func readStored(_ tree: JSONValue) throws(ProgramValidationError) -> Reward {
        let reader = DefinitionReader()
        let reward = RewardReader(reader: reader, program: ProgramDefinition(name: "", currency: "XXX"), checksReferences: false).read(tree)
        guard reader.issues.isEmpty, let reward else {
            throw ProgramValidationError(issues: reader.issues.isEmpty ? [ValidationIssue(path: "", message: "invalid reward")] : reader.issues)
        }
        return reward
    }
}

struct RewardReader {
    let reader: DefinitionReader
    let program: ProgramDefinition
    /// Whether tiers and clubs must exist in `program`.
    var checksReferences = true

    func read(_ tree: JSONValue) -> Reward? {
        let allowed: Set<String> = ["id", "name", "names", "description", "descriptions", "images", "type", "sku", "discount", "value", "club", "minimum", "step", "cost",
                                    "stock", "limit", "eligibility", "visible_from", "available_from", "available_until", "early_access",
                                    "featured", "codes", "valid_days", "active", "active_after_days"]
        guard let object = reader.object(tree, at: "", allowed: allowed) else { return nil }
        let timeZone = program.calendar.timeZone
        let rules = EarningRuleReader(reader: reader, timeZone: timeZone)
        let id = object.identifier()
        let name = object.string("name", required: true)
        let kind = readKind(object)
        var cost = object.int("cost", min: 0, max: 100_000_000)
        if case .pointsToMoney = kind {
            if object.has("cost") { reader.report("cost", "points_to_money rewards cost what the member chooses to spend; use minimum and step") }
            cost = 0
        } else if cost == nil {
            object.missing("cost")
        }
        var reward = Reward(id: id ?? "", name: name ?? "", kind: kind ?? .experience, cost: cost ?? 0)
        reward.description = object.string("description")
        reward.names = object.translations("names", maxLength: ClubDefinition.maxNameLength)
        reward.descriptions = object.translations("descriptions", maxLength: ClubDefinition.maxDescriptionLength)
        reward.images = object.strings("images") ?? []
        reward.stock = object.int("stock", min: 0, max: 100_000_000)
        if let limit = reader.object(object.value("limit"), at: "limit", allowed: ["per_member", "per_period"]) {
            reward.limitPerMember = limit.int("per_member", min: 1)
            reward.limitPerPeriod = limit.value("per_period").flatMap { rules.readLimit($0, at: "limit.per_period") }
            if reward.limitPerPeriod?.maxPoints != nil { reader.report("limit.per_period.max_points", "rewards limit redemptions by max_times only") }
        }
        if let eligibility = reader.object(object.value("eligibility"), at: "eligibility", allowed: ["tiers", "clubs", "segments", "conditions"]) {
            reward.tiers = eligibility.strings("tiers") ?? []
            reward.clubs = eligibility.strings("clubs") ?? []
            reward.segments = eligibility.strings("segments") ?? []
            for (item, path) in eligibility.list("conditions") ?? [] {
                guard let condition = rules.readCondition(item, at: path) else { continue }
                if case .field(let field, _, _) = condition, field.hasPrefix("member.") {
                    reward.conditions.append(condition)
                } else {
                    reader.report(path, "reward conditions look at the member only (member.<attribute>, member.tier, member.clubs)")
                }
            }
        }
        let tierIds = Set(program.tiers?.levels.map(\.id) ?? [])
        let clubIds = Set(program.clubs.map(\.id))
        if checksReferences {
            for tier in reward.tiers where !tierIds.contains(tier) { reader.report("eligibility.tiers", "unknown tier \"\(tier)\"") }
            for club in reward.clubs where !clubIds.contains(club) { reader.report("eligibility.clubs", "unknown club \"\(club)\"") }
            let segmentIds = Set(program.segments.map(\.id))
            for segment in reward.segments where !segmentIds.contains(segment) { reader.report("eligibility.segments", "unknown segment \"\(segment)\"") }
            if case .clubMembership(let club) = kind, !clubIds.contains(club) { reader.report("club", "unknown club \"\(club)\"") }
        }

        reward.visibleFrom = object.date("visible_from", timeZone: timeZone)
        reward.availableFrom = object.date("available_from", timeZone: timeZone)
        reward.availableUntil = object.date("available_until", timeZone: timeZone)
        if let from = reward.availableFrom, let until = reward.availableUntil, until <= from {
            reader.report("available_until", "must be after available_from")
        }
        if let visible = reward.visibleFrom, let from = reward.availableFrom, visible > from {
            reader.report("visible_from", "must not be after available_from")
        }
        for (item, path) in object.list("early_access") ?? [] {
            guard let entry = reader.object(item, at: path, allowed: ["club", "available_from"]) else { continue }
            let club = entry.string("club", required: true)
            let from = entry.date("available_from", timeZone: timeZone)
            if !entry.has("available_from") { entry.missing("available_from") }
            if checksReferences, let club, !clubIds.contains(club) { reader.report("\(path).club", "unknown club \"\(club)\"") }
            if reward.availableFrom == nil { reader.report(path, "early access needs the reward's available_from") }
            if let from, let general = reward.availableFrom, from >= general { reader.report("\(path).available_from", "must be before available_from") }
            if let club, let from { reward.earlyAccess.append(.init(club: club, availableFrom: from)) }
        }
        reward.featured = object.bool("featured") ?? false
        reward.active = object.bool("active") ?? true
        reward.validDays = object.int("valid_days", min: 1, max: 3650)
        reward.activeAfterDays = object.int("active_after_days", min: 1, max: 365)
        if let codes = object.value("codes") {
            if codes == .string("none") {
                reward.codes = .none
            } else if codes == .string("pool") {
                reward.codes = .pool
                if object.has("stock") { reader.report("stock", "the stock of a pool reward is its unissued codes; leave stock out") }
            } else if let generated = reader.object(codes, at: "codes", allowed: ["pattern"]), let pattern = generated.string("pattern", required: true) {
                if pattern.count > 64 || RewardCode.variety(of: pattern) < 1_000_000 {
                    reader.report("codes.pattern", "must make at least a million different codes (e.g. LAUREL-XXXXXX) in at most 64 characters")
                } else {
                    reward.codes = .generated(pattern: pattern)
                }
            }
        } else if case .discountCode = kind {
            reward.codes = .generated(pattern: "XXXX-XXXX-XXXX")
        } else if case .giftCard = kind {
            reward.codes = .generated(pattern: "XXXX-XXXX-XXXX-XXXX")
        }
        guard id != nil, name != nil, kind != nil else { return nil }
        return reward
    }

    private func readKind(_ object: ObjectReader) -> Reward.Kind? {
        enum Kind: String, CaseIterable { case discount_code, gift_card, free_product, experience, club_membership, points_to_money }
        let kindKeys: Set<String> = ["sku", "discount", "value", "club", "minimum", "step"]
        guard let type = object.choice("type", Kind.self, required: true) else { return nil }
        let used: Set<String>
        var kind: Reward.Kind?
        switch type {
        case .discount_code:
            used = ["discount"]
            if let discount = reader.object(object.value("discount"), at: "discount", allowed: ["type", "value"]) {
                let unit = discount.choice("type", Reward.Discount.Unit.self, required: true)
                let value = discount.amount("value", required: true, positive: true)
                if unit == .percentage, let value, value > Amount(integer: 100) { reader.report("discount.value", "a percentage must be <= 100") }
                if let unit, let value { kind = .discountCode(.init(unit: unit, value: value)) }
            } else {
                object.missing("discount")
            }
        case .gift_card:
            used = ["value"]
            kind = object.amount("value", required: true, positive: true).map { .giftCard(value: $0) }
        case .free_product:
            used = ["sku"]
            kind = object.string("sku", required: true).map { .freeProduct(sku: $0) }
        case .experience:
            used = []
            kind = .experience
        case .club_membership:
            used = ["club"]
            kind = object.string("club", required: true).map { .clubMembership(club: $0) }
        case .points_to_money:
            used = ["minimum", "step"]
            let minimum = object.int("minimum", min: 1, max: 100_000_000) ?? 1
            let step = object.int("step", min: 1, max: 100_000_000) ?? 1
            kind = .pointsToMoney(minimum: minimum, step: step)
        }
        for key in object.fields.keys.sorted() where kindKeys.contains(key) && !used.contains(key) {
            reader.report(key, "does not apply to reward type \(type.rawValue)")
        }
        return kind
    }
}

extension Reward {
    /// The JSON form of this reward; reading it back gives an equal reward.
    public var canonicalTree: JSONValue {
        var tree: [String: JSONValue] = ["id": .string(id), "name": .string(name), "type": .string(kind.typeName),
                                         "featured": .bool(featured), "active": .bool(active)]
        switch kind {
        case .discountCode(let discount): tree["discount"] = .object(["type": .string(discount.unit.rawValue), "value": .string(discount.value.description)])
        case .giftCard(let value): tree["value"] = .string(value.description)
        case .freeProduct(let sku): tree["sku"] = .string(sku)
        case .experience: break
        case .clubMembership(let club): tree["club"] = .string(club)
        case .pointsToMoney(let minimum, let step):
            tree["minimum"] = .number(String(minimum))
            tree["step"] = .number(String(step))
        }
        if case .pointsToMoney = kind {} else { tree["cost"] = .number(String(cost)) }
        if let description { tree["description"] = .string(description) }
        if !names.isEmpty { tree["names"] = names.canonicalTree }
        if !descriptions.isEmpty { tree["descriptions"] = descriptions.canonicalTree }
        if !images.isEmpty { tree["images"] = .array(images.map(JSONValue.string)) }
        if let stock { tree["stock"] = .number(String(stock)) }
        var limit: [String: JSONValue] = [:]
        if let limitPerMember { limit["per_member"] = .number(String(limitPerMember)) }
        if let period = limitPerPeriod, let maxTimes = period.maxTimes {
            var periodTree: [String: JSONValue] = ["max_times": .number(String(maxTimes)), "period": .string(period.period.rawValue)]
            if period.period != .lifetime { periodTree["window"] = .string(period.window.rawValue) }
            limit["per_period"] = .object(periodTree)
        }
        if !limit.isEmpty { tree["limit"] = .object(limit) }
        var eligibility: [String: JSONValue] = [:]
        if !tiers.isEmpty { eligibility["tiers"] = .array(tiers.map(JSONValue.string)) }
        if !clubs.isEmpty { eligibility["clubs"] = .array(clubs.map(JSONValue.string)) }
        if !segments.isEmpty { eligibility["segments"] = .array(segments.map(JSONValue.string)) }
        if !conditions.isEmpty { eligibility["conditions"] = .array(conditions.map(\.canonicalTree)) }
        if !eligibility.isEmpty { tree["eligibility"] = .object(eligibility) }
        if let visibleFrom { tree["visible_from"] = .string(Timestamps.format(visibleFrom)) }
        if let availableFrom { tree["available_from"] = .string(Timestamps.format(availableFrom)) }
        if let availableUntil { tree["available_until"] = .string(Timestamps.format(availableUntil)) }
        if !earlyAccess.isEmpty {
            tree["early_access"] = .array(earlyAccess.map { .object(["club": .string($0.club), "available_from": .string(Timestamps.format($0.availableFrom))]) })
        }
        switch codes {
        case .none: tree["codes"] = .string("none")
        case .pool: tree["codes"] = .string("pool")
        case .generated(let pattern): tree["codes"] = .object(["pattern": .string(pattern)])
        }
        if let validDays { tree["valid_days"] = .number(String(validDays)) }
        if let activeAfterDays { tree["active_after_days"] = .number(String(activeAfterDays)) }
        return .object(tree)
    }
}
