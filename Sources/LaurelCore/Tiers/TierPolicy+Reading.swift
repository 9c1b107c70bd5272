import Foundation

/// Reads the `tiers` and `clubs` sections of a program file.
struct TierAndClubReader {
    let reader: DefinitionReader
    let rules: EarningRuleReader

    func readTiers(_ value: JSONValue, at path: String) -> TierPolicy? {
        let allowed: Set<String> = ["basis", "window", "exclude", "exclude_delivery", "downgrade", "levels"]
        guard let object = reader.object(value, at: path, allowed: allowed) else { return nil }
        let basis = object.choice("basis", TierPolicy.Basis.self, required: true)
        var window = TierPolicy.Window.lifetime
        if let value = object.value("window") {
            if value == .string("lifetime") {
                window = .lifetime
            } else if value == .string("calendar_year") {
                window = .calendarYear
            } else if let rolling = reader.object(value, at: object.pathOf("window"), allowed: ["rolling_months"]) {
                window = .rollingMonths(rolling.int("rolling_months", required: true, min: 1, max: 120) ?? 12)
            }
        }
        if basis == .pointsBalance && object.has("window") {
            reader.report(object.pathOf("window"), "does not apply to basis points_balance: the balance is as of now, whenever it was earned")
        }
        let exclude = object.value("exclude").flatMap { rules.readFilter($0, at: object.pathOf("exclude")) } ?? LineFilter()
        if exclude.labels.count > 0 { reader.report(object.pathOf("exclude.labels"), "tiers exclude by skus and categories only") }
        let excludeDelivery = object.bool("exclude_delivery") ?? false
        if basis != nil && basis != .amountSpent && (object.has("exclude") || object.has("exclude_delivery")) {
            reader.report(object.pathOf("exclude"), "exclude and exclude_delivery apply to basis amount_spent only")
        }
        var downgrade = TierPolicy.Downgrade.never
        var step = TierPolicy.Step.toQualified
        if let value = object.value("downgrade"),
           let policy = reader.object(value, at: object.pathOf("downgrade"), allowed: ["policy", "review_months", "step"]) {
            enum Policy: String, CaseIterable { case never, automatic, review }
            switch policy.choice("policy", Policy.self, required: true) {
            case .never?: downgrade = .never
            case .automatic?: downgrade = .automatic
            case .review?: downgrade = .review(everyMonths: policy.int("review_months", required: true, min: 1, max: 120) ?? 12)
            case nil: break
            }
            if case .review = downgrade {} else if policy.has("review_months") {
                reader.report(policy.pathOf("review_months"), "applies to policy review only")
            }
            step = policy.choice("step", TierPolicy.Step.self) ?? .toQualified
            if downgrade == .never && policy.has("step") { reader.report(policy.pathOf("step"), "does not apply when tiers are never lost") }
        }

        var levels: [TierLevel] = []
        var seen: Set<String> = []
        for (item, itemPath) in object.list("levels", required: true, max: ProgramDefinition.maxTierLevels) ?? [] {
            guard let level = readLevel(item, at: itemPath) else { continue }
            if !seen.insert(level.id).inserted { reader.report("\(itemPath).id", "duplicate tier id \"\(level.id)\"") }
            if basis != .amountSpent && level.threshold.units % Amount.scale != 0 {
                reader.report("\(itemPath).threshold", "must be a whole number for basis \(basis?.rawValue ?? "")")
            }
            if let previous = levels.last, level.threshold <= previous.threshold {
                reader.report("\(itemPath).threshold", "must be above the previous level's threshold (\(previous.threshold))")
            }
            levels.append(level)
        }
        if object.has("levels") && levels.isEmpty { reader.report(object.pathOf("levels"), "must list at least one level") }
        guard let basis, !levels.isEmpty else { return nil }
        return TierPolicy(basis: basis, window: window, exclude: exclude, excludeDelivery: excludeDelivery, downgrade: downgrade, step: step, levels: levels)
    }

