import Foundation

/// Reads a `JSONValue` tree into typed values while collecting every problem with its
/// path, so a program file reports all its mistakes at once. Unknown keys are errors.
final class DefinitionReader {
    private(set) var issues: [ValidationIssue] = []

    func report(_ path: String, _ message: String) { issues.append(ValidationIssue(path: path, message: message)) }

    /// An object with the given keys allowed; reports unknown keys and a wrong type.
    func object(_ value: JSONValue?, at path: String, allowed: Set<String>) -> ObjectReader? {
        guard let value else { return nil }
        guard case .object(let fields) = value else {
            report(path, "must be an object, got \(value.typeName)")
            return nil
        }
        for key in fields.keys.sorted() where !allowed.contains(key) {
            report(join(path, key), "unknown key (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
        return ObjectReader(fields: fields, path: path, reader: self)
    }

    func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
}

/// Typed access to one object of the definition.
struct ObjectReader {
    let fields: [String: JSONValue]
    let path: String
    let reader: DefinitionReader

    func has(_ key: String) -> Bool { fields[key] != nil && fields[key] != .null }
    func pathOf(_ key: String) -> String { reader.join(path, key) }
    func value(_ key: String) -> JSONValue? { fields[key] == .null ? nil : fields[key] }

    func missing(_ key: String) { reader.report(pathOf(key), "is required") }

    /// A required id of 1 to 64 ASCII letters, digits, - and _ (what tiers, clubs, segments, caps,
    /// games, cards and challenges are named by); nil, reported, otherwise.
    func identifier(_ key: String = "id") -> String? {
        guard let id = string(key, required: true) else { return nil }
        guard id.count <= 64, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            reader.report(pathOf(key), "must be 1 to 64 letters, digits, - or _")
            return nil
        }
        return id
    }

    /// `identifier`, also refused (reported, naming the `what` and where it was first used) when an
    /// earlier item of the same list took it; `ids` remembers each id's first path.
    func identifier(_ key: String = "id", unique ids: inout [String: String], what: String) -> String? {
        guard let id = identifier(key) else { return nil }
        if let first = ids[id] {
            reader.report(pathOf(key), "duplicate \(what) id \"\(id)\" (first used at \(first))")
            return nil
        }
        ids[id] = pathOf(key)
        return id
    }

    func string(_ key: String, required: Bool = false, nonEmpty: Bool = true) -> String? {
        guard let value = value(key) else { if required { missing(key) }; return nil }
        switch value {
        case .string(let text):
            if nonEmpty && text.trimmingCharacters(in: .whitespaces).isEmpty { reader.report(pathOf(key), "must not be empty"); return nil }
            return text
        case .number(let text): return text
        default: reader.report(pathOf(key), "must be a string, got \(value.typeName)"); return nil
        }
    }

    /// An integer; without a `max` of its own, at most `Bounds.maxPointsPerEvent` (and at least its negation),
    /// so that no value of a program can overflow the sums made from it.
    func int(_ key: String, required: Bool = false, min: Int? = nil, max: Int? = Bounds.maxPointsPerEvent) -> Int? {
        guard let value = value(key) else { if required { missing(key) }; return nil }
        guard case .number(let text) = value, let int = Int(text) else {
            reader.report(pathOf(key), "must be an integer, got \(value.typeName == "number" ? "a fraction" : value.typeName)")
            return nil
        }
        if int < -Bounds.maxPointsPerEvent { reader.report(pathOf(key), "must be >= \(-Bounds.maxPointsPerEvent)"); return nil }
        if let min, int < min { reader.report(pathOf(key), "must be >= \(min)"); return nil }
        if let max, int > max { reader.report(pathOf(key), "must be <= \(max)"); return nil }
        return int
    }

    /// An exact decimal, written as a number or a string; `positive` means > 0. At most
    /// `Bounds.maxEventMoney` either way, so that no value of a program can overflow the sums made from it.
    func amount(_ key: String, required: Bool = false, positive: Bool = false, nonNegative: Bool = false) -> Amount? {
        guard let value = value(key) else { if required { missing(key) }; return nil }
        guard let amount = value.amountValue else {
            reader.report(pathOf(key), "must be a decimal number with at most 4 fractional digits")
            return nil
        }
        if amount.units.magnitude > Bounds.maxEventMoney.units.magnitude {
            reader.report(pathOf(key), "must be at most \(Bounds.maxEventMoney) (and at least -\(Bounds.maxEventMoney))")
            return nil
        }
        if positive && !amount.isPositive { reader.report(pathOf(key), "must be > 0"); return nil }
        if nonNegative && amount.isNegative { reader.report(pathOf(key), "must be >= 0"); return nil }
        return amount
    }

    func bool(_ key: String) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let flag) = value else { reader.report(pathOf(key), "must be true or false"); return nil }
        return flag
    }

    func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type, required: Bool = false) -> T? where T.RawValue == String {
        guard let text = string(key, required: required) else { return nil }
        guard let value = T(rawValue: text) else {
            reader.report(pathOf(key), "must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(text)\"")
            return nil
        }
        return value
    }

    func strings(_ key: String) -> [String]? {
        guard let value = value(key) else { return nil }
        guard case .array(let items) = value else { reader.report(pathOf(key), "must be a list of strings"); return nil }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            switch item {
            case .string(let text): result.append(text)
            case .number(let text): result.append(text)
            default: reader.report("\(pathOf(key))[\(index)]", "must be a string, got \(item.typeName)")
            }
        }
        return result
    }

    /// A consent's name (`marketing`, `profiling` or the brand's own), checked as the consents API checks it.
    func consentName(_ key: String) -> String? {
        guard let name = string(key, required: true) else { return nil }
        guard ConsentName.isValid(name) else {
            reader.report(pathOf(key), Self.notAConsentName(name))
            return nil
        }
        return name
    }

    static func notAConsentName(_ name: String) -> String {
        "must be a consent name: 1 to 40 lowercase letters, digits or _, starting with a letter (e.g. marketing), got \"\(name)\""
    }

    /// A date (`2026-01-31`, start of that day in the program's time zone) or an RFC 3339 timestamp.
    func date(_ key: String, timeZone: TimeZone) -> Date? {
        guard let text = string(key) else { return nil }
        if let date = Timestamps.parse(text) ?? Timestamps.parseDay(text, in: timeZone) { return date }
        reader.report(pathOf(key), "must be a date (2026-01-31) or an RFC 3339 timestamp, got \"\(text)\"")
        return nil
    }

    /// A list of at most `max` items (more are reported, and none is read).
    func list(_ key: String, required: Bool = false, max: Int = 10_000) -> [(JSONValue, String)]? {
        guard let value = value(key) else { if required { missing(key) }; return nil }
        guard case .array(let items) = value else { reader.report(pathOf(key), "must be a list, got \(value.typeName)"); return nil }
        guard items.count <= max else { reader.report(pathOf(key), "has \(items.count) items; at most \(max) are allowed"); return nil }
        return items.enumerated().map { ($0.element, "\(pathOf(key))[\($0.offset)]") }
    }
}
