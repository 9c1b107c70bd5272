import Foundation

extension ProgramDefinition {
    /// The canonical tree of this definition, in the program file format; reading it back
    /// gives an equal definition. Stored with every version and served by `GET /v1/program`.
    public var canonicalTree: JSONValue {
        var points: [String: JSONValue] = ["pending_days": .number(String(pendingDays))]
        switch expiry {
        case .never: points["expiry"] = .string("never")
        case .afterDays(let days): points["expiry"] = .object(["policy": .string("after_days"), "days": .number(String(days))])
        case .endOfMonth(let months): points["expiry"] = .object(["policy": .string("end_of_month"), "months_after": .number(String(months))])
        case .endOfYear(let years): points["expiry"] = .object(["policy": .string("end_of_year"), "years_after": .number(String(years))])
        }
        var returnsTree: [String: JSONValue] = ["when_spent": .string(returns.whenSpent.rawValue)]
        if returns.whenSpent == .debt { returnsTree["debt_limit"] = .number(String(returns.debtLimit)) }
        points["returns"] = .object(returnsTree)
        points["expiring_soon_days"] = .array(expiringSoonDays.map { .number(String($0)) })
        var tree: [String: JSONValue] = [
            "name": .string(name),
            "currency": .string(currency),
            "point_value": .string(pointValue.description),
            "rounding": .string(rounding.rawValue),
            "timezone": .string(timeZone),
            "points": .object(points),
            "earning_rules": .array(earningRules.map(\.canonicalTree)),
        ]
        if let tiers { tree["tiers"] = tiers.canonicalTree }
        if !clubs.isEmpty { tree["clubs"] = .array(clubs.map(\.canonicalTree)) }
        if !segments.isEmpty { tree["segments"] = .array(segments.map(\.canonicalTree)) }
        if !campaigns.isEmpty { tree["campaigns"] = .array(campaigns.map(\.canonicalTree)) }
        if let birthday { tree["birthday"] = birthday.canonicalTree }
        if !corsOrigins.isEmpty { tree["cors"] = .object(["allowed_origins": .array(corsOrigins.map(JSONValue.string))]) }
        if let fraud { tree["fraud"] = fraud.canonicalTree }
        if !branding.isEmpty { tree["branding"] = branding.canonicalTree }
        if let referrals { tree["referrals"] = referrals.canonicalTree }
        if !punchCards.isEmpty { tree["punch_cards"] = .array(punchCards.map(\.canonicalTree)) }
        if !games.isEmpty { tree["games"] = games.canonicalTree }
        if !badges.isEmpty { tree["badges"] = .array(badges.map(\.canonicalTree)) }
        if !challenges.isEmpty { tree["challenges"] = .array(challenges.map(\.canonicalTree)) }
        return .object(tree)
    }
}

extension Campaign {
    /// The campaign as the program file writes it (and `GET /v1/campaigns` shows it).
    public var canonicalTree: JSONValue {
        var tree: [String: JSONValue] = ["id": .string(id), "name": .string(name), "start": .string(Timestamps.format(start)),
                                         "end": .string(Timestamps.format(end))]
        if let description { tree["description"] = .string(description) }
        if exclusive { tree["exclusive"] = .bool(true) }
        var audienceTree: [String: JSONValue] = [:]
        for (key, items) in [("tiers", audience.tiers), ("stores", audience.stores), ("channels", audience.channels), ("segments", audience.segments),
                             ("consents", audience.consents)]
        where !items.isEmpty {
            audienceTree[key] = .array(items.map(JSONValue.string))
        }
        if let share = audience.share { audienceTree["share"] = .string(share.description) }
        if let holdout = audience.holdout { audienceTree["holdout"] = .string(holdout.description) }
        if let seed = audience.seed { audienceTree["seed"] = .string(seed) }
        if !audienceTree.isEmpty { tree["audience"] = .object(audienceTree) }
        var effects: [String: JSONValue] = [:]
        if !rules.isEmpty { effects["rules"] = .array(rules.map(\.canonicalTree)) }
        if let pointsGift { effects["points_gift"] = .number(String(pointsGift)) }
        if let rewardGift { effects["reward_gift"] = .string(rewardGift) }
        tree["effects"] = .object(effects)
        return .object(tree)
    }
}

extension BirthdayGift {
    var canonicalTree: JSONValue {
        var tree: [String: JSONValue] = ["window_days_before": .number(String(windowDaysBefore)), "window_days_after": .number(String(windowDaysAfter))]
        if let points { tree["points"] = .number(String(points)) }
        if let reward { tree["reward"] = .string(reward) }
        return .object(tree)
    }
}

extension TierPolicy {
    var canonicalTree: JSONValue {
        var tree: [String: JSONValue] = ["basis": .string(basis.rawValue), "levels": .array(levels.map(\.canonicalTree))]
        // The balance is as of now: the reader refuses a window for it.
        switch window {
        case .lifetime where basis == .pointsBalance: break
        case .lifetime: tree["window"] = .string("lifetime")
        case .calendarYear: tree["window"] = .string("calendar_year")
        case .rollingMonths(let months): tree["window"] = .object(["rolling_months": .number(String(months))])
        }
        if !exclude.isEmpty { tree["exclude"] = exclude.canonicalTree }
        if excludeDelivery { tree["exclude_delivery"] = .bool(true) }
        switch downgrade {
        case .never: tree["downgrade"] = .object(["policy": .string("never")])
        case .automatic: tree["downgrade"] = .object(["policy": .string("automatic"), "step": .string(step.rawValue)])
        case .review(let months):
            tree["downgrade"] = .object(["policy": .string("review"), "review_months": .number(String(months)), "step": .string(step.rawValue)])
        }
        return .object(tree)
    }
}

