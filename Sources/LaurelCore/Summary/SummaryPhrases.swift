/// The words of a program summary in one language: each function writes one part, and `rule`
/// puts a rule's parts in that language's order.
protocol SummaryPhrases {
    var earningTitle: String { get }
    var pointsTitle: String { get }
    var tiersTitle: String { get }
    var clubsTitle: String { get }
    var campaignsTitle: String { get }
    var birthdayTitle: String { get }
    var noEarningRules: String { get }
    var delivery: String { get }

    /// A whole number with the language's digit grouping.
    func number(_ value: Int) -> String
    /// An amount with the language's grouping and decimal mark (no trailing zeros beyond the cents).
    func number(_ value: Amount) -> String
    func money(_ value: Amount, currency: String) -> String
    func points(_ count: Int) -> String

    func pointsPerAmount(points: Amount, per: String, onTotal: Bool, only: [String], except: [String], minOrder: String?) -> String
    func fixedPoints(_ points: Int, event: String) -> String
    func productBonus(_ points: Int, per: ProductBonus.Per, of: [String]) -> String
    func multiplier(_ factor: Amount, on: [String]) -> String
    func pointsPerAttribute(points: Amount, per: Amount, attribute: String) -> String
    func gift(reward: String, event: String) -> String

    func onDays(_ days: [Int]) -> String
    func inStores(_ stores: [String]) -> String
    /// For members who granted a consent (`marketing`).
    func consented(_ name: String) -> String
    func basketHas(_ products: [String]) -> String
    func clubMembers(_ club: String) -> String
    func tierMembers(_ tiers: [String]) -> String
    func field(_ path: String, op: ComparisonOperator, value: String?, isMoney currency: String?) -> String
    func limit(maxTimes: Int?, maxPoints: Int?, period: RuleLimit.Period, rolling: Bool) -> String
    func between(_ from: String?, _ until: String?) -> String
    func rule(effect: String, conditions: [String], limit: String?, window: String?, stops: Bool) -> String

    func pointValue(_ money: String) -> String
    func expiry(_ policy: ExpiryPolicy) -> String
    func pending(days: Int) -> String
    func returns(_ whenSpent: ReturnPolicy.WhenSpent, debtLimit: Int) -> String

    func tierBasis(_ basis: TierPolicy.Basis, window: TierPolicy.Window) -> String
    func tier(name: String, threshold: String, basis: TierPolicy.Basis, benefits: TierBenefits) -> String
    func downgrade(_ downgrade: TierPolicy.Downgrade) -> String

    func club(name: String, pointsCost: Int?, tiers: [String], invitations: ClubDefinition.Invitations, months: Int?, cap: Int?) -> String
    func campaign(name: String, from: String, until: String, rules: [String], pointsGift: Int?) -> String
    func birthday(points: Int?, reward: String?, daysBefore: Int, daysAfter: Int) -> String

    // Play mechanics (each language's `+Play` file).
    var referralsTitle: String { get }
    var punchCardsTitle: String { get }
    var challengesTitle: String { get }
    var gamesTitle: String { get }
    /// What a mechanic gives: points, a catalogue reward and/or a badge, as a list ("300 points and the reward “x”").
    func gives(points: Int?, reward: String?, badge: String?) -> String
    /// One referral reward: when (`minAmount` already as money) and what each side gets.
    func referral(trigger: ReferralTrigger, minAmount: String?, referrer: String?, friend: String?) -> String
    /// The referral fraud controls: who cannot be referred, the cap, how long purchase rewards stay pending.
    func referralControls(fingerprints: [String], cap: ReferralCap?, pendingDays: Int) -> String
    func punchCard(name: String, stamps: Int, products: [String], minAmount: String?, expiryDays: Int?, gives: String, revokes: Bool) -> String
    /// `window` from `between`, `tiers` by name; `gives` from `gives`.
    func challenge(name: String, measure: ChallengeDefinition.Measure, event: String, target: Int, repeats: ChallengePeriod?, window: String?,
                   optIn: Bool, tiers: [String], segments: [String], gives: String) -> String
    /// A badge and the challenges (by name) that give it.
    func badge(name: String, challenges: [String]) -> String
    /// One slice of a wheel: what it gives, its chance in percent (already a number), its budget.
    func wheelPrize(points: Int?, reward: String?, percent: String, budget: PrizeBudget?) -> String
    func wheel(name: String, costPoints: Int?, earnedBy: [GameEarning], limit: PlayLimit?, prizes: [String]) -> String
    func raffle(name: String, costPoints: Int?, earnedBy: [GameEarning], maxPerMember: Int?, drawAt: String, winners: Int, prizePoints: Int?) -> String
}

/// Formatting every language shares, parameterised by its marks.
enum SummaryFormat {
    /// `value` with `separator` between groups of three digits.
    static func grouped(_ value: Int, separator: String) -> String {
        let digits = String(value.magnitude)
        var groups: [Substring] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
        }
        return (value < 0 ? "-" : "") + groups.joined(separator: separator)
    }

    /// An amount: whole part grouped, fractional part (if any) after `decimal`, without trailing zeros.
    static func amount(_ value: Amount, group: String, decimal: String) -> String {
        let text = value.description
        let parts = text.split(separator: ".", maxSplits: 1)
        let whole = grouped(Int(parts[0]) ?? 0, separator: group)
        var fraction = parts.count > 1 ? String(parts[1]) : ""
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? whole : whole + decimal + fraction
    }

    static let symbols = ["EUR": "€", "USD": "$", "GBP": "£", "TRY": "₺", "UAH": "₴", "KRW": "₩", "JPY": "¥", "PLN": "zł", "CHF": "CHF"]

    /// The currency's symbol, or its ISO code.
    static func symbol(_ currency: String) -> String { symbols[currency] ?? currency }

    /// An event type as words: `social_share` → "social share".
    static func eventWords(_ event: String) -> String { event.replacingOccurrences(of: "_", with: " ") }

    /// A factor as a whole number when it is one (3, not 3.00).
    static func factor(_ value: Amount, decimal: String) -> String { amount(value, group: "", decimal: decimal) }
}
