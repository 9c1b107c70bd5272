import Foundation
import LaurelCore

/// One change of a member's tier, kept forever (the member's tier history).
public struct TierChangeRecord: Hashable, Sendable {
    public var sequence: Int64
    public var memberId: String
    public var from: String?
    public var to: String?
    public var reason: TierChangeReason
    /// The event, staff action or job run that caused it.
    public var sourceId: String
    public var actor: String?
    public var note: String?
    public var createdAt: Date
}

/// A catalogue reward with the units it has left.
public struct RewardRecord: Hashable, Sendable {
    public var programId: String
    public var reward: Reward
    /// Units (or unissued pool codes) left; nil = unlimited.
    public var stockLeft: Int?
    public var createdAt: Date
    public var updatedAt: Date
}

/// The result of adding codes to a reward's pool, counted in the transaction that added them.
public struct RewardCodesAdded: Hashable, Sendable {
    public var rewardId: String
    /// Codes in the request, and how many of them were new.
    public var received: Int
    public var added: Int
    /// Units left after the codes were added.
    public var stockLeft: Int?
    public init(rewardId: String, received: Int, added: Int, stockLeft: Int?) {
        self.rewardId = rewardId
        self.received = received
        self.added = added
        self.stockLeft = stockLeft
    }
}

public enum RedemptionStatus: String, Sendable, Codable, CaseIterable {
    case issued, fulfilled, cancelled, expired
}

/// A reward issued to a member, bought with points or given by a rule.
public struct RedemptionRecord: Hashable, Sendable {
    public var id: String
    public var programId: String
    public var memberId: String
    public var rewardId: String
    /// Points spent (0 for a gift).
    public var points: Int
    public var status: RedemptionStatus
    public var code: String?
    /// Money value, for gift cards, fixed discounts and points-to-money.
    public var value: Amount?
    /// The purchase that earned a gift; nil when bought with points.
    public var sourceEventId: String?
    public var createdAt: Date
    public var updatedAt: Date
    /// When an issued redemption (its code) stops being valid.
    public var expiresAt: Date?
    public var fulfilledAt: Date?
    public var cancelledAt: Date?
    /// When an issued redemption (its code) can first be used; nil = at once (see `Reward.activeAfterDays`).
    public var activeFrom: Date? = nil
    /// Units redeemed in one request; `points` and `value` are for all of them, `codes` has one per unit.
    public var quantity: Int = 1
    /// Every unit's code (`code` is the first); empty when the reward has no codes.
    public var codes: [String] = []
}

extension RedemptionRecord {
    /// The codes as stored in the `codes` column: a JSON array when there are several, else NULL (`code` holds the one).
    var storedCodes: String? {
        codes.count > 1 ? String(decoding: (try? JSONEncoder().encode(codes)) ?? Data(), as: UTF8.self) : nil
    }

    /// All codes from the `code` and `codes` columns.
    static func codes(code: String?, stored: String?) -> [String] {
        if let stored, let codes = try? JSONDecoder().decode([String].self, from: Data(stored.utf8)) { return codes }
        return code.map { [$0] } ?? []
    }
}

/// One member's place in a club.
public struct ClubMembershipRecord: Hashable, Sendable {
    /// How the member got in: invited, with a tier, bought with points, or given by a gift rule.
    public enum Via: String, Sendable, Codable, CaseIterable { case invitation, tier, points, gift }
    public enum Status: String, Sendable, Codable, CaseIterable { case active, ended }
    public var programId: String
    public var clubId: String
    public var memberId: String
    public var via: Via
    /// Who invited the member (a member id or a staff actor).
    public var invitedBy: String?
    public var status: Status
    public var joinedAt: Date
    /// Nil = until the member leaves.
    public var expiresAt: Date?
    public var endedAt: Date?
}

/// A message for the outside world (webhooks deliver them once that issue lands): written in the
/// same transaction as the change it reports, in order.
public struct OutboxMessage: Hashable, Sendable {
    public var sequence: Int64
    public var id: String
    public var programId: String
    /// `tier.changed`, `redemption.issued`, `redemption.cancelled`, `club.joined`, `club.membership_expiring`, `club.membership_ended`…
    public var type: String
    public var memberId: String?
    /// The message body (JSON).
    public var payload: String
    public var createdAt: Date
}

