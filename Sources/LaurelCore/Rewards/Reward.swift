import Foundation

/// Something points buy, as the catalogue lists it. The stock left and the codes are kept by the
/// store; everything else is here. Read from JSON by `Reward.read`, which reports every problem
/// with its path (the same format as program files).
public struct Reward: Hashable, Sendable {
    /// The most rewards one program's catalogue may hold (a bound on what one API key can make the server keep and list).
    public static let maxPerProgram = 10_000

    public enum Kind: Hashable, Sendable {
        /// A discount code: a fixed amount off or a percentage.
        case discountCode(Discount)
        /// A gift card worth `value` in the program's currency.
        case giftCard(value: Amount)
        /// A product sent or handed over (tracks fulfilment).
        case freeProduct(sku: String)
        /// An event, a visit, a service (tracks fulfilment).
        case experience
        /// A membership of a club (join by points).
        case clubMembership(club: String)
        /// Paying with points at checkout: the member chooses how many points (at least `minimum`,
        /// in multiples of `step`), worth `points × point_value`.
        case pointsToMoney(minimum: Int, step: Int)

        public var typeName: String {
            switch self {
            case .discountCode: "discount_code"
            case .giftCard: "gift_card"
            case .freeProduct: "free_product"
            case .experience: "experience"
            case .clubMembership: "club_membership"
            case .pointsToMoney: "points_to_money"
            }
        }

        /// Rewards handed over physically are fulfilled by staff after they are issued.
        public var needsFulfilment: Bool {
            switch self { case .freeProduct, .experience: true; default: false }
        }
    }

    public struct Discount: Hashable, Sendable {
        public enum Unit: String, Sendable, CaseIterable { case fixed, percentage }
        public var unit: Unit
        public var value: Amount
        public init(unit: Unit, value: Amount) { self.unit = unit; self.value = value }
    }

    /// Where a redemption's code comes from.
    public enum Codes: Hashable, Sendable {
        case none
        /// Codes uploaded by the brand (CSV or API); each is issued once, and the pool is the stock.
        case pool
        /// Made by Laurel from a pattern: `X` a letter or digit, `#` a digit, anything else as is.
        case generated(pattern: String)
    }

    public var id: String
    public var name: String
    public var description: String?
    /// `name` and `description` in other languages, for the member portal.
    public var names = Translations()
    public var descriptions = Translations()
    public var images: [String]
    public var kind: Kind
    /// Points it costs; for points-to-money the member chooses (0 here).
    public var cost: Int
    /// Units available in all; nil = unlimited. The store keeps how many are left.
    public var stock: Int?
    /// Redemptions per member, ever.
    public var limitPerMember: Int?
    /// Redemptions per member within a period.
    public var limitPerPeriod: RuleLimit?
    /// Only members of one of these tiers (empty = any).
    public var tiers: [String]
    /// Only members of one of these clubs (empty = any).
    public var clubs: [String]
    /// Only members in one of these segments as of the last refresh of segment memberships (empty = any).
    public var segments: [String] = []
    /// Further conditions on the member (segments by attribute): `member.<attribute>` fields only.
    public var conditions: [RuleCondition]
    /// Shown in the catalogue from then ("coming soon" until `availableFrom`); nil = always.
    public var visibleFrom: Date?
    public var availableFrom: Date?
    public var availableUntil: Date?
    /// Club members may claim it from an earlier date (early access).
    public var earlyAccess: [EarlyAccess]
    public var featured: Bool
    public var codes: Codes
    /// Days an issued redemption (its code) stays valid, counted from when it becomes usable; nil = no end.
    public var validDays: Int?
    public var active: Bool
    /// Days after issue before an issued redemption (its code) can be used; nil = at once.
    public var activeAfterDays: Int?

    public struct EarlyAccess: Hashable, Sendable {
        public var club: String
        public var availableFrom: Date
        public init(club: String, availableFrom: Date) { self.club = club; self.availableFrom = availableFrom }
    }

    public init(id: String, name: String, description: String? = nil, images: [String] = [], kind: Kind, cost: Int, stock: Int? = nil,
                limitPerMember: Int? = nil, limitPerPeriod: RuleLimit? = nil, tiers: [String] = [], clubs: [String] = [],
                conditions: [RuleCondition] = [], visibleFrom: Date? = nil, availableFrom: Date? = nil, availableUntil: Date? = nil,
                earlyAccess: [EarlyAccess] = [], featured: Bool = false, codes: Codes = .none, validDays: Int? = nil, active: Bool = true,
                activeAfterDays: Int? = nil) {
        self.id = id
        self.name = name
        self.description = description
        self.images = images
        self.kind = kind
        self.cost = cost
        self.stock = stock
        self.limitPerMember = limitPerMember
        self.limitPerPeriod = limitPerPeriod
        self.tiers = tiers
        self.clubs = clubs
        self.conditions = conditions
        self.visibleFrom = visibleFrom
        self.availableFrom = availableFrom
        self.availableUntil = availableUntil
        self.earlyAccess = earlyAccess
        self.featured = featured
        self.codes = codes
        self.validDays = validDays
        self.active = active
        self.activeAfterDays = activeAfterDays
    }

    /// When `member` may first claim it: the earliest of the general date and their clubs' early access.
    public func opensAt(for member: MemberProfile) -> Date? {
        let early = earlyAccess.filter { member.clubs.contains($0.club) }.map(\.availableFrom)
        guard let availableFrom else { return nil }
        return (early + [availableFrom]).min()
    }

    /// Shown to `member` at `now` (before it opens it shows as coming soon).
    public func isVisible(to member: MemberProfile, at now: Date) -> Bool {
        guard active else { return false }
        if let availableUntil, availableUntil <= now { return false }
        let shownFrom = [visibleFrom, opensAt(for: member)].compactMap { $0 }.min()
        return shownFrom.map { $0 <= now } ?? true
    }
}
