import Foundation

/// An exclusive club: how members get in, for how long, and how many may belong at once.
/// Club members get early access to rewards and can be targeted by members-only rules
/// (`member.clubs contains "sneakers"`). See docs/program-format.md (`clubs`).
public struct ClubDefinition: Hashable, Sendable {
    /// Who may invite a member in.
    public enum Invitations: String, Sendable, CaseIterable {
        case none
        /// Staff, through the API with an admin key.
        case staff
        /// Staff, and members of the club for their friends.
        case members
    }

    /// How a membership that reaches its end goes on.
    public enum Renewal: String, Sendable, CaseIterable {
        /// It ends; the member may join again.
        case none
        /// Paying the points again before the end extends it by one more duration.
        case purchase
        /// Memberships that came with a tier renew for as long as the member holds one of `tiers`.
        case whileInTier = "while_in_tier"
    }

    public var id: String
    public var name: String
    public var description: String?
    /// `name` and `description` in other languages, for the member portal.
    public var names = Translations()
    public var descriptions = Translations()
    public var invitations: Invitations
    /// Reaching any of these tiers joins the member.
    public var tiers: [String]
    /// To join by invitation or with points, the member must be in one of these segments (as of the last
    /// refresh of segment memberships); empty = no such requirement.
    public var segments: [String] = []
    /// The price of joining with points; nil when the club cannot be bought.
    public var pointsCost: Int?
    /// How long a membership lasts; nil = until the member leaves.
    public var durationMonths: Int?
    public var renewal: Renewal
    /// Most members at once (scarcity); nil = no cap.
    public var memberCap: Int?
    /// Days before the end a `club.membership_expiring` message is emitted.
    public var notifyDaysBefore: Int

    public init(id: String, name: String, description: String? = nil, invitations: Invitations = .staff, tiers: [String] = [],
                pointsCost: Int? = nil, durationMonths: Int? = nil, renewal: Renewal = .none, memberCap: Int? = nil, notifyDaysBefore: Int = 7) {
        self.id = id
        self.name = name
        self.description = description
        self.invitations = invitations
        self.tiers = tiers
        self.pointsCost = pointsCost
        self.durationMonths = durationMonths
        self.renewal = renewal
        self.memberCap = memberCap
        self.notifyDaysBefore = notifyDaysBefore
    }

    /// The end of a membership that ended at `end` and renews at `now`: one duration later, or as
    /// many as it takes to be after `now` (when the job missed periods); nil without a duration.
    public func renewedEnd(after end: Date, now: Date, calendar: Calendar) -> Date? {
        guard let months = durationMonths else { return nil }
        var periods = 1
        while let next = calendar.date(byAdding: .month, value: months * periods, to: end) {
            if next > now { return next }
            periods += 1
        }
        return nil
    }

    /// The longest translated name and description (of clubs, tiers and rewards).
    public static let maxNameLength = 200
    public static let maxDescriptionLength = 2000

    /// The end of a membership starting (or renewed) at `start`.
    public func endDate(from start: Date, calendar: Calendar) -> Date? {
        durationMonths.flatMap { calendar.date(byAdding: .month, value: $0, to: start) }
    }
}
