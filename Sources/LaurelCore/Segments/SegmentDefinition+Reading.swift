import Foundation

/// Reads the `segments` section of a program file; tiers and clubs they name must exist.
struct SegmentReader {
    let reader: DefinitionReader
    let timeZone: TimeZone
    let tierIds: Set<String>
    let clubIds: Set<String>

    static let kinds = ["attribute", "tier", "clubs", "enrolled", "purchases", "spend", "points", "last_purchase", "bought", "did"]
    /// Which of the other keys each kind takes.
    static let modifiers: [String: Set<String>] = [
        "attribute": ["op", "value"], "purchases": ["within_days"], "spend": ["within_days"], "bought": ["within_days"],
        "did": ["within_days", "at_least"],
    ]

    func readAll(_ items: [(JSONValue, String)]) -> [SegmentDefinition] {
        var seen: [String: String] = [:]
        var segments: [SegmentDefinition] = []
        for (value, path) in items {
            switch value.objectValue?["id"] {
            case .string(let id)?, .number(let id)?:
                if let first = seen[id] { reader.report("\(path).id", "duplicate segment id \"\(id)\" (first used at \(first))") } else { seen[id] = path }
            default: break
            }
            if let segment = read(value, at: path) { segments.append(segment) }
        }
        return segments
    }

    func read(_ value: JSONValue, at path: String) -> SegmentDefinition? {
        guard let object = reader.object(value, at: path, allowed: ["id", "name", "description", "conditions"]) else { return nil }
        let id = object.identifier()
        let name = object.string("name") ?? id
        var conditions: [SegmentCondition] = []
        let items = object.list("conditions", required: true, max: ProgramDefinition.maxConditionsPerSegment)
        for (item, itemPath) in items ?? [] {
            if let condition = readCondition(item, at: itemPath) { conditions.append(condition) }
        }
        guard let id, let name else { return nil }
        return SegmentDefinition(id: id, name: name, description: object.string("description"), conditions: conditions)
    }

