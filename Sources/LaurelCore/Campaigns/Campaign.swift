import Foundation

/// A time-boxed change to the program, listed under `campaigns:` in the program file and versioned
/// with it: extra earning rules for the events of its audience inside its window, and gifts of
/// points or a reward credited once per member by the scheduled job. See docs/program-format.md.
public struct Campaign: Hashable, Sendable {
    public enum Status: String, Sendable, CaseIterable { case scheduled, active, ended }

    public var id: String
    public var name: String
    public var description: String?
    /// The window `[start, end)`: events that occurred inside it get the campaign's rules.
    public var start: Date
    public var end: Date
    /// An exclusive campaign may not overlap another exclusive one.
    public var exclusive: Bool
    public var audience: CampaignAudience
    /// Extra earning rules, evaluated after the program's own (`earning_rules`) for events inside
    /// the window and the audience. Their ids are unique across the program.
    public var rules: [EarningRule]
    /// Points credited once to each member of the audience while the campaign runs.
    public var pointsGift: Int?
    /// A reward (catalogue id) granted once to each member of the audience while the campaign runs.
    public var rewardGift: String?

    public init(id: String, name: String, description: String? = nil, start: Date, end: Date, exclusive: Bool = false,
                audience: CampaignAudience = CampaignAudience(), rules: [EarningRule] = [], pointsGift: Int? = nil, rewardGift: String? = nil) {
        self.id = id
        self.name = name
        self.description = description
        self.start = start
        self.end = end
        self.exclusive = exclusive
        self.audience = audience
        self.rules = rules
        self.pointsGift = pointsGift
        self.rewardGift = rewardGift
    }

    /// Scheduled before `start`, active inside the window, ended from `end` on.
    public func status(at now: Date) -> Status {
        now < start ? .scheduled : now < end ? .active : .ended
    }

    public func isRunning(at date: Date) -> Bool { start <= date && date < end }

    /// Whether the campaign gives anything by the job (points or a reward) rather than on events only.
    public var hasGift: Bool { pointsGift != nil || rewardGift != nil }
}

/// Who a campaign is for. Everyone by default; every part that is set must hold. `tiers` and
/// `segments` are about the member, `stores` and `channels` about the event (so they restrict
/// the campaign's rules, not its gifts). `share` keeps a random but fixed part of the members
/// (staged roll-outs) and `holdout` sets a fixed part of that audience aside to get nothing, so the
/// campaign's effect can be measured against it; both pick members by a stable hash of the seed
/// and the member id (`CampaignAudience.bucket`), each with its own salt.
public struct CampaignAudience: Hashable, Sendable {
    public var tiers: [String]
    public var stores: [String]
    public var channels: [String]
    /// Segment ids: the member must be in at least one (`member.segments`).
    public var segments: [String]
    /// Consents the member must all have granted (`marketing`…), for the rules and the gifts.
    public var consents: [String]
    /// The part of the members in the audience, 0…1; nil = all of them.
    public var share: Amount?
    /// The part of the audience held out, 0…1; nil = none.
    public var holdout: Amount?
    /// The seed of the share's and holdout's hash; the campaign id when not given.
    public var seed: String?

    public init(tiers: [String] = [], stores: [String] = [], channels: [String] = [], segments: [String] = [], consents: [String] = [],
                share: Amount? = nil, holdout: Amount? = nil, seed: String? = nil) {
        self.tiers = tiers
        self.stores = stores
        self.channels = channels
        self.segments = segments
        self.consents = consents
        self.share = share
        self.holdout = holdout
        self.seed = seed
    }

    /// The member-level conditions (tiers, segments, consents), as rule conditions.
    public var memberConditions: [RuleCondition] {
        var conditions: [RuleCondition] = []
        if !tiers.isEmpty { conditions.append(.field(path: "member.tier", op: .in, value: .array(tiers.map(JSONValue.string)))) }
        // `member.segments` is the member's segments as of the last refresh (like `member.clubs`, a
        // list): `in` on a list field means "any of". The ids are the program's (checked on reading).
        if !segments.isEmpty { conditions.append(.field(path: "member.segments", op: .in, value: .array(segments.map(JSONValue.string)))) }
        conditions += consents.map(RuleCondition.consent)
        return conditions
    }

    /// The event-level conditions (stores, channels), as rule conditions.
    public var eventConditions: [RuleCondition] {
        var conditions: [RuleCondition] = []
        if !stores.isEmpty { conditions.append(.stores(Set(stores))) }
        if !channels.isEmpty { conditions.append(.field(path: "event.channel", op: .in, value: .array(channels.map(JSONValue.string)))) }
        return conditions
    }

    /// Where a member stands by the share and the holdout alone (the hash): outside the share, in the
    /// holdout, or in the (treated) audience.
    public enum Placement: String, Sendable { case audience, holdout, outside }