extension LaurelStore {
    /// The `outcome.gifts[].status` of a gift that could not be issued.
    static func giftStatus(_ error: LoyaltyError) -> String {
        switch error {
        case .refused(let refusal): refusal.code
        case .codePoolEmpty: RedemptionRefusal.outOfStock.code
        case .clubFull: "club_full"
        case .alreadyInClub: "already_member"
        default: "not_issued"
        }
    }
}

/// What a member's catalogue needs from the store: the member's standing and, per reward, its
/// stock and how often the member has redeemed it.
public struct MemberCatalogue: Sendable {
    public struct Entry: Sendable {
        public var record: RewardRecord
        public var redeemedEver: Int
        public var redeemedInPeriod: Int
    }
    public var member: MemberRecord
    public var available: Int
    public var clubs: [String]
    public var entries: [Entry]
}

/// Why a redemption, club or tier request was refused (each answers a client error).
public enum LoyaltyError: Error, Hashable, Sendable, CustomStringConvertible {
    case refused(RedemptionRefusal)
    case alreadyCancelled(String)
    case notCancellable(String, RedemptionStatus)
    case notFulfillable(String, RedemptionStatus)
    case notActiveYet(String, Date)
    case noFulfilment(String)
    case clubFull(String)
    case alreadyInClub(String)
    case clubJoinNotAllowed(String, String)
    case unknownTier(String)
    case noTiers
    case codePoolEmpty(String)
    case codesNotPooled(String)

    public var description: String {
        switch self {
        case .refused(let refusal): refusal.description
        case .alreadyCancelled(let id): "redemption \(id) is already cancelled"
        case .notCancellable(let id, let status): "redemption \(id) is \(status.rawValue) and can no longer be cancelled"
        case .notFulfillable(let id, let status): "redemption \(id) is \(status.rawValue) and cannot be fulfilled"
        case .notActiveYet(let id, let from): "redemption \(id) can be used from \(Timestamps.format(from))"
        case .noFulfilment(let id): "reward \(id) is not handed over physically; nothing to fulfil"
        case .clubFull(let id): "club \(id) is full"
        case .alreadyInClub(let id): "the member already belongs to club \(id)"
        case .clubJoinNotAllowed(let id, let why): "cannot join club \(id): \(why)"
        case .unknownTier(let id): "unknown tier \(id)"
        case .noTiers: "the program has no tiers"
        case .codePoolEmpty(let id): "reward \(id) has no codes left"
        case .codesNotPooled(let id): "reward \(id) does not use a code pool"
        }
    }
}

/// One historical event to import: the member by id or external id, the event, and its payload
/// for a member id (the payload names the member, which may only be known inside the store).
public struct ImportedEvent: Sendable {
    /// Why an event whose id is already recorded is refused (an exported file imported again).
    public static func idTaken(_ id: String) -> String { "event \(id) is already recorded" }
    public enum Member: Sendable { case id(String), externalId(String) }
    public var member: Member
    public var event: LoyaltyEvent
    public var payload: @Sendable (String) -> String
    /// When the import judges and records the event; nil: when it happened. History is judged as
    /// if each event had arrived when it happened — pending points mature, points expire and tiers
    /// are reached along the way, and the ledger is dated as it would have been — not as if it all
    /// arrived the day of the import. (`ImportRun` keeps the clock from going back along a file.)
    public var clock: Date?
    public init(member: Member, event: LoyaltyEvent, clock: Date? = nil, payload: @escaping @Sendable (String) -> String) {
        self.member = member
        self.event = event
        self.clock = clock
        self.payload = payload
    }

    /// The time the event is judged and recorded at, never after the import's own time `now`.
    public func judgedAt(importedAt now: Date) -> Date { min(clock ?? event.occurredAt, now) }
}

/// What became of one imported event.
public enum ImportResult: Sendable, Equatable {
    case recorded(eventId: String, points: Int)
    /// Refused like the API would refuse it (unknown member or purchase, bad currency…); nothing was written for it.
    case refused(String)
}
