import Foundation

/// A challenge an event completed: what the store writes beside the event (its badge, the
/// `challenge.completed` message) and what the event's outcome explains.
public struct ChallengeCompletion: Hashable, Sendable {
    public var challenge: ChallengeDefinition
    /// The repeating challenge's period it was completed in; nil for a one-off.
    public var period: Int?
    public var completedAt: Date
    public init(challenge: ChallengeDefinition, period: Int?, completedAt: Date) {
        self.challenge = challenge
        self.period = period
        self.completedAt = completedAt
    }
}

/// What an event did to the member's challenges.
public struct ChallengeOutcome: Hashable, Sendable {
    /// Progress that changed, by challenge id (for the store to write).
    public var changed: [String: ChallengeProgress] = [:]
    public var completions: [ChallengeCompletion] = []
    public init() {}
    public var isEmpty: Bool { changed.isEmpty }
}

/// Applies a program's challenges to events and shows a member where they stand. Pure: the
/// progress and the clock come in. Made once per program version (`EventProcessor.challenges`).
public struct ChallengeEvaluator: Sendable {
    public let program: ProgramDefinition
    /// The program's calendar, made once (each `program.calendar` makes a new one).
    public let calendar: Calendar
    public var zone: TimeZone { calendar.timeZone }
    /// The challenges each event type can move.
    private let byEventType: [String: [ChallengeDefinition]]

    public init(program: ProgramDefinition, calendar: Calendar? = nil) {
        self.program = program
        self.calendar = calendar ?? program.calendar
        self.byEventType = Dictionary(grouping: program.challenges.filter { $0.event != LoyaltyEvent.returnType }, by: \.event)
    }

    /// The challenges an event of `type` can move: only their progress needs reading.
    public func challenges(for event: LoyaltyEvent) -> [ChallengeDefinition] { byEventType[event.type] ?? [] }

    /// Whether the member's segments must be read for this event's challenges.
    public func readsSegments(for event: LoyaltyEvent) -> Bool { challenges(for: event).contains { !$0.segments.isEmpty } }

    /// Advances the member's challenges with a processed event and credits what completions give:
    /// points as a lot of the event (explained by a result `challenge:<id>` in the outcome's
    /// rules), a catalogue reward as that result's gift (issued by the store like a gift rule's).
    /// Opt-in challenges count only after joining; tier and segment limits use `member`.
    /// `progress` needs only the entries of `challenges(for: event)`.
    public func apply(_ event: LoyaltyEvent, member: MemberProfile, progress: [String: ChallengeProgress], to outcome: inout EventOutcome,
                      now: Date) throws(EventProcessingError) -> ChallengeOutcome {
        var result = ChallengeOutcome()
        guard outcome.status == .processed, member.status == .active else { return result }
        for challenge in challenges(for: event) where challenge.admits(member) {
            let before = progress[challenge.id] ?? ChallengeProgress()
            if challenge.optIn && before.joinedAt == nil { continue }
            let (after, completed) = challenge.advance(before, with: event, zone: zone)
            if after != before { result.changed[challenge.id] = after }
            guard completed else { continue }
            result.completions.append(ChallengeCompletion(challenge: challenge, period: after.period, completedAt: event.occurredAt))
            let points = challenge.points ?? 0
            if points > 0 {
                try outcome.creditBonus(points, of: event, expiresAt: program.expiry.expiryDate(earnedAt: event.occurredAt, calendar: calendar), now: now)
            }
            if points > 0 || challenge.reward != nil {
                var explanation = "completed the challenge \(challenge.name) (\(challenge.target) \(challenge.targetUnit))"
                if let reward = challenge.reward { explanation += "; reward \(reward)" }
                var rule = RuleResult(ruleId: "challenge:\(challenge.id)", ruleName: challenge.name, matched: true, points: points,
                                      explanation: explanation)
                rule.gift = challenge.reward
                outcome.rules.append(rule)
            }
        }
        return result
    }