    public func placement(memberId: String, campaignId: String) -> Placement {
        let seed = self.seed ?? campaignId
        if let share, !Self.isInPart(share, Self.bucket(seed: seed, salt: "share", memberId: memberId)) { return .outside }
        if let holdout, Self.isInPart(holdout, Self.bucket(seed: seed, salt: "holdout", memberId: memberId)) { return .holdout }
        return .audience
    }

    /// A member's stable place in 0 ..< 2^64 for a seed and salt: FNV-1a over `seed`, `salt` and the
    /// member id (separated by NUL bytes). Stable across versions, processes and machines.
    public static func bucket(seed: String, salt: String, memberId: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ text: String) {
            for byte in text.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
        }
        mix(seed); mix("\u{0}"); mix(salt); mix("\u{0}"); mix(memberId)
        // FNV's low bits mix poorly for short inputs: finish with a 64-bit avalanche (SplitMix64's).
        hash = (hash ^ (hash >> 30)) &* 0xbf58_476d_1ce4_e5b9
        hash = (hash ^ (hash >> 27)) &* 0x94d0_49bb_1331_11eb
        return hash ^ (hash >> 31)
    }

    /// Whether `bucket` falls in the first `part` (0…1) of 0 ..< 2^64.
    static func isInPart(_ part: Amount, _ bucket: UInt64) -> Bool {
        guard part.units > 0 else { return false }
        guard part.units < Amount.scale else { return true }
        return UInt128(bucket) * UInt128(Amount.scale) < UInt128(UInt64(part.units)) << 64
    }
}

/// A present on the member's birthday, given once a year by the scheduled job (`birthday:` in the program file).
public struct BirthdayGift: Hashable, Sendable {
    public var points: Int?
    /// A reward (catalogue id) granted without spending points.
    public var reward: String?
    /// Days before and after the birthday in which the job gives it (0 and 0: on the day).
    public var windowDaysBefore: Int
    public var windowDaysAfter: Int

    public init(points: Int? = nil, reward: String? = nil, windowDaysBefore: Int = 0, windowDaysAfter: Int = 0) {
        self.points = points
        self.reward = reward
        self.windowDaysBefore = windowDaysBefore
        self.windowDaysAfter = windowDaysAfter
    }

    /// The birthday (`YYYY-MM-DD`, the year ignored) falls on this local day in `year`: 02-29 is
    /// 02-28 in other years. Nil for a text that is no date.
    public static func day(of birthday: String, in year: Int) -> Int? {
        let parts = birthday.split(separator: "-")
        guard parts.count == 3, let month = Int(parts[1]), let dayOfMonth = Int(parts[2]), (1...12).contains(month),
              dayOfMonth >= 1, dayOfMonth <= Timestamps.daysIn(month: month, year: 2024) else { return nil }
        let day = min(dayOfMonth, Timestamps.daysIn(month: month, year: year))
        return Timestamps.daysFromCivil(year: year, month: month, day: day)
    }

    /// The birthdays (`MM-DD`) whose window contains the local day of `now`: the days from
    /// `windowDaysAfter` before today to `windowDaysBefore` after it, with 02-29 beside 02-28 in
    /// years without it.
    public func monthDays(around now: Date, timeZone: TimeZone) -> [String] {
        let today = LocalDays.day(now, timeZone)
        var days: [String] = []
        for day in (today - windowDaysAfter)...(today + windowDaysBefore) {
            let (year, month, dayOfMonth) = Timestamps.civilFromDays(day)
            days.append(Self.monthDay(month, dayOfMonth))
            if month == 2 && dayOfMonth == 28 && Timestamps.daysIn(month: 2, year: year) == 28 { days.append("02-29") }
        }
        return days
    }

    private static func monthDay(_ month: Int, _ day: Int) -> String {
        (month < 10 ? "0" : "") + String(month) + "-" + (day < 10 ? "0" : "") + String(day)
    }

    /// The year whose birthday is due at `now` (local day in `timeZone`), for a member enrolled at
    /// `enrolledAt`: the year whose window contains today, whose birthday is not before the day of
    /// enrolment. Nil when none is due.
    public func dueYear(birthday: String, enrolledAt: Date, now: Date, timeZone: TimeZone) -> Int? {
        let today = LocalDays.day(now, timeZone)
        let enrolled = LocalDays.day(enrolledAt, timeZone)
        let (year, _, _) = Timestamps.civilFromDays(today)
        // A window can reach across New Year: look at last year's, this year's and next year's birthday.
        for candidate in [year - 1, year, year + 1] {
            guard let day = Self.day(of: birthday, in: candidate) else { return nil }
            if day - windowDaysBefore <= today && today <= day + windowDaysAfter && day >= enrolled { return candidate }
        }
        return nil
    }
}
