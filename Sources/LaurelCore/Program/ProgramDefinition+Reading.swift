import Foundation

extension ProgramDefinition {
    /// Parses and validates a program file (YAML or JSON), reporting every problem at once.
    public static func parse(_ text: String) throws(ProgramValidationError) -> ProgramDefinition {
        try read(try ProgramSourceParser.parse(text))
    }

    /// Validates a parsed tree; unknown keys, wrong types and bad values are all reported with their paths.
    public static func read(_ tree: JSONValue) throws(ProgramValidationError) -> ProgramDefinition {
        let reader = DefinitionReader()
        let definition = read(tree, reader)
        if reader.issues.isEmpty, let definition {
            for issue in definition.pointsBoundIssues() { reader.report(issue.path, issue.message) }
        }
        if !reader.issues.isEmpty || definition == nil {
            throw ProgramValidationError(issues: reader.issues.isEmpty ? [ValidationIssue(path: "", message: "invalid program")] : reader.issues)
        }
        return definition!
    }

    private static func read(_ tree: JSONValue, _ reader: DefinitionReader) -> ProgramDefinition? {
        guard let root = reader.object(tree, at: "", allowed: ["name", "currency", "point_value", "rounding", "timezone", "points", "earning_rules", "tiers", "clubs",
                                                                         "segments", "campaigns", "birthday", "cors", "fraud", "branding", "referrals",
                                                                         "punch_cards", "games", "badges", "challenges"]) else {
            return nil
        }
        let name = root.string("name", required: true)
        var currency = root.string("currency", required: true)
        if let code = currency, !(code.count == 3 && code.allSatisfy({ $0.isASCII && $0.isUppercase })) {
            reader.report(root.pathOf("currency"), "must be a three-letter ISO 4217 code such as EUR, got \"\(code)\"")
            currency = nil
        }
        let pointValue = root.amount("point_value", positive: true) ?? Amount("0.01")!
        let rounding = root.choice("rounding", RoundingMode.self) ?? .down
        var timeZoneName = root.string("timezone") ?? "UTC"
        if TimeZone(identifier: timeZoneName) == nil {
            reader.report(root.pathOf("timezone"), "unknown time zone \"\(timeZoneName)\" (use an IANA name such as Europe/Paris)")
            timeZoneName = "UTC"
        }
        let timeZone = TimeZone(identifier: timeZoneName)!

        var expiry = ExpiryPolicy.never
        var pendingDays = 0
        var returns = ReturnPolicy()
        var expiringSoonDays = ProgramDefinition.defaultExpiringSoonDays
        if let points = reader.object(root.value("points"), at: "points", allowed: ["expiry", "pending_days", "returns", "expiring_soon_days"]) {
            if let items = points.list("expiring_soon_days", max: 5) {
                expiringSoonDays = []
                for (item, path) in items {
                    guard case .number(let text) = item, let days = Int(text), (1...3650).contains(days) else {
                        reader.report(path, "must be a whole number of days from 1 to 3650"); continue
                    }
                    if expiringSoonDays.contains(days) { reader.report(path, "\(days) is listed twice"); continue }
                    expiringSoonDays.append(days)
                }
                expiringSoonDays.sort(by: >)
            }
            if let value = points.value("expiry") { expiry = readExpiry(value, at: points.pathOf("expiry"), reader) }
            pendingDays = points.int("pending_days", min: 0, max: 3650) ?? 0
            if let policy = reader.object(points.value("returns"), at: points.pathOf("returns"), allowed: ["when_spent", "debt_limit"]) {
                returns.whenSpent = policy.choice("when_spent", ReturnPolicy.WhenSpent.self) ?? .takeAvailable
                returns.debtLimit = policy.int("debt_limit", min: 0) ?? 0
                if returns.whenSpent == .takeAvailable && returns.debtLimit > 0 {
                    reader.report(policy.pathOf("debt_limit"), "only applies when when_spent is debt")
                }
            }
        }

        var rules: [EarningRule] = []
        var seenIds: [String: String] = [:]
        for (value, path) in root.list("earning_rules", max: ProgramDefinition.maxEarningRules) ?? [] {
            // Duplicate ids are reported even when the rule has other problems.
            // Numeric ids (`id: 7`) are read as text, so they must be checked too.
            switch value.objectValue?["id"] {
            case .string(let id)?, .number(let id)?:
                if let first = seenIds[id] {
                    reader.report("\(path).id", "duplicate rule id \"\(id)\" (first used at \(first))")
                } else {
                    seenIds[id] = path
                }
            default:
                break
            }
            guard let rule = EarningRuleReader(reader: reader, timeZone: timeZone).read(value, at: path) else { continue }
            rules.append(rule)
        }

        let sections = TierAndClubReader(reader: reader, rules: EarningRuleReader(reader: reader, timeZone: timeZone))
        let tiers = root.value("tiers").flatMap { sections.readTiers($0, at: "tiers") }
        let clubs = (root.list("clubs", max: ProgramDefinition.maxClubs) ?? []).compactMap { sections.readClub($0.0, at: $0.1) }
        sections.checkReferences(tiers: tiers, clubs: clubs, clubsPath: "clubs")
        let segmentReader = SegmentReader(reader: reader, timeZone: timeZone, tierIds: Set(tiers?.levels.map(\.id) ?? []), clubIds: Set(clubs.map(\.id)))
        let segmentItems = root.list("segments", max: ProgramDefinition.maxSegments)
        let segments = segmentReader.readAll(segmentItems ?? [])
        segmentReader.checkRuleReferences(root.value("earning_rules"), segmentItems: segmentItems ?? [])
        let segmentIds = Set(segments.map(\.id))
        for (index, club) in clubs.enumerated() {
            for segment in club.segments where !segmentIds.contains(segment) { reader.report("clubs[\(index)].join.segments", "unknown segment \"\(segment)\"") }
        }

        let campaignReader = CampaignReader(reader: reader, timeZone: timeZone, tiers: tiers)
        let campaigns = campaignReader.readCampaigns(root, ruleIds: &seenIds)
        let birthday = root.value("birthday").flatMap { campaignReader.readBirthday($0, at: "birthday") }

        // A campaign's audience names segments of this program.
        if case .array(let items)? = root.value("campaigns") {
            for (index, item) in items.enumerated() {
                guard case .object(let fields) = item, case .object(let audience)? = fields["audience"],
                      case .array(let names)? = audience["segments"] else { continue }
                for case .string(let segment) in names where !segmentIds.contains(segment) {
                    let known = segmentIds.isEmpty ? "the program defines no segments" : "segments: \(segmentIds.sorted().joined(separator: ", "))"
                    reader.report("campaigns[\(index)].audience.segments", "unknown segment \"\(segment)\" (\(known))")
                }
            }
        }

        var corsOrigins: [String] = []
        if let cors = reader.object(root.value("cors"), at: "cors", allowed: ["allowed_origins"]),
           let origins = cors.list("allowed_origins", required: true, max: CORSOrigin.maxPerProgram) {
            for (value, path) in origins {
                guard case .string(let text) = value else { reader.report(path, "must be a string, got \(value.typeName)"); continue }
                switch CORSOrigin.read(text) {
                case .failure(let refusal): reader.report(path, "\"\(text)\" \(refusal)")
                case .success(let origin) where corsOrigins.contains(origin): reader.report(path, "\(origin) is listed twice")
                case .success(let origin): corsOrigins.append(origin)
                }
            }
        }
        let fraud = root.value("fraud").flatMap { FraudReader(reader: reader).read($0, at: "fraud") }
        let branding = root.value("branding").flatMap { Branding.read($0, at: "branding", reader) } ?? Branding()
        let referrals = root.value("referrals").flatMap { ReferralReader(reader: reader).read($0, at: "referrals") }
        let punchCards = PunchCardReader(reader: reader, rules: EarningRuleReader(reader: reader, timeZone: timeZone))
            .readAll(root.list("punch_cards", max: PunchCard.maxPerProgram) ?? [])
        let games = root.value("games").flatMap { GamesReader(reader: reader, timeZone: timeZone).read($0, at: "games") } ?? Games()

        let challengeReader = ChallengeReader(reader: reader, timeZone: timeZone, tierIds: Set(tiers?.levels.map(\.id) ?? []), segmentIds: segmentIds)
        let badges = challengeReader.readBadges(root.list("badges", max: ProgramDefinition.maxBadges) ?? [])
        let challenges = challengeReader.readChallenges(root.list("challenges", max: ProgramDefinition.maxChallenges) ?? [],
                                                        badgeIds: Set(badges.map(\.id)))

        guard let name, let currency else { return nil }
        var definition = ProgramDefinition(name: name, currency: currency, pointValue: pointValue, rounding: rounding, timeZone: timeZoneName,
                                 expiry: expiry, pendingDays: pendingDays, returns: returns, expiringSoonDays: expiringSoonDays, earningRules: rules,
                                 tiers: tiers, clubs: clubs, segments: segments, campaigns: campaigns, birthday: birthday,
                                 corsOrigins: corsOrigins, fraud: fraud, branding: branding, referrals: referrals, punchCards: punchCards, games: games)
        definition.badges = badges
        definition.challenges = challenges
        return definition
    }

