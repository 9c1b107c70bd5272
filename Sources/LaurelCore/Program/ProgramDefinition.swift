import Foundation

/// One brand's loyalty program as written in its program file: currency, point value,
/// rounding, expiry and pending policy, return policy, earning rules, tiers, clubs, segments,
/// campaigns and the birthday present.
/// See docs/program-format.md for the file format.
public struct ProgramDefinition: Hashable, Sendable {
    public var name: String
    /// ISO 4217 code; purchases in another currency are refused.
    public var currency: String
    /// Money value of one point, for liability reporting.
    public var pointValue: Amount
    public var rounding: RoundingMode
    /// IANA time zone used for days of week, calendar limits and expiry dates.
    public var timeZone: String
    public var expiry: ExpiryPolicy
    /// Days points earned by a purchase wait as pending (the return window) before they can be spent.
    public var pendingDays: Int
    public var returns: ReturnPolicy
    /// Days before a lot expires that the member is told (`points.expiring_soon`), largest first.
    public var expiringSoonDays: [Int]
    public var earningRules: [EarningRule]
    /// VIP tiers; nil when the program has none.
    public var tiers: TierPolicy?
    public var clubs: [ClubDefinition]
    /// Named sets of members (`segments`); see `SegmentDefinition`.
    public var segments: [SegmentDefinition]

    /// Time-boxed campaigns, in the order the program lists them.
    public var campaigns: [Campaign]
    /// The birthday present; nil when the program gives none.
    public var birthday: BirthdayGift?
    /// Browser origins whose pages may read the answers to this program's requests (`cors.allowed_origins`); see `CORSOrigin`.
    public var corsOrigins: [String]
    /// Fraud controls (`fraud:`); nil when the program has none, which costs its events nothing.
    public var fraud: FraudPolicy?
    /// How the member portal looks (`branding:`).
    public var branding: Branding
    /// Referral codes, links, fraud screen and rewards (`referrals:`); nil when the program has none.
    public var referrals: ReferralPolicy?
    /// Punch cards (`punch_cards:`), in the order the program lists them.
    public var punchCards: [PunchCard]
    /// Spin-the-wheels and raffles (`games:`).
    public var games: Games
    /// Named achievements challenges give (`badges:`).
    public var badges: [BadgeDefinition] = []
    /// Goals over events in a window (`challenges:`); see `ChallengeDefinition`.
    public var challenges: [ChallengeDefinition] = []
    /// The program's rules followed by every campaign's, in order: what the evaluator runs (a
    /// campaign's rules apply only inside its window and audience), what limits and bounds count.
    public var allEarningRules: [EarningRule] { campaigns.isEmpty ? earningRules : earningRules + campaigns.flatMap(\.rules) }

    public init(name: String, currency: String, pointValue: Amount = Amount("0.01")!, rounding: RoundingMode = .down,
                timeZone: String = "UTC", expiry: ExpiryPolicy = .never, pendingDays: Int = 0,
                returns: ReturnPolicy = ReturnPolicy(), expiringSoonDays: [Int] = ProgramDefinition.defaultExpiringSoonDays, earningRules: [EarningRule] = [],
                tiers: TierPolicy? = nil, clubs: [ClubDefinition] = [], segments: [SegmentDefinition] = [], campaigns: [Campaign] = [],
                birthday: BirthdayGift? = nil, corsOrigins: [String] = [], fraud: FraudPolicy? = nil,
                branding: Branding = Branding(), referrals: ReferralPolicy? = nil, punchCards: [PunchCard] = [], games: Games = Games()) {
        self.name = name
        self.currency = currency
        self.pointValue = pointValue
        self.rounding = rounding
        self.timeZone = timeZone
        self.expiry = expiry
        self.pendingDays = pendingDays
        self.returns = returns
        self.expiringSoonDays = expiringSoonDays
        self.earningRules = earningRules
        self.tiers = tiers
        self.clubs = clubs
        self.segments = segments
        self.campaigns = campaigns
        self.birthday = birthday
        self.corsOrigins = corsOrigins
        self.fraud = fraud
        self.branding = branding
        self.referrals = referrals
        self.punchCards = punchCards
        self.games = games
    }

    public func punchCard(_ id: String) -> PunchCard? { punchCards.first { $0.id == id } }

    /// Whether events need the play mechanics (referrals, punch cards) after the core has judged them.
    public var hasPlayMechanics: Bool { referrals != nil || !punchCards.isEmpty }

    /// 30 and 7 days before points expire.
    public static let defaultExpiringSoonDays = [30, 7]

    public func campaign(_ id: String) -> Campaign? { campaigns.first { $0.id == id } }

    public func club(_ id: String) -> ClubDefinition? { clubs.first { $0.id == id } }

    public func challenge(_ id: String) -> ChallengeDefinition? { challenges.first { $0.id == id } }

    public func badge(_ id: String) -> BadgeDefinition? { badges.first { $0.id == id } }

    /// The program's calendar: Gregorian in its time zone.
    public var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")!
        calendar.firstWeekday = 2 // weeks start on Monday (ISO 8601)
        return calendar
    }
}

/// When earned points expire.
public enum ExpiryPolicy: Hashable, Sendable {
    case never
    /// N days after the event that earned them.
    case afterDays(Int)
    /// At the end of the month, N months after the month they were earned in (0 = that month).
    case endOfMonth(monthsAfter: Int)
    /// At the end of the calendar year, N years after the year they were earned in (0 = that year).
    case endOfYear(yearsAfter: Int)

    /// The expiry instant of points earned at `earnedAt`; nil when they never expire. Month and
    /// year ends are local midnight in the calendar's time zone, computed by date arithmetic
    /// (this runs for every earning event).
    public func expiryDate(earnedAt: Date, calendar: Calendar) -> Date? {
        switch self {
        case .never:
            return nil
        case .afterDays(let days):
            return earnedAt.addingTimeInterval(Double(days) * 86_400)
        case .endOfMonth(let monthsAfter):
            let (year, month, _) = Self.localDay(earnedAt, calendar.timeZone)
            let months = year * 12 + (month - 1) + monthsAfter + 1
            return Self.localMidnight(year: months / 12, month: months % 12 + 1, calendar.timeZone)
        case .endOfYear(let yearsAfter):
            let (year, _, _) = Self.localDay(earnedAt, calendar.timeZone)
            return Self.localMidnight(year: year + yearsAfter + 1, month: 1, calendar.timeZone)
        }
    }

    private static func localDay(_ date: Date, _ zone: TimeZone) -> (Int, Int, Int) {
        Timestamps.civilFromDays(LocalDays.day(date, zone))
    }

    /// The instant of 00:00 local time on the first day of `month`.
    private static func localMidnight(year: Int, month: Int, _ zone: TimeZone) -> Date {
        LocalDays.midnight(Timestamps.daysFromCivil(year: year, month: month, day: 1), zone)
    }
}

/// What a return does when the points its purchase earned were already spent.
public struct ReturnPolicy: Hashable, Sendable {
    public enum WhenSpent: String, Sendable, CaseIterable {
        /// Take the shortfall from the member's other available points; never below zero.
        case takeAvailable = "take_available"
        /// Take from other available points, then let the balance go negative down to `-debtLimit`.
        case debt
    }
    public var whenSpent: WhenSpent
    public var debtLimit: Int
    public init(whenSpent: WhenSpent = .takeAvailable, debtLimit: Int = 0) {
        self.whenSpent = whenSpent
        self.debtLimit = debtLimit
    }
}