extension TierLevel {
    var canonicalTree: JSONValue {
        var benefitsTree: [String: JSONValue] = [:]
        if let factor = benefits.earningMultiplier { benefitsTree["earning_multiplier"] = .string(factor.description) }
        if benefits.bonusPoints > 0 { benefitsTree["bonus_points"] = .number(String(benefits.bonusPoints)) }
        if let percent = benefits.discountPercent { benefitsTree["discount_percent"] = .string(percent.description) }
        if !benefits.perks.isEmpty { benefitsTree["perks"] = .array(benefits.perks.map(JSONValue.string)) }
        var tree: [String: JSONValue] = ["id": .string(id), "name": .string(name), "threshold": .string(threshold.description)]
        if !benefitsTree.isEmpty { tree["benefits"] = .object(benefitsTree) }
        if !names.isEmpty { tree["names"] = names.canonicalTree }
        return .object(tree)
    }
}

extension ClubDefinition {
    var canonicalTree: JSONValue {
        var join: [String: JSONValue] = ["invitations": .string(invitations.rawValue)]
        if !tiers.isEmpty { join["tiers"] = .array(tiers.map(JSONValue.string)) }
        if !segments.isEmpty { join["segments"] = .array(segments.map(JSONValue.string)) }
        if let pointsCost { join["points"] = .number(String(pointsCost)) }
        var tree: [String: JSONValue] = ["id": .string(id), "name": .string(name), "join": .object(join),
                                         "renewal": .string(renewal.rawValue), "notify_days_before": .number(String(notifyDaysBefore))]
        if let description { tree["description"] = .string(description) }
        if let durationMonths { tree["duration_months"] = .number(String(durationMonths)) }
        if let memberCap { tree["member_cap"] = .number(String(memberCap)) }
        if !names.isEmpty { tree["names"] = names.canonicalTree }
        if !descriptions.isEmpty { tree["descriptions"] = descriptions.canonicalTree }
        return .object(tree)
    }
}

extension EarningRule {
    var canonicalTree: JSONValue {
        var tree: [String: JSONValue] = [
            "id": .string(id), "name": .string(name), "event": .string(event), "effect": effect.canonicalTree,
        ]
        if let description { tree["description"] = .string(description) }
        if let activeFrom { tree["active_from"] = .string(Timestamps.format(activeFrom)) }
        if let activeTo { tree["active_to"] = .string(Timestamps.format(activeTo)) }
        if !conditions.isEmpty { tree["conditions"] = .array(conditions.map(\.canonicalTree)) }
        if let limit {
            var limitTree: [String: JSONValue] = ["period": .string(limit.period.rawValue)]
            if limit.period != .lifetime { limitTree["window"] = .string(limit.window.rawValue) }
            if let maxPoints = limit.maxPoints { limitTree["max_points"] = .number(String(maxPoints)) }
            if let maxTimes = limit.maxTimes { limitTree["max_times"] = .number(String(maxTimes)) }
            tree["limit"] = .object(limitTree)
        }
        if stop { tree["stop"] = .bool(true) }
        return .object(tree)
    }
}

extension RuleEffect {
    var canonicalTree: JSONValue {
        var tree: [String: JSONValue] = ["type": .string(typeName)]
        switch self {
        case .pointsPerAmount(let rule):
            tree["points"] = .string(rule.points.description)
            tree["per"] = .string(rule.per.description)
            tree["base"] = .string(rule.base.rawValue)
            if let include = rule.include { tree["include"] = include.canonicalTree }
            if !rule.exclude.isEmpty { tree["exclude"] = rule.exclude.canonicalTree }
            if rule.excludeDelivery { tree["exclude_delivery"] = .bool(true) }
            if let minOrder = rule.minOrder { tree["min_order"] = .string(minOrder.description) }
        case .fixedPoints(let points):
            tree["points"] = .number(String(points))
        case .productBonus(let bonus):
            tree["points"] = .number(String(bonus.points))
            tree["per"] = .string(bonus.per.rawValue)
            tree["match"] = bonus.match.canonicalTree
        case .multiplier(let multiplier):
            tree["factor"] = .string(multiplier.factor.description)
            if let match = multiplier.match { tree["match"] = match.canonicalTree }
        case .pointsPerAttribute(let rule):
            tree["attribute"] = .string(rule.attribute)
            tree["points"] = .string(rule.points.description)
            tree["per"] = .string(rule.per.description)
        case .giftReward(let reward):
            tree["reward"] = .string(reward)
        }
        return .object(tree)
    }
}

extension LineFilter {
    var canonicalTree: JSONValue {
        var tree: [String: JSONValue] = [:]
        if !skus.isEmpty { tree["skus"] = .array(skus.sorted().map(JSONValue.string)) }
        if !categories.isEmpty { tree["categories"] = .array(categories.sorted().map(JSONValue.string)) }
        if !labels.isEmpty { tree["labels"] = .array(labels.sorted().map(JSONValue.string)) }
        return .object(tree)
    }
}

extension RuleCondition {
    var canonicalTree: JSONValue {
        switch self {
        case .field(let path, let op, let value):
            var tree: [String: JSONValue] = ["field": .string(path), "op": .string(op.rawValue)]
            if let value { tree["value"] = value }
            return .object(tree)
        case .daysOfWeek(let days):
            let names = ["", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
            return .object(["days_of_week": .array(days.sorted().map { .string(names[$0]) })])
        case .stores(let stores):
            return .object(["stores": .array(stores.sorted().map(JSONValue.string))])
        case .hasProduct(let filter):
            return .object(["has_product": filter.canonicalTree])
        case .consent(let name):
            return .object(["consent": .string(name)])
        }
    }
}