    func readCondition(_ value: JSONValue, at path: String) -> SegmentCondition? {
        let allowed = Set(Self.kinds).union(["op", "value", "within_days", "at_least"])
        guard let object = reader.object(value, at: path, allowed: allowed) else { return nil }
        let kinds = Self.kinds.filter(object.has)
        guard kinds.count == 1, let kind = kinds.first else {
            reader.report(path, "must have exactly one of \(Self.kinds.joined(separator: ", "))")
            return nil
        }
        let takes = Self.modifiers[kind] ?? []
        for key in ["op", "value", "within_days", "at_least"] where object.has(key) && !takes.contains(key) {
            reader.report(object.pathOf(key), "does not apply to a \(kind) condition")
        }
        let withinDays = takes.contains("within_days") ? object.int("within_days", min: 1, max: 36_500) : nil
        switch kind {
        case "attribute":
            return readAttribute(object)
        case "tier":
            let tiers = nonEmptyStrings(object, "tier")
            for (index, tier) in tiers.enumerated() where !tierIds.contains(tier) {
                reader.report("\(object.pathOf("tier"))[\(index)]", "unknown tier \"\(tier)\"")
            }
            return tiers.isEmpty ? nil : .tier(tiers)
        case "clubs":
            let clubs = nonEmptyStrings(object, "clubs")
            for (index, club) in clubs.enumerated() where !clubIds.contains(club) {
                reader.report("\(object.pathOf("clubs"))[\(index)]", "unknown club \"\(club)\"")
            }
            return clubs.isEmpty ? nil : .clubs(clubs)
        case "enrolled":
            guard let window = reader.object(object.value("enrolled"), at: object.pathOf("enrolled"), allowed: ["before", "after", "within_days"]) else { return nil }
            let before = window.date("before", timeZone: timeZone)
            let after = window.date("after", timeZone: timeZone)
            let days = window.int("within_days", min: 1, max: 36_500)
            if !window.has("before") && !window.has("after") && !window.has("within_days") {
                reader.report(window.path, "needs before, after or within_days")
            }
            if let before, let after, before <= after { reader.report(window.pathOf("before"), "must be after \"after\"") }
            return .enrolled(before: before, after: after, withinDays: days)
        case "purchases":
            return intRange(object, "purchases").map { .purchases($0, withinDays: withinDays) }
        case "spend":
            return amountRange(object, "spend", nonNegative: true).map { .spend($0, withinDays: withinDays) }
        case "points":
            return intRange(object, "points").map { .points($0) }
        case "last_purchase":
            let last = object.pathOf("last_purchase")
            guard let window = reader.object(object.value("last_purchase"), at: last, allowed: ["within_days", "not_within_days"]) else { return nil }
            let within = window.int("within_days", min: 1, max: 36_500)
            let notWithin = window.int("not_within_days", min: 1, max: 36_500)
            guard window.has("within_days") != window.has("not_within_days") else {
                reader.report(last, "needs exactly one of within_days, not_within_days")
                return nil
            }
            if let within { return .lastPurchase(days: within, within: true) }
            return notWithin.map { .lastPurchase(days: $0, within: false) }
        case "bought":
            let bought = object.pathOf("bought")
            guard let filter = reader.object(object.value("bought"), at: bought, allowed: ["skus", "categories"]) else { return nil }
            let skus = filter.strings("skus") ?? []
            let categories = filter.strings("categories") ?? []
            if skus.isEmpty && categories.isEmpty { reader.report(bought, "must name at least one of skus, categories"); return nil }
            if skus.count + categories.count > 100 { reader.report(bought, "may name at most 100 skus and categories"); return nil }
            return .bought(skus: skus, categories: categories, withinDays: withinDays)
        default: // did
            guard let type = object.string("did") else { return nil }
            guard !type.isEmpty, type.count <= 64, type.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) else {
                reader.report(object.pathOf("did"), "must be an event type (1 to 64 lowercase letters, digits or _)")
                return nil
            }
            let atLeast = object.int("at_least", min: 1, max: 1_000_000) ?? 1
            return .did(type: type, atLeast: atLeast, withinDays: withinDays)
        }
    }

    /// Rules testing `member.segments` must name segments of the file.
    func checkRuleReferences(_ rules: JSONValue?, segmentItems: [(JSONValue, String)]) {
        var known: Set<String> = []
        for (item, _) in segmentItems {
            switch item.objectValue?["id"] {
            case .string(let id)?, .number(let id)?: known.insert(id)
            default: break
            }
        }
        guard case .array(let list)? = rules else { return }
        for (ruleIndex, rule) in list.enumerated() {
            guard case .array(let conditions)? = rule.objectValue?["conditions"] else { continue }
            for (index, condition) in conditions.enumerated() {
                guard let object = condition.objectValue, object["field"] == .string("member.segments") else { continue }
                let values = object["value"].map { $0.arrayValue ?? [$0] } ?? []
                for case .string(let id) in values where !known.contains(id) {
                    reader.report("earning_rules[\(ruleIndex)].conditions[\(index)].value", "unknown segment \"\(id)\"")
                }
            }
        }
    }

    private func readAttribute(_ object: ObjectReader) -> SegmentCondition? {
        guard let name = object.string("attribute") else { return nil }
        let path = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard name.count <= 200, path.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") } }) else {
            reader.report(object.pathOf("attribute"), "must be an attribute name or dotted path of letters, digits, - and _ (e.g. style.fit)")
            return nil
        }
        enum Op: String, CaseIterable { case eq, `in`, range, exists, not_exists }
        guard let op = object.choice("op", Op.self, required: true) else { return nil }
        let operand = object.value("value")
        let valuePath = object.pathOf("value")
        switch op {
        case .exists, .not_exists:
            if operand != nil { reader.report(valuePath, "\(op.rawValue) takes no value"); return nil }
            return .attribute(path: path, test: op == .exists ? .exists : .notExists)
        case .eq:
            guard let operand else { object.missing("value"); return nil }
            guard scalar(operand, at: valuePath) else { return nil }
            return .attribute(path: path, test: .eq(operand))
        case .in:
            guard case .array(let items)? = operand, !items.isEmpty, items.count <= 100 else {
                reader.report(valuePath, "in needs a list of 1 to 100 strings, numbers or booleans")
                return nil
            }
            var ok = true
            for (index, item) in items.enumerated() where !scalar(item, at: "\(valuePath)[\(index)]") { ok = false }
            return ok ? .attribute(path: path, test: .in(items)) : nil
        case .range:
            guard operand != nil else { object.missing("value"); return nil }
            return amountRange(object, "value", nonNegative: false).map { .attribute(path: path, test: .range($0)) }
        }
    }

    /// A string, a number (exact, within the money bounds) or a boolean.
    private func scalar(_ value: JSONValue, at path: String) -> Bool {
        switch value {
        case .string, .bool: return true
        case .number:
            if value.amountValue != nil { return true }
            reader.report(path, "must be a number with at most 4 fractional digits")
            return false
        default:
            reader.report(path, "must be a string, number or boolean, got \(value.typeName)")
            return false
        }
    }

    private func nonEmptyStrings(_ object: ObjectReader, _ key: String) -> [String] {
        guard let values = object.strings(key) else { return [] }
        if values.isEmpty || values.count > 100 { reader.report(object.pathOf(key), "must list 1 to 100 ids"); return [] }
        return values
    }

    private func intRange(_ object: ObjectReader, _ key: String) -> SegmentRange<Int>? {
        let path = object.pathOf(key)
        guard let range = reader.object(object.value(key), at: path, allowed: ["min", "max"]) else { return nil }
        if !range.has("min") && !range.has("max") { reader.report(path, "needs min, max or both"); return nil }
        let min = range.int("min", min: 0, max: Bounds.maxPointsPerEvent)
        let max = range.int("max", min: 0, max: Bounds.maxPointsPerEvent)
        if (range.has("min") && min == nil) || (range.has("max") && max == nil) { return nil }
        if let min, let max, min > max { reader.report(range.pathOf("min"), "must be <= max (\(max))"); return nil }
        return SegmentRange(min: min, max: max)
    }

    private func amountRange(_ object: ObjectReader, _ key: String, nonNegative: Bool) -> SegmentRange<Amount>? {
        let path = object.pathOf(key)
        guard let range = reader.object(object.value(key), at: path, allowed: ["min", "max"]) else { return nil }
        if !range.has("min") && !range.has("max") { reader.report(path, "needs min, max or both"); return nil }
        let min = range.amount("min", nonNegative: nonNegative)
        let max = range.amount("max", nonNegative: nonNegative)
        if (range.has("min") && min == nil) || (range.has("max") && max == nil) { return nil }
        if let min, let max, min > max { reader.report(range.pathOf("min"), "must be <= max (\(max))"); return nil }
        return SegmentRange(min: min, max: max)
    }
}

