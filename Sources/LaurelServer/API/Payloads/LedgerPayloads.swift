import Foundation
import LaurelCore
import LaurelStore

/// One ledger entry as the API shows it, with what it did to this member's balances.
struct LedgerEntryView: Encodable {
    var id: String
    var object = "ledger_entry"
    var kind: LedgerEntryKind
    var points: Int
    var availableChange: Int
    var pendingChange: Int
    var from: String
    var to: String
    var lotId: String?
    var sourceId: String
    var programVersion: Int?
    var createdAt: String
    var actor: String?
    var reason: String?

    enum CodingKeys: String, CodingKey {
        case id, object, kind, points, availableChange = "available_change", pendingChange = "pending_change", from, to, lotId = "lot_id"
        case sourceId = "source_id", programVersion = "program_version", createdAt = "created_at", actor, reason
    }

    init(_ record: LedgerEntryRecord, memberId: String) {
        let entry = record.entry
        id = "le_\(record.sequence)"
        kind = entry.kind
        points = entry.points
        func change(_ account: LedgerAccount) -> Int {
            (entry.to == account ? entry.points : 0) - (entry.from == account ? entry.points : 0)
        }
        availableChange = change(.available(member: memberId))
        pendingChange = change(.pending(member: memberId))
        from = entry.from.description
        to = entry.to.description
        lotId = entry.lotId
        sourceId = entry.sourceId
        programVersion = record.programVersion
        createdAt = Timestamps.format(record.createdAt)
        actor = record.actor
        reason = record.reason
    }
}

/// `POST /v1/members/{id}/adjustments`.
struct AdjustmentBody: Decodable {
    var points: Int
    var reason: String
    /// Who asked for it (a staff member); defaults to the API key.
    var actor: String?
}

struct AdjustmentView: Encodable {
    var id: String
    var object = "adjustment"
    var memberId: String
    var points: Int
    var reason: String
    var actor: String
    var createdAt: String
    var balanceAfter: RecordedOutcome.Balance

    enum CodingKeys: String, CodingKey {
        case id, object, memberId = "member_id", points, reason, actor, createdAt = "created_at", balanceAfter = "balance_after"
    }

    init(_ record: AdjustmentRecord) {
        id = record.id
        memberId = record.memberId
        points = record.points
        reason = record.reason
        actor = record.actor
        createdAt = Timestamps.format(record.createdAt)
        balanceAfter = record.balanceAfter
    }
}

/// `GET /v1/members/{id}/points-activity`.
struct PointsActivityView: Encodable {
    var object = "points_activity"
    var memberId: String
    var from: String?
    var until: String?
    var earned, spent, restored, expired, reversed, adjustedIn, adjustedOut, transferredIn, transferredOut, net: Int

    enum CodingKeys: String, CodingKey {
        case object, memberId = "member_id", from, until, earned, spent, restored, expired, reversed, adjustedIn = "adjusted_in",
             adjustedOut = "adjusted_out", transferredIn = "transferred_in", transferredOut = "transferred_out", net
    }

    init(_ activity: PointsActivity, memberId: String, from: Date?, until: Date?) {
        self.memberId = memberId
        self.from = from.map(Timestamps.format)
        self.until = until.map(Timestamps.format)
        earned = activity.earned
        spent = activity.spent
        restored = activity.restored
        expired = activity.expired
        reversed = activity.reversed
        adjustedIn = activity.adjustedIn
        adjustedOut = activity.adjustedOut
        transferredIn = activity.transferredIn
        transferredOut = activity.transferredOut
        net = activity.net
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(object, forKey: .object)
        try container.encode(memberId, forKey: .memberId)
        try container.encode(from, forKey: .from)
        try container.encode(until, forKey: .until)
        for (key, value) in [(CodingKeys.earned, earned), (.spent, spent), (.restored, restored), (.expired, expired), (.reversed, reversed),
                             (.adjustedIn, adjustedIn), (.adjustedOut, adjustedOut), (.transferredIn, transferredIn),
                             (.transferredOut, transferredOut), (.net, net)] {
            try container.encode(value, forKey: key)
        }
    }
}

/// `POST /v1/members/{id}/adjustments/{adjustment_id}/cancel`.
struct CancelAdjustmentBody: Decodable {
    var reason: String
    /// Who asked for it (a staff member); defaults to the API key.
    var actor: String?
}

struct AdjustmentCancellationView: Encodable {
    var id: String
    var object = "adjustment_cancellation"
    var adjustmentId: String
    var memberId: String
    var points: Int
    var intoDebt: Int
    var reason: String
    var actor: String
    var createdAt: String
    var balanceAfter: RecordedOutcome.Balance

    enum CodingKeys: String, CodingKey {
        case id, object, adjustmentId = "adjustment_id", memberId = "member_id", points, intoDebt = "into_debt", reason, actor,
             createdAt = "created_at", balanceAfter = "balance_after"
    }

    init(_ record: AdjustmentCancellationRecord) {
        id = record.id
        adjustmentId = record.adjustmentId
        memberId = record.memberId
        points = record.points
        intoDebt = record.intoDebt
        reason = record.reason
        actor = record.actor
        createdAt = Timestamps.format(record.createdAt)
        balanceAfter = record.balanceAfter
    }
}

/// `POST /v1/transfers`.
struct TransferBody: Decodable {
    var fromMemberId: String
    var toMemberId: String
    var points: Int
    enum CodingKeys: String, CodingKey { case fromMemberId = "from_member_id", toMemberId = "to_member_id", points }
}

struct TransferView: Encodable {
    var id: String
    var object = "transfer"
    var fromMemberId: String
    var toMemberId: String
    var points: Int
    var createdAt: String
    enum CodingKeys: String, CodingKey { case id, object, fromMemberId = "from_member_id", toMemberId = "to_member_id", points, createdAt = "created_at" }

    init(_ record: TransferRecord) {
        id = record.id
        fromMemberId = record.fromMemberId
        toMemberId = record.toMemberId
        points = record.points
        createdAt = Timestamps.format(record.createdAt)
    }
}

/// A program version as the API shows it.
struct ProgramVersionView: Encodable {
    var object = "program_version"
    var programId: String
    var version: Int
    var createdAt: String
    var definition: JSONValue?
    enum CodingKeys: String, CodingKey { case object, programId = "program_id", version, createdAt = "created_at", definition }

    init(_ record: ProgramVersionRecord, withDefinition: Bool = true) {
        programId = record.programId
        version = record.version
        createdAt = Timestamps.format(record.createdAt)
        definition = withDefinition ? record.definition.canonicalTree : nil
    }
}