    /// Where the member stands in `challenge` at `now`.
    public func standing(of challenge: ChallengeDefinition, progress: ChallengeProgress?, member: MemberProfile, now: Date) -> ChallengeStanding {
        let progress = progress ?? ChallengeProgress()
        var standing = ChallengeStanding(status: .active, progress: progress.progress, target: challenge.target, endsAt: challenge.endsAt,
                                         joinedAt: progress.joinedAt, completedAt: progress.completedAt, completions: progress.completions)
        if let repeats = challenge.repeats {
            let current = repeats.index(of: now, in: zone)
            let end = repeats.end(of: current, in: zone)
            standing.endsAt = min(end, challenge.endsAt ?? end)
            if progress.period != current {
                standing.progress = 0
                standing.completedAt = nil
            }
        } else if let deadline = challenge.streakDeadline(progress), case .streak(let unit, _) = challenge.measure, progress.completedAt == nil {
            if unit.index(of: now, in: zone) > deadline {
                standing.progress = 0 // the streak broke: the next qualifying event starts a new one
            } else {
                let end = unit.end(of: deadline, in: zone)
                standing.endsAt = min(end, challenge.endsAt ?? end)
            }
        }
        if standing.completedAt != nil {
            standing.status = .completed
        } else if !challenge.admits(member) {
            standing.status = .notEligible
        } else if let endsAt = challenge.endsAt, now >= endsAt {
            standing.status = .ended
        } else if let startsAt = challenge.startsAt, now < startsAt {
            standing.status = .upcoming
        } else if challenge.optIn && progress.joinedAt == nil {
            standing.status = .notJoined
        }
        return standing
    }

    /// The progress after the member joins `challenge` at `now`, or why they cannot.
    public func join(_ challenge: ChallengeDefinition, progress: ChallengeProgress?, member: MemberProfile, now: Date) -> Result<ChallengeProgress, ChallengeJoinRefusal> {
        guard challenge.optIn else { return .failure(.notOptIn) }
        guard progress?.joinedAt == nil else { return .failure(.alreadyJoined) }
        guard challenge.admits(member) else { return .failure(.notEligible) }
        if let endsAt = challenge.endsAt, now >= endsAt { return .failure(.ended) }
        var joined = progress ?? ChallengeProgress()
        joined.joinedAt = now
        return .success(joined)
    }
}

/// A member's place in one challenge, as `GET /v1/members/{id}/challenges` shows it.
public struct ChallengeStanding: Hashable, Sendable {
    public enum Status: String, Sendable, CaseIterable {
        case active, completed, ended, upcoming
        /// An opt-in challenge the member has not joined.
        case notJoined = "not_joined"
        /// The challenge is limited to tiers or segments the member is not in.
        case notEligible = "not_eligible"
    }
    public var status: Status
    public var progress: Int
    public var target: Int
    /// When the current period ends (repeating), the streak must continue by, or the window closes; nil = open.
    public var endsAt: Date?
    public var joinedAt: Date?
    public var completedAt: Date?
    public var completions: Int
}

/// Why a member cannot join a challenge (answered 409, or 404 for an unknown challenge).
public enum ChallengeJoinRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    case notOptIn, alreadyJoined, notEligible, ended

    public var code: String {
        switch self {
        case .notOptIn: "challenge_not_opt_in"
        case .alreadyJoined: "challenge_already_joined"
        case .notEligible: "challenge_not_eligible"
        case .ended: "challenge_ended"
        }
    }

    public var description: String {
        switch self {
        case .notOptIn: "this challenge needs no joining: every qualifying event counts"
        case .alreadyJoined: "the member already joined this challenge"
        case .notEligible: "the challenge is limited to tiers or segments the member is not in"
        case .ended: "the challenge has ended"
        }
    }
}

extension ChallengeDefinition {
    /// What the target counts, for explanations ("3 review events", "4 categories", "5 weeks in a row").
    public var targetUnit: String {
        switch measure {
        case .count: "\(event) events"
        case .distinct(let attribute): attribute == .category ? "categories" : "different \(attribute.rawValue)s"
        case .sum(let attribute): attribute
        case .streak(let unit, _): "\(unit.unit)s in a row"
        }
    }
}
