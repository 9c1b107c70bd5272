import Foundation
import LaurelCore

/// A program (tenant) on this server.
public struct ProgramRecord: Hashable, Sendable {
    public var id: String
    public var name: String
    /// Nil until a definition is applied.
    public var currentVersion: Int?
    public var createdAt: Date
    public init(id: String, name: String, currentVersion: Int?, createdAt: Date) {
        self.id = id
        self.name = name
        self.currentVersion = currentVersion
        self.createdAt = createdAt
    }
}

/// One numbered, immutable version of a program's definition.
public struct ProgramVersionRecord: Hashable, Sendable {
    public var programId: String
    public var version: Int
    public var definition: ProgramDefinition
    /// The text that was applied (YAML or JSON), kept for people.
    public var source: String
    public var createdAt: Date
}

public enum APIScope: String, Sendable, Codable, CaseIterable, Comparable {
    /// Reads only.
    case read
    /// What a checkout or app needs: members, events, reads.
    case integration
    /// Everything, including the program definition and adjustments.
    case admin

    private var rank: Int { switch self { case .read: 0; case .integration: 1; case .admin: 2 } }
    public static func < (lhs: APIScope, rhs: APIScope) -> Bool { lhs.rank < rhs.rank }
}

/// An API key; only the SHA-256 of its secret is stored.
public struct APIKeyRecord: Hashable, Sendable {
    public var id: String
    public var programId: String
    public var scope: APIScope
    public var name: String?
    /// First characters of the secret, to recognise it in lists.
    public var prefix: String
    public var hash: String
    public var createdAt: Date
    public var revokedAt: Date?
    /// Requests per second this key may send; nil means the server's default (`laurel serve --key-rate-limit`).
    public var rateLimit: Int?
    public init(id: String, programId: String, scope: APIScope, name: String?, prefix: String, hash: String, createdAt: Date,
                revokedAt: Date? = nil, rateLimit: Int? = nil) {
        self.id = id
        self.rateLimit = rateLimit
        self.programId = programId
        self.scope = scope
        self.name = name
        self.prefix = prefix
        self.hash = hash
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// A member with their cached balances (always equal to the sums of their ledger entries).
public struct MemberRecord: Hashable, Sendable {
    public var id: String
    public var programId: String
    public var externalId: String
    public var email: String?
    public var name: String?
    /// `YYYY-MM-DD`.
    public var birthday: String?
    public var attributes: [String: JSONValue]
    public var status: MemberStatus
    public var available: Int
    public var pending: Int
    public var debt: Int
    public var lifetimeEarned: Int
    /// The member's tier, its staff floor and next review (empty when the program has no tiers).
    public var tier: MemberTier
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String, programId: String, externalId: String, email: String? = nil, name: String? = nil, birthday: String? = nil,
                attributes: [String: JSONValue] = [:], status: MemberStatus = .active, available: Int = 0, pending: Int = 0, debt: Int = 0,
                lifetimeEarned: Int = 0, tier: MemberTier = MemberTier(), createdAt: Date, updatedAt: Date) {
        self.id = id
        self.programId = programId
        self.externalId = externalId
        self.email = email
        self.name = name
        self.birthday = birthday
        self.attributes = attributes
        self.status = status
        self.available = available
        self.pending = pending
        self.debt = debt
        self.lifetimeEarned = lifetimeEarned
        self.tier = tier
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The member as rules and reward checks see them; `clubs` are the clubs they belong to now, `segments`
    /// the segments they were in at the last refresh.
    public func profile(clubs: [String] = [], segments: [String] = [], consents: Set<String> = []) -> MemberProfile {
        MemberProfile(id: id, status: status, attributes: attributes, tier: tier.tierId, clubs: clubs, segments: segments, consents: consents)
    }

    /// This member with `patch` applied at `now`.
    public func applying(_ patch: MemberPatch, now: Date) -> MemberRecord {
        var member = self
        if let email = patch.email { member.email = email }
        if let name = patch.name { member.name = name }
        if let birthday = patch.birthday { member.birthday = birthday }
        if let status = patch.status { member.status = status }
        for (key, value) in patch.attributes ?? [:] {
            if value == .null { member.attributes.removeValue(forKey: key) } else { member.attributes[key] = value }
        }
        member.updatedAt = now
        return member
    }
}

/// Changes to a member; nil fields stay as they are. `attributes` replaces keys given, a null value removes one.
public struct MemberPatch: Hashable, Sendable {
    public var email: String??
    public var name: String??
    public var birthday: String??
    public var attributes: [String: JSONValue]?
    public var status: MemberStatus?
    /// Why the status changes, kept in the audit entry of a block or unblock (the console asks staff
    /// for one); not stored on the member.
    public var statusReason: String?
    public init(email: String?? = nil, name: String?? = nil, birthday: String?? = nil, attributes: [String: JSONValue]? = nil, status: MemberStatus? = nil,
                statusReason: String? = nil) {
        self.statusReason = statusReason
        self.email = email
        self.name = name
        self.birthday = birthday
        self.attributes = attributes
        self.status = status
    }
}

/// A stored event and its outcome.
public struct EventRecord: Hashable, Sendable {
    public var id: String
    public var programId: String
    public var memberId: String
    public var type: String
    public var occurredAt: Date
    public var recordedAt: Date
    public var programVersion: Int
    public var status: EventOutcome.Status
    /// Points earned (purchases and named events) or taken back (returns).
    public var points: Int
    /// The event as received, normalised (JSON).
    public var payload: String
    public var outcome: RecordedOutcome
    /// `outcome` as JSON text, the bytes stored with the event: answers include it as it is
    /// instead of writing the outcome again (on the writer, for a keyed request).
    public var outcomeJSON: String
}

/// What an event did, as stored with it and shown by the API.
public struct RecordedOutcome: Hashable, Sendable, Codable {
    public struct Reversal: Hashable, Sendable, Codable {
        public var reversed: Int
        public var intoDebt: Int
        public var forgiven: Int
        enum CodingKeys: String, CodingKey { case reversed, intoDebt = "into_debt", forgiven }
    }
    public var status: EventOutcome.Status
    public var reason: String?
    public var pointsEarned: Int
    public var pending: Bool
    public var availableAt: String?
    public var expiresAt: String?
    public var rules: [RuleResult]
    public var reversal: Reversal?
    public var balanceAfter: Balance
    /// The member's tier after the event and the change it made, when the program has tiers.
    public var tier: String?
    public var tierChange: TierChangeView?
    /// Rewards issued or cancelled by the event (gift on purchase, gifts undone by a return).
    public var gifts: [Gift]?
    /// The review a held event waits in (status `held`); nil otherwise.
    public var reviewId: String?

    public struct TierChangeView: Hashable, Sendable, Codable {
        public var from: String?
        public var to: String?
        public var reason: TierChangeReason
    }

    public struct Gift: Hashable, Sendable, Codable {
        public var rewardId: String
        /// The redemption issued (or cancelled); nil when the gift could not be issued.
        public var redemptionId: String?
        /// `issued`, `cancelled`, or why it was not issued (`out_of_stock`, `reward_inactive`, `unknown_reward`).
        public var status: String
        public init(rewardId: String, redemptionId: String?, status: String) {
            self.rewardId = rewardId
            self.redemptionId = redemptionId
            self.status = status
        }
        enum CodingKeys: String, CodingKey { case rewardId = "reward_id", redemptionId = "redemption_id", status }
    }

    public struct Balance: Hashable, Sendable, Codable {
        public var available: Int
        public var pending: Int
    }

    enum CodingKeys: String, CodingKey {
        case status, reason, pointsEarned = "points_earned", pending, availableAt = "available_at", expiresAt = "expires_at", rules, reversal
        case balanceAfter = "balance_after", tier, tierChange = "tier_change", gifts, reviewId = "review_id"
    }

    public init(_ outcome: EventOutcome) {
        status = outcome.status
        reason = outcome.reason
        pointsEarned = outcome.pointsEarned
        pending = outcome.lot?.pending ?? false
        availableAt = outcome.lot.map { Timestamps.format($0.availableAt) }
        expiresAt = outcome.lot?.expiresAt.map(Timestamps.format)
        rules = outcome.rules
        reversal = outcome.reversal.map { Reversal(reversed: $0.reversed, intoDebt: $0.intoDebt, forgiven: $0.forgiven) }
        balanceAfter = Balance(available: outcome.ledger.available, pending: outcome.ledger.pending)
        tier = outcome.tier?.tierId
        tierChange = outcome.tierChange.map { TierChangeView(from: $0.from, to: $0.to, reason: $0.reason) }
    }
}

/// One ledger entry as stored, with who and why for manual adjustments.
public struct LedgerEntryRecord: Hashable, Sendable {
    /// Increasing sequence number; the API shows it as `le_<seq>`.
    public var sequence: Int64
    public var entry: LedgerEntry
    public var programVersion: Int?
    public var createdAt: Date
    public var actor: String?
    public var reason: String?
}

/// A manual credit or debit.
public struct AdjustmentRecord: Hashable, Sendable {
    public var id: String
    public var memberId: String
    /// Positive credits, negative debits.
    public var points: Int
    public var reason: String
    public var actor: String
    public var createdAt: Date
    public var balanceAfter: RecordedOutcome.Balance
}

/// A manual credit taken back as its own ledger operation (`adjc_…` for the adjustment `adj_…`).
public struct AdjustmentCancellationRecord: Hashable, Sendable {
    public var id: String
    public var adjustmentId: String
    public var memberId: String
    /// The credit's points, all taken back.
    public var points: Int
    /// Part of `points` that became debt because the member had spent them.
    public var intoDebt: Int
    public var reason: String
    public var actor: String
    public var createdAt: Date
    public var balanceAfter: RecordedOutcome.Balance

    public init(id: String, adjustmentId: String, memberId: String, points: Int, intoDebt: Int, reason: String, actor: String, createdAt: Date,
                balanceAfter: RecordedOutcome.Balance) {
        self.id = id
        self.adjustmentId = adjustmentId
        self.memberId = memberId
        self.points = points
        self.intoDebt = intoDebt
        self.reason = reason
        self.actor = actor
        self.createdAt = createdAt
        self.balanceAfter = balanceAfter
    }

    /// The cancellation's id for an adjustment id: one per adjustment, so a second is found.
    public static func id(for adjustmentId: String) -> String {
        adjustmentId.hasPrefix("adj_") ? "adjc_" + adjustmentId.dropFirst(4) : "adjc_" + adjustmentId
    }
}

/// What moved a member's points in a period, from the ledger: each figure a sum of entries.
public struct PointsActivity: Hashable, Sendable {
    /// Credited by events (pending or available when earned).
    public var earned = 0
    /// Spent on redemptions, and given back by cancelled ones.
    public var spent = 0
    public var restored = 0
    public var expired = 0
    /// Taken back by returns (including what became debt).
    public var reversed = 0
    public var adjustedIn = 0
    public var adjustedOut = 0
    public var transferredIn = 0
    public var transferredOut = 0

    public init() {}

    /// The change of the member's available plus pending points over the period.
    public var net: Int {
        // Each side is ≥ 0 and saturates, so their difference cannot overflow either.
        let into = [restored, adjustedIn, transferredIn].reduce(earned) { $0.addingSaturated($1) }
        let outOf = [expired, reversed, adjustedOut, transferredOut].reduce(spent) { $0.addingSaturated($1) }
        return into - outOf
    }

    /// Adds up ledger rows (`kind`, `from` and `to` accounts, summed `points`) as seen by `memberId`,
    /// saturating (`addingSaturated`); maturing (pending to available) changes nothing here.
    public static func summing(_ rows: [(kind: String, from: String, to: String, points: Int)], memberId: String) -> PointsActivity {
        let mine: Set<String> = [LedgerAccount.available(member: memberId).description, LedgerAccount.pending(member: memberId).description]
        var activity = PointsActivity()
        for row in rows {
            let into = mine.contains(row.to) && !mine.contains(row.from)
            let outOf = mine.contains(row.from) && !mine.contains(row.to)
            switch LedgerEntryKind(rawValue: row.kind) {
            case .earn where into: activity.earned = activity.earned.addingSaturated(row.points)
            case .spend where outOf: activity.spent = activity.spent.addingSaturated(row.points)
            case .restore where into: activity.restored = activity.restored.addingSaturated(row.points)
            case .expire where outOf: activity.expired = activity.expired.addingSaturated(row.points)
            case .reverse where outOf: activity.reversed = activity.reversed.addingSaturated(row.points)
            case .adjust where into: activity.adjustedIn = activity.adjustedIn.addingSaturated(row.points)
            case .adjust where outOf: activity.adjustedOut = activity.adjustedOut.addingSaturated(row.points)
            case .transfer where into: activity.transferredIn = activity.transferredIn.addingSaturated(row.points)
            case .transfer where outOf: activity.transferredOut = activity.transferredOut.addingSaturated(row.points)
            default: break
            }
        }
        return activity
    }
}

public struct TransferRecord: Hashable, Sendable {
    public var id: String
    public var fromMemberId: String
    public var toMemberId: String
    public var points: Int
    public var createdAt: Date
}

/// One page of a cursor-paginated list.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var hasMore: Bool
    public init(items: [Item], hasMore: Bool) { self.items = items; self.hasMore = hasMore }
}

/// A member's points at a glance: balances and what expires soon, with the member they belong to
/// (read together, so showing a member with their points is one read).
public struct PointsSummary: Hashable, Sendable {
    public struct Expiring: Hashable, Sendable { public var date: Date; public var points: Int }
    public var member: MemberRecord
    public var available: Int
    public var pending: Int
    public var debt: Int
    public var lifetimeEarned: Int
    /// Pending points by the UTC day they become available, soonest first: each entry's `date` is
    /// the last release of its day, so all its points are available by then. By day, not by lot: a
    /// member who bought 10,000 times in the pending period has 10,000 release instants.
    public var pendingLots: [Expiring]
    /// Points expiring within the window, grouped by expiry instant, soonest first.
    public var expiring: [Expiring]
    /// Tier standing as of now, when the program has tiers.
    public var tier: TierProgress?
    /// Clubs the member belongs to now.
    public var clubs: [ClubMembershipRecord] = []