extension SegmentDefinition {
    /// The canonical tree, in the program file format.
    public var canonicalTree: JSONValue {
        var tree: [String: JSONValue] = ["id": .string(id), "name": .string(name), "conditions": .array(conditions.map(\.canonicalTree))]
        if let description { tree["description"] = .string(description) }
        return .object(tree)
    }
}

extension SegmentCondition {
    /// The condition as written in the program file (canonical form).
    public var canonicalTree: JSONValue {
        func days(_ tree: inout [String: JSONValue], _ withinDays: Int?) {
            if let withinDays { tree["within_days"] = .number(String(withinDays)) }
        }
        func ints(_ range: SegmentRange<Int>) -> JSONValue {
            var tree: [String: JSONValue] = [:]
            if let min = range.min { tree["min"] = .number(String(min)) }
            if let max = range.max { tree["max"] = .number(String(max)) }
            return .object(tree)
        }
        func amounts(_ range: SegmentRange<Amount>) -> JSONValue {
            var tree: [String: JSONValue] = [:]
            if let min = range.min { tree["min"] = .string(min.description) }
            if let max = range.max { tree["max"] = .string(max.description) }
            return .object(tree)
        }
        var tree: [String: JSONValue] = [:]
        switch self {
        case .attribute(let path, let test):
            tree["attribute"] = .string(path.joined(separator: "."))
            switch test {
            case .eq(let value): tree["op"] = .string("eq"); tree["value"] = value
            case .in(let values): tree["op"] = .string("in"); tree["value"] = .array(values)
            case .range(let range): tree["op"] = .string("range"); tree["value"] = amounts(range)
            case .exists: tree["op"] = .string("exists")
            case .notExists: tree["op"] = .string("not_exists")
            }
        case .tier(let tiers): tree["tier"] = .array(tiers.map(JSONValue.string))
        case .clubs(let clubs): tree["clubs"] = .array(clubs.map(JSONValue.string))
        case .enrolled(let before, let after, let withinDays):
            var window: [String: JSONValue] = [:]
            if let before { window["before"] = .string(Timestamps.format(before)) }
            if let after { window["after"] = .string(Timestamps.format(after)) }
            days(&window, withinDays)
            tree["enrolled"] = .object(window)
        case .purchases(let range, let withinDays): tree["purchases"] = ints(range); days(&tree, withinDays)
        case .spend(let range, let withinDays): tree["spend"] = amounts(range); days(&tree, withinDays)
        case .points(let range): tree["points"] = ints(range)
        case .lastPurchase(let days, let within): tree["last_purchase"] = .object([within ? "within_days" : "not_within_days": .number(String(days))])
        case .bought(let skus, let categories, let withinDays):
            var filter: [String: JSONValue] = [:]
            if !skus.isEmpty { filter["skus"] = .array(skus.map(JSONValue.string)) }
            if !categories.isEmpty { filter["categories"] = .array(categories.map(JSONValue.string)) }
            tree["bought"] = .object(filter)
            days(&tree, withinDays)
        case .did(let type, let atLeast, let withinDays):
            tree["did"] = .string(type)
            tree["at_least"] = .number(String(atLeast))
            days(&tree, withinDays)
        }
        return .object(tree)
    }
}
