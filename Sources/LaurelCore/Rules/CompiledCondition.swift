import Foundation

/// A rule condition prepared for fast evaluation: field paths split, numeric operands parsed
/// and the description written once per program version instead of once per event. A class, so a
/// rule's walk over its conditions retains a reference instead of copying each one.
final class CompiledCondition: Sendable {
    private enum Field: Sendable {
        case eventType, eventStore, eventChannel, eventTotal
        case eventAttribute(ArraySlice<String>)
        case memberStatus, memberTier, memberClubs, memberSegments
        case memberAttribute(ArraySlice<String>)
    }

    private enum Check: Sendable {
        case field(Field, ComparisonOperator, JSONValue?, Amount?)
        /// Bit `d` set for ISO weekday `d` (1 = Monday … 7 = Sunday): a test per event, no hashing.
        case daysOfWeek(UInt64)
        case stores(Set<String>)
        case hasProduct(LineFilter)
        case consent(String)
    }

    private let check: Check
    private let timeZone: TimeZone
    /// How the condition reads in an explanation ("event.channel eq \"app\"").
    let description: String
    /// The explanation of a rule this condition stopped.
    let failure: String

    init(_ condition: RuleCondition, timeZone: TimeZone) {
        self.timeZone = timeZone
        switch condition {
        case .daysOfWeek(let days):
            // Days outside 1…7 never match a weekday, so leaving them out changes nothing.
            check = .daysOfWeek(days.reduce(0) { (1...7).contains($1) ? $0 | 1 << UInt64($1) : $0 })
            description = "day of week"
        case .stores(let stores):
            check = .stores(stores)
            description = "store in \(stores.sorted().joined(separator: ", "))"
        case .hasProduct(let filter):
            check = .hasProduct(filter)
            description = "purchase contains a matching product"
        case .consent(let name):
            check = .consent(name)
            description = "consent to \(name)"
        case .field(let path, let op, let value):
            let parts = path.split(separator: ".").map(String.init)
            let rest = parts.dropFirst()
            let field: Field
            if parts.first == "event" {
                switch Array(rest) {
                case ["type"]: field = .eventType
                case ["store"]: field = .eventStore
                case ["channel"]: field = .eventChannel
                case ["total"]: field = .eventTotal
                default: field = .eventAttribute(rest)
                }
            } else {
                switch Array(rest) {
                case ["status"]: field = .memberStatus
                case ["tier"]: field = .memberTier
                case ["clubs"]: field = .memberClubs
                case ["segments"]: field = .memberSegments
                default: field = .memberAttribute(rest)
                }
            }
            check = .field(field, op, value, value?.amountValue)
            description = "\(path) \(op.rawValue)\(value.map { " \(Self.text($0))" } ?? "")"
        }
        if case .consent(let name) = condition {
            failure = "the member has not consented to \(name)"
        } else {
            failure = "condition not met: " + description
        }
    }

    /// Whether the condition reads the event's weekday.
    var readsWeekday: Bool {
        if case .daysOfWeek = check { true } else { false }
    }

    /// `weekday` is the event's ISO weekday when the caller already worked it out (for several rules
    /// at once: it costs a time zone lookup).
    func holds(event: LoyaltyEvent, member: MemberProfile, lines: [PurchaseLine], weekday: Int? = nil) -> Bool {
        switch check {
        case .daysOfWeek(let days):
            return days & 1 << UInt64(weekday ?? Self.isoWeekday(event.occurredAt, timeZone)) != 0
        case .stores(let stores):
            return event.store.map(stores.contains) ?? false
        case .hasProduct(let filter):
            return event.purchase != nil && lines.contains(where: filter.matches)
        case .consent(let name):
            return member.consents.contains(name)
        case .field(.eventTotal, let op, let operand, let operandAmount):
            // Compared as an exact amount, without a trip through text.
            guard let total = event.purchase?.total else { return op == .ne || op == .notIn }
            switch op {
            case .gt, .gte, .lt, .lte, .eq, .ne:
                guard let right = operandAmount else { return op == .ne }
                switch op {
                case .gt: return total > right
                case .gte: return total >= right
                case .lt: return total < right
                case .lte: return total <= right
                case .eq: return total == right
                default: return total != right
                }
            default:
                return Self.compare(.number(total.description), op, operand, operandAmount)
            }
        case .field(let field, let op, let operand, let operandAmount):
            return Self.compare(resolve(field, event: event, member: member), op, operand, operandAmount)
        }
    }

