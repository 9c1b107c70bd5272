import Foundation

/// A goal over a member's events in a window: "3 reviews this month" (`count`), "buy from 4
/// different categories" (`distinct`), "50,000 steps this week" (`sum`), "check in 5 weeks in a
/// row" (`streak`). Completing it gives points, a catalogue reward and/or a badge.
/// See docs/program-format.md (`challenges`).
public struct ChallengeDefinition: Hashable, Sendable {
    /// What the challenge measures over its qualifying events.
    public enum Measure: Hashable, Sendable {
        /// How many qualifying events.
        case count
        /// How many different values of a purchase line attribute (`category`, `sku`, `label`).
        case distinct(LineAttribute)
        /// The sum of a numeric event attribute (whole units; fractions are dropped).
        case sum(attribute: String)
        /// Consecutive periods each with at least one qualifying event; `grace` missed periods are forgiven per streak.
        case streak(period: ChallengePeriod, grace: Int)

        /// The measure's name, as the program file and the API write it.
        public var name: String {
            switch self {
            case .count: "count"
            case .distinct: "distinct"
            case .sum: "sum"
            case .streak: "streak"
            }
        }
    }

    /// The purchase line attribute a `distinct` challenge counts values of.
    public enum LineAttribute: String, Sendable, CaseIterable { case category, sku, label }

    public var id: String
    public var name: String
    public var description: String?
    /// `name` in other languages, for the member portal.
    public var names = Translations()
    /// The event type that counts (`review`, `purchase`, `check_in`…).
    public var event: String
    public var measure: Measure
    /// The figure that completes the challenge: events, distinct values, the sum, or periods in a row.
    public var target: Int
    /// The challenge starts over every period (in the program's time zone); nil = one-off.
    public var repeats: ChallengePeriod?
    /// Events before `startsAt` or from `endsAt` on do not count; nil = open.
    public var startsAt: Date?
    public var endsAt: Date?
    /// Members must join (`POST /v1/members/{id}/challenges/{challenge_id}/join`) before their events count.
    public var optIn: Bool
    /// Only members in one of these tiers take part; empty = every tier (and none).
    public var tiers: [String]
    /// Only members in one of these segments (as of the last refresh) take part; empty = everyone.
    public var segments: [String]
    /// What completing gives.
    public var points: Int?
    public var reward: String?
    public var badge: String?

    public init(id: String, name: String, description: String? = nil, event: String, measure: Measure, target: Int, repeats: ChallengePeriod? = nil,
                startsAt: Date? = nil, endsAt: Date? = nil, optIn: Bool = false, tiers: [String] = [], segments: [String] = [],
                points: Int? = nil, reward: String? = nil, badge: String? = nil) {
        self.id = id
        self.name = name
        self.description = description
        self.event = event
        self.measure = measure
        self.target = target
        self.repeats = repeats
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.optIn = optIn
        self.tiers = tiers
        self.segments = segments
        self.points = points
        self.reward = reward
        self.badge = badge
    }

    /// Whether the member may take part: in one of `tiers` and one of `segments` when these are set.
    public func admits(_ member: MemberProfile) -> Bool {
        (tiers.isEmpty || member.tier.map { tiers.contains($0) } == true) && (segments.isEmpty || segments.contains { member.segments.contains($0) })
    }

    /// Whether `date` is inside the challenge's window.
    public func isOpen(at date: Date) -> Bool {
        (startsAt.map { date >= $0 } ?? true) && (endsAt.map { date < $0 } ?? true)
    }
}

/// A named achievement a member keeps, given by completing challenges.
public struct BadgeDefinition: Hashable, Sendable {
    public var id: String
    public var name: String
    public var description: String?
    /// `name` in other languages, for the member portal.
    public var names = Translations()
    public var imageURL: String

    public init(id: String, name: String, description: String? = nil, names: Translations = Translations(), imageURL: String) {
        self.id = id
        self.name = name
        self.description = description
        self.names = names
        self.imageURL = imageURL
    }
}