    private func readLevel(_ value: JSONValue, at path: String) -> TierLevel? {
        guard let object = reader.object(value, at: path, allowed: ["id", "name", "names", "threshold", "benefits"]) else { return nil }
        let id = object.identifier()
        let threshold = object.amount("threshold", required: true, nonNegative: true)
        var benefits = TierBenefits()
        if let value = object.value("benefits"),
           let fields = reader.object(value, at: object.pathOf("benefits"),
                                      allowed: ["earning_multiplier", "bonus_points", "discount_percent", "perks"]) {
            if let factor = fields.amount("earning_multiplier", positive: true) {
                if factor < .one { reader.report(fields.pathOf("earning_multiplier"), "must be >= 1") } else { benefits.earningMultiplier = factor }
            }
            benefits.bonusPoints = fields.int("bonus_points", min: 0, max: 100_000_000) ?? 0
            if let percent = fields.amount("discount_percent", nonNegative: true) {
                if percent > Amount(integer: 100) { reader.report(fields.pathOf("discount_percent"), "must be <= 100") } else { benefits.discountPercent = percent }
            }
            benefits.perks = fields.strings("perks") ?? []
        }
        guard let id, let threshold else { return nil }
        return TierLevel(id: id, name: object.string("name") ?? id, threshold: threshold, benefits: benefits,
                         names: object.translations("names", maxLength: ClubDefinition.maxNameLength))
    }

    func readClub(_ value: JSONValue, at path: String) -> ClubDefinition? {
        let allowed: Set<String> = ["id", "name", "names", "description", "descriptions", "join", "duration_months", "renewal", "member_cap",
                                    "notify_days_before"]
        guard let object = reader.object(value, at: path, allowed: allowed) else { return nil }
        let id = object.identifier()
        var club = ClubDefinition(id: id ?? "", name: object.string("name") ?? id ?? "")
        club.description = object.string("description")
        club.names = object.translations("names", maxLength: ClubDefinition.maxNameLength)
        club.descriptions = object.translations("descriptions", maxLength: ClubDefinition.maxDescriptionLength)
        if let join = reader.object(object.value("join"), at: object.pathOf("join"), allowed: ["invitations", "tiers", "points", "segments"]) {
            club.invitations = join.choice("invitations", ClubDefinition.Invitations.self) ?? .staff
            club.tiers = join.strings("tiers") ?? []
            club.segments = join.strings("segments") ?? []
            club.pointsCost = join.int("points", min: 1, max: 100_000_000)
        } else if !object.has("join") {
            object.missing("join")
        }
        club.durationMonths = object.int("duration_months", min: 1, max: 1200)
        club.renewal = object.choice("renewal", ClubDefinition.Renewal.self) ?? .none
        if club.renewal == .purchase && club.pointsCost == nil { reader.report(object.pathOf("renewal"), "purchase renewal needs join.points") }
        if club.renewal == .whileInTier && club.tiers.isEmpty { reader.report(object.pathOf("renewal"), "while_in_tier renewal needs join.tiers") }
        if club.renewal != .none && club.durationMonths == nil { reader.report(object.pathOf("renewal"), "renewal needs duration_months") }
        club.memberCap = object.int("member_cap", min: 1)
        club.notifyDaysBefore = object.int("notify_days_before", min: 0, max: 365) ?? 7
        return id == nil ? nil : club
    }

    /// Cross-references between tiers and clubs must name things that exist.
    func checkReferences(tiers: TierPolicy?, clubs: [ClubDefinition], clubsPath: String) {
        let tierIds = Set(tiers?.levels.map(\.id) ?? [])
        var seen: Set<String> = []
        for (index, club) in clubs.enumerated() {
            if !seen.insert(club.id).inserted { reader.report("\(clubsPath)[\(index)].id", "duplicate club id \"\(club.id)\"") }
            for tier in club.tiers where !tierIds.contains(tier) {
                reader.report("\(clubsPath)[\(index)].join.tiers", "unknown tier \"\(tier)\"")
            }
        }
    }
}