    private static func readExpiry(_ value: JSONValue, at path: String, _ reader: DefinitionReader) -> ExpiryPolicy {
        if value == .string("never") { return .never }
        let allowed: Set<String> = ["policy", "days", "months_after", "years_after"]
        guard let object = reader.object(value, at: path, allowed: allowed) else { return .never }
        enum Policy: String, CaseIterable { case never, after_days, end_of_month, end_of_year }
        guard let policy = object.choice("policy", Policy.self, required: true) else { return .never }
        switch policy {
        case .never:
            return .never
        case .after_days:
            return .afterDays(object.int("days", required: true, min: 1, max: 36_500) ?? 1)
        case .end_of_month:
            return .endOfMonth(monthsAfter: object.int("months_after", min: 0, max: 1200) ?? 0)
        case .end_of_year:
            return .endOfYear(yearsAfter: object.int("years_after", min: 0, max: 100) ?? 0)
        }
    }
}

/// Reads one entry of `earning_rules`.
struct EarningRuleReader {
    let reader: DefinitionReader
    let timeZone: TimeZone

    func read(_ value: JSONValue, at path: String) -> EarningRule? {
        let allowed: Set<String> = ["id", "name", "description", "event", "active_from", "active_to", "conditions", "effect", "limit", "stop"]
        guard let rule = reader.object(value, at: path, allowed: allowed) else { return nil }
        var id = rule.string("id", required: true)
        if let text = id, !text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
            reader.report(rule.pathOf("id"), "may contain only letters, digits, - and _")
            id = nil
        }
        let name = rule.string("name") ?? id
        let event = rule.string("event", required: true)
        if event == LoyaltyEvent.returnType {
            reader.report(rule.pathOf("event"), "returns never earn points; they reverse what their purchase earned")
        }
        let activeFrom = rule.date("active_from", timeZone: timeZone)
        let activeTo = rule.date("active_to", timeZone: timeZone)
        if let activeFrom, let activeTo, activeTo <= activeFrom {
            reader.report(rule.pathOf("active_to"), "must be after active_from")
        }
        var conditions: [RuleCondition] = []
        for (item, itemPath) in rule.list("conditions", max: 100) ?? [] {
            if let condition = readCondition(item, at: itemPath) { conditions.append(condition) }
        }
        let effect = rule.value("effect").flatMap { readEffect($0, at: rule.pathOf("effect"), event: event) }
        if !rule.has("effect") { rule.missing("effect") }
        let limit = rule.value("limit").flatMap { readLimit($0, at: rule.pathOf("limit")) }
        let stop = rule.bool("stop") ?? false