    /// The summary of a ledger settled as of `now`.
    public init(member: MemberRecord, ledger: MemberLedger, now: Date, expiringWithin: TimeInterval, tier: TierProgress? = nil) {
        self.member = member
        self.tier = tier
        let horizon = now.addingTimeInterval(expiringWithin)
        var expiring: [Date: Int] = [:]
        for lot in ledger.lots { if let date = lot.expiresAt, date <= horizon { expiring[date, default: 0] += lot.remaining } }
        var pending: [Int64: (last: Date, points: Int)] = [:]
        for lot in ledger.lots where lot.pending {
            let day = Self.releaseDay(lot.availableAt)
            let sofar = pending[day] ?? (lot.availableAt, 0)
            pending[day] = (max(sofar.last, lot.availableAt), sofar.points + lot.remaining)
        }
        available = ledger.available
        self.pending = ledger.pending
        debt = ledger.debt
        lifetimeEarned = ledger.lifetimeEarned
        pendingLots = pending.sorted { $0.key < $1.key }.map { Expiring(date: $0.value.last, points: $0.value.points) }
        self.expiring = expiring.sorted { $0.key < $1.key }.map { Expiring(date: $0.key, points: $0.value) }
    }

    /// The UTC day of a release, as days since 1970; the stores group pending lots by the same
    /// number (`available_at / 86400000`, times in whole milliseconds since 1970).
    public static func releaseDay(_ date: Date) -> Int64 { Timestamps.millis(date) / Self.dayMillis }
    public static let dayMillis: Int64 = 86_400_000

    /// The summary as of `now` from the member's row and only the open lots that can change it:
    /// `lots` holds at least every pending lot and every lot expiring by `now + expiringWithin`
    /// (more does no harm). Every other open lot is available, stays so through the window and is
    /// already counted in the row's `available`, so a member with years of history is read in
    /// the time of a new one. Lots may come merged by state, expiry and release day (as the
    /// stores read them): the answer only sums them by those.
    public init(member: MemberRecord, lotsThatCanChange lots: [PointLot], now: Date, expiringWithin: TimeInterval, tier: TierProgress? = nil) {
        var ledger = MemberLedger(memberId: member.id, lots: lots, debt: member.debt, lifetimeEarned: member.lifetimeEarned)
        // The available points of these lots, as the row counted them.
        let counted = ledger.available + ledger.debt
        ledger.settle(now: now)
        self.init(member: member, ledger: ledger, now: now, expiringWithin: expiringWithin, tier: tier)
        available += member.available + member.debt - counted
    }
}