    /// 1 = Monday … 7 = Sunday, in the program's time zone.
    static func isoWeekday(_ date: Date, _ timeZone: TimeZone) -> Int {
        LocalDays.isoWeekday(LocalDays.day(date, timeZone))
    }

    private func resolve(_ field: Field, event: LoyaltyEvent, member: MemberProfile) -> JSONValue? {
        switch field {
        case .eventType: return .string(event.type)
        case .eventStore: return event.store.map(JSONValue.string)
        case .eventChannel: return event.channel.map(JSONValue.string)
        case .eventTotal: return event.purchase.map { .number($0.total.description) }
        case .eventAttribute(let path): return RuleEvaluator.lookup(event.attributes, path)
        case .memberStatus: return .string(member.status.rawValue)
        case .memberTier: return member.tier.map(JSONValue.string)
        case .memberClubs: return .array(member.clubs.map(JSONValue.string))
        case .memberSegments: return .array(member.segments.map(JSONValue.string))
        case .memberAttribute(let path): return RuleEvaluator.lookup(member.attributes, path)
        }
    }

    private static func same(_ lhs: JSONValue, _ rhs: JSONValue, _ rhsAmount: Amount?) -> Bool {
        if case .string(let left) = lhs, case .string(let right) = rhs { return left == right }
        if let right = rhsAmount ?? rhs.amountValue, let left = lhs.amountValue { return left == right }
        return lhs == rhs
    }

    private static func compare(_ actual: JSONValue?, _ op: ComparisonOperator, _ operand: JSONValue?, _ operandAmount: Amount?) -> Bool {
        // `.null` is tested by pattern: comparing with `!=` would run JSONValue's recursive equality.
        if case .null? = actual { return op == .ne || op == .notIn }
        if op == .exists { return actual != nil }
        guard let actual else { return op == .ne || op == .notIn }
        switch op {
        case .eq: return operand.map { same(actual, $0, operandAmount) } ?? false
        case .ne: return operand.map { !same(actual, $0, operandAmount) } ?? true
        // On a list field (`member.clubs`, `member.segments`), `in` means any of its items is in the list.
        case .in: return isIn(actual, operand)
        case .notIn: return !isIn(actual, operand)
        case .contains:
            guard let operand else { return false }
            if case .array(let items) = actual { return items.contains(where: { same($0, operand, operandAmount) }) }
            if case .string(let text) = actual, case .string(let part) = operand { return text.contains(part) }
            return false
        case .gt, .gte, .lt, .lte:
            guard let left = actual.amountValue, let right = operandAmount else { return false }
            switch op {
            case .gt: return left > right
            case .gte: return left >= right
            case .lt: return left < right
            default: return left <= right
            }
        case .exists: return true
        }
    }

    private static func isIn(_ actual: JSONValue, _ operand: JSONValue?) -> Bool {
        guard let list = operand?.arrayValue else { return false }
        if case .array(let items) = actual { return items.contains { item in list.contains { same(item, $0, nil) } } }
        return list.contains { same(actual, $0, nil) }
    }

    private static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): "\"\(s)\""
        case .number(let n): n
        case .bool(let b): "\(b)"
        case .array(let items): "[" + items.map(text).joined(separator: ", ") + "]"
        case .null: "null"
        case .object: "{…}"
        }
    }
}