        guard let id, let name, let event, let effect else { return nil }
        return EarningRule(id: id, name: name, description: rule.string("description"), event: event, activeFrom: activeFrom,
                           activeTo: activeTo, conditions: conditions, effect: effect, limit: limit, stop: stop)
    }

    func readFilter(_ value: JSONValue?, at path: String) -> LineFilter? {
        guard let object = reader.object(value, at: path, allowed: ["skus", "categories", "labels"]) else { return nil }
        let filter = LineFilter(skus: Set(object.strings("skus") ?? []), categories: Set(object.strings("categories") ?? []),
                                labels: Set(object.strings("labels") ?? []))
        if filter.isEmpty { reader.report(path, "must name at least one of skus, categories, labels") }
        return filter
    }

    func readEffect(_ value: JSONValue, at path: String, event: String?) -> RuleEffect? {
        let allowed: Set<String> = ["type", "points", "per", "base", "include", "exclude", "exclude_delivery", "min_order", "match", "factor", "attribute", "reward"]
        guard let object = reader.object(value, at: path, allowed: allowed) else { return nil }
        enum Kind: String, CaseIterable { case points_per_amount, fixed_points, product_bonus, multiplier, points_per_attribute, gift_reward }
        guard let kind = object.choice("type", Kind.self, required: true) else { return nil }
        let used: Set<String>
        var result: RuleEffect?
        let isPurchase = event == LoyaltyEvent.purchaseType
        switch kind {
        case .points_per_amount:
            used = ["type", "points", "per", "base", "include", "exclude", "exclude_delivery", "min_order"]
            let points = object.amount("points", required: true, positive: true)
            let per = object.amount("per", positive: true) ?? .one
            let base = object.choice("base", PointsPerAmount.Base.self) ?? .lines
            let include = object.value("include").flatMap { readFilter($0, at: object.pathOf("include")) }
            let exclude = object.value("exclude").flatMap { readFilter($0, at: object.pathOf("exclude")) } ?? LineFilter()
            if base == .total && (include != nil || !exclude.isEmpty) {
                reader.report(object.pathOf("base"), "line filters (include / exclude) need base: lines")
            }
            if !isPurchase && event != nil { reader.report(path, "points_per_amount applies to purchase events only") }
            if let points {
                result = .pointsPerAmount(PointsPerAmount(points: points, per: per, base: base, include: include, exclude: exclude,
                                                          excludeDelivery: object.bool("exclude_delivery") ?? false,
                                                          minOrder: object.amount("min_order", nonNegative: true)))
            }
        case .fixed_points:
            used = ["type", "points"]
            if let points = object.int("points", required: true, min: 1) { result = .fixedPoints(points) }
        case .product_bonus:
            used = ["type", "points", "per", "match"]
            enum PerText: String, CaseIterable { case unit, line, order }
            let per = object.choice("per", ProductBonus.Per.self) ?? .unit
            let points = object.int("points", required: true, min: 1)
            let match = readFilter(object.value("match"), at: object.pathOf("match"))
            if !object.has("match") { object.missing("match") }
            if !isPurchase && event != nil { reader.report(path, "product_bonus applies to purchase events only") }
            if let points, let match { result = .productBonus(ProductBonus(points: points, per: per, match: match)) }
        case .multiplier:
            used = ["type", "factor", "match"]
            // Below 1 it takes a share back out of earlier rules' awards (0: no points on matching lines).
            let factor = object.amount("factor", required: true, nonNegative: true)
            let match = object.value("match").flatMap { readFilter($0, at: object.pathOf("match")) }
            if !isPurchase && event != nil { reader.report(path, "multiplier applies to purchase events only") }
            if let factor { result = .multiplier(Multiplier(factor: factor, match: match)) }
        case .points_per_attribute:
            used = ["type", "attribute", "points", "per"]
            let attribute = object.string("attribute", required: true)
            let points = object.amount("points", required: true, positive: true)
            let per = object.amount("per", positive: true) ?? .one
            if let attribute, let points { result = .pointsPerAttribute(PointsPerAttribute(attribute: attribute, points: points, per: per)) }
        case .gift_reward:
            // The reward must exist in the catalogue when the program is applied (checked by the store).
            used = ["type", "reward"]
            result = object.string("reward", required: true).map(RuleEffect.giftReward)
        }
        for key in object.fields.keys.sorted() where allowed.contains(key) && !used.contains(key) {
            reader.report(object.pathOf(key), "does not apply to effect type \(kind.rawValue)")
        }
        return result
    }

    func readCondition(_ value: JSONValue, at path: String) -> RuleCondition? {
        guard let object = reader.object(value, at: path, allowed: ["field", "op", "value", "days_of_week", "stores", "has_product", "consent"]) else { return nil }
        let shapes = ["field", "days_of_week", "stores", "has_product", "consent"].filter(object.has)
        guard shapes.count == 1 else {
            reader.report(path, "must have exactly one of field, days_of_week, stores, has_product, consent")
            return nil
        }
        // `op` and `value` belong to the field shape only; elsewhere they would be silently ignored.
        if shapes[0] != "field" {
            for key in ["op", "value"] where object.has(key) {
                reader.report(object.pathOf(key), "does not apply to a \(shapes[0]) condition")
            }
        }
        switch shapes[0] {
        case "days_of_week":
            let names = ["monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6, "sunday": 7,
                         "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7]
            var days: Set<Int> = []
            let dayNames = object.strings("days_of_week")
            if dayNames?.isEmpty == true { reader.report(object.pathOf("days_of_week"), "must list at least one day") }
            for (index, name) in (dayNames ?? []).enumerated() {
                if let day = names[name.lowercased()] { days.insert(day) } else {
                    reader.report("\(object.pathOf("days_of_week"))[\(index)]", "must be a day name such as tuesday, got \"\(name)\"")
                }
            }
            return days.isEmpty ? nil : .daysOfWeek(days)
        case "stores":
            let stores = object.strings("stores") ?? []
            if stores.isEmpty { reader.report(object.pathOf("stores"), "must list at least one store") }
            return .stores(Set(stores))
        case "has_product":
            return readFilter(object.value("has_product"), at: object.pathOf("has_product")).map { .hasProduct($0) }
        case "consent":
            return object.consentName("consent").map { .consent($0) }
        default:
            guard let field = object.string("field", required: true) else { return nil }
            guard field.hasPrefix("event.") || field.hasPrefix("member."), !field.hasSuffix(".") else {
                reader.report(object.pathOf("field"), "must start with event. or member. (e.g. event.channel, member.gender)")
                return nil
            }
            guard let op = object.choice("op", ComparisonOperator.self, required: true) else { return nil }
            let operand = object.value("value")
            switch op {
            case .exists:
                if operand != nil { reader.report(object.pathOf("value"), "exists takes no value") }
            case .in, .notIn:
                if operand?.arrayValue == nil { reader.report(object.pathOf("value"), "\(op.rawValue) needs a list") }
            case .gt, .gte, .lt, .lte:
                if operand?.amountValue == nil { reader.report(object.pathOf("value"), "\(op.rawValue) needs a number") }
            case .eq, .ne, .contains:
                if operand == nil { object.missing("value") }
            }
            return .field(path: field, op: op, value: operand)
        }
    }

    func readLimit(_ value: JSONValue, at path: String) -> RuleLimit? {
        guard let object = reader.object(value, at: path, allowed: ["max_points", "max_times", "period", "window"]) else { return nil }
        let maxPoints = object.int("max_points", min: 1)
        let maxTimes = object.int("max_times", min: 1)
        if !object.has("max_points") && !object.has("max_times") { reader.report(path, "needs max_points, max_times or both") }
        guard let period = object.choice("period", RuleLimit.Period.self, required: true) else { return nil }
        let window = object.choice("window", RuleLimit.Window.self) ?? .calendar
        if period == .lifetime && object.has("window") { reader.report(object.pathOf("window"), "does not apply to a lifetime limit") }
        return RuleLimit(maxPoints: maxPoints, maxTimes: maxTimes, period: period, window: window)
    }
}
