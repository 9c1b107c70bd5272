import Foundation

/// A named set of members, defined in the program file under `segments:` and so versioned with
/// it: a member belongs while every condition holds. Stores evaluate the conditions as SQL over
/// members, events and balances (`GET /v1/segments/{id}/members`); rules test the materialised
/// membership (`member.segments contains "vip-lapsed"`). See docs/program-format.md (`segments`).
public struct SegmentDefinition: Hashable, Sendable {
    public var id: String
    public var name: String
    public var description: String?
    /// All must hold; none means every member.
    public var conditions: [SegmentCondition]

    public init(id: String, name: String, description: String? = nil, conditions: [SegmentCondition] = []) {
        self.id = id
        self.name = name
        self.description = description
        self.conditions = conditions
    }
}

/// An inclusive range whose ends may be open; used for counts, points and money.
public struct SegmentRange<Bound: Hashable & Sendable & Comparable>: Hashable, Sendable {
    public var min: Bound?
    public var max: Bound?
    public init(min: Bound? = nil, max: Bound? = nil) { self.min = min; self.max = max }
    public func contains(_ value: Bound) -> Bool { (min.map { value >= $0 } ?? true) && (max.map { value <= $0 } ?? true) }
}

/// One condition of a segment. Windows (`withinDays`) count back from the moment of evaluation;
/// nil means the member's whole history.
public enum SegmentCondition: Hashable, Sendable {
    /// A member attribute (`attribute: style.fit`, a dotted path into the attributes object).
    case attribute(path: [String], test: AttributeTest)
    /// The member holds one of these tiers.
    case tier([String])
    /// The member belongs (actively) to at least one of these clubs.
    case clubs([String])
    /// Enrolment date: before and after are instants; within the last N days.
    case enrolled(before: Date?, after: Date?, withinDays: Int?)
    /// Number of processed purchases in the window.
    case purchases(SegmentRange<Int>, withinDays: Int?)
    /// Sum of processed purchases' totals less their refunds in the window, exact.
    case spend(SegmentRange<Amount>, withinDays: Int?)
    /// Available points balance (as cached on the member).
    case points(SegmentRange<Int>)
    /// A purchase within the last N days (`within`), or none (`within` false: lapsed, or never bought).
    case lastPurchase(days: Int, within: Bool)
    /// A processed purchase with a line of one of these SKUs or categories in the window.
    case bought(skus: [String], categories: [String], withinDays: Int?)
    /// At least `atLeast` processed events of `type` in the window.
    case did(type: String, atLeast: Int, withinDays: Int?)

    /// How a member attribute is tested.
    public enum AttributeTest: Hashable, Sendable {
        /// Equal to a string, number or boolean (numbers compare by value).
        case eq(JSONValue)
        /// Equal to one of these.
        case `in`([JSONValue])
        /// A number within the range.
        case range(SegmentRange<Amount>)
        /// Present and not null.
        case exists
        /// Absent or null.
        case notExists
    }
}

extension ProgramDefinition {
    public static let maxSegments = 100
    public static let maxConditionsPerSegment = 20

    public func segment(_ id: String) -> SegmentDefinition? { segments.first { $0.id == id } }

    /// Whether any earning rule or campaign audience tests `member.segments`: only then does an event read the member's
    /// materialised segments.
    public var rulesReadSegments: Bool {
        campaigns.contains { !$0.audience.segments.isEmpty } || allEarningRules.contains { rule in
            rule.conditions.contains { if case .field(let path, _, _) = $0 { path == "member.segments" } else { false } }
        }
    }
}
