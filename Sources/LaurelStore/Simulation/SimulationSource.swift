import Foundation
import LaurelCore

/// What a backtest reads from a store besides its ordinary API: the program's stored events, the
/// manual adjustments and transfers (kept only as ledger entries), and the ledger's movements
/// summed by week, for the comparison. SQLite and PostgreSQL both answer it, so a live database
/// of either kind can be replayed, and the SQLite scratch store is measured the same way.
public protocol SimulationSource: Sendable {
    /// Every event of the program with its stored payload, in the order it was recorded.
    func simulationEvents(programId: String) async throws -> [StoredEvent]
    /// Manual adjustments, their cancellations and transfers, each summed over its entries, in time order.
    func simulationMoves(programId: String) async throws -> [StoredMove]
    /// Every consent change of the program's members, in the order it was made: rules and campaigns
    /// that require a consent judge the replayed events by them.
    func simulationConsents(programId: String) async throws -> [StoredConsent]
    /// The program's points flows (member accounts against program accounts) from `from` (inclusive)
    /// to `until` (exclusive), summed by week counted from `from`.
    func simulationFlows(programId: String, from: Date, until: Date) async throws -> [WeeklyFlow]
}

/// An event as the store kept it: enough to send it again through `recordEvent`.
public struct StoredEvent: Sendable, Hashable {
    public var id: String
    public var memberId: String
    public var recordedAt: Date
    /// The normalized request body (`POST /v1/events` format) the event was recorded with.
    public var payload: String
    public init(id: String, memberId: String, recordedAt: Date, payload: String) {
        self.id = id
        self.memberId = memberId
        self.recordedAt = recordedAt
        self.payload = payload
    }
}

/// One member's grant or withdrawal of a consent.
public struct StoredConsent: Sendable, Hashable {
    public var memberId: String
    public var change: ConsentChange
    public init(memberId: String, change: ConsentChange) {
        self.memberId = memberId
        self.change = change
    }
}

/// A manual adjustment, its cancellation, or a transfer, read back from its ledger entries.
public struct StoredMove: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// `points` > 0 a credit, < 0 a debit.
        case adjustment(points: Int, reason: String, actor: String)
        case adjustmentCancellation(adjustmentId: String, reason: String, actor: String)
        case transfer(to: String, points: Int)
    }
    /// The adjustment, cancellation or transfer id (the entries' source).
    public var id: String
    public var memberId: String
    public var at: Date
    public var kind: Kind
    public init(id: String, memberId: String, at: Date, kind: Kind) {
        self.id = id
        self.memberId = memberId
        self.at = at
        self.kind = kind
    }
}

/// The points that crossed between members and one program account in one week.
public struct WeeklyFlow: Sendable, Hashable {
    /// Weeks since the window's start, from 0.
    public var week: Int
    /// The program account (`issued`, `redeemed`, `expired`, `reversed`, `adjusted`).
    public var account: String
    /// Points that left the account for members (earned, restored, credited).
    public var toMembers: Int
    /// Points members sent to the account (spent, expired, reversed, debited).
    public var fromMembers: Int
    public init(week: Int, account: String, toMembers: Int, fromMembers: Int) {
        self.week = week
        self.account = account
        self.toMembers = toMembers
        self.fromMembers = fromMembers
    }
}

extension StoredMove {
    /// Builds the moves from ledger entries of kinds `adjust` and `transfer`, in `seq` order:
    /// one move per source id, its points summed over the entries (a debit spread over lots).
    static func fold(_ rows: [(seq: Int64, kind: String, memberId: String, from: String, to: String, points: Int, sourceId: String,
                               createdAt: Int64, actor: String?, reason: String?)]) -> [StoredMove] {
        var moves: [StoredMove] = []
        var index: [String: Int] = [:]
        // A cancellation's id is derived from its adjustment's (`AdjustmentCancellationRecord.id(for:)`).
        func cancelled(_ sourceId: String) -> String? {
            guard sourceId.hasPrefix("adjc_") else { return nil }
            let rest = sourceId.dropFirst(5)
            return ["adj_" + rest, String(rest)].first { index["adjust \($0)"] != nil && AdjustmentCancellationRecord.id(for: $0) == sourceId }
        }
        for row in rows {
            let isTransfer = row.kind == "transfer"
            let key = "\(row.kind) \(row.sourceId)"
            if let at = index[key] {
                switch moves[at].kind {
                case .adjustment(let points, let reason, let actor):
                    moves[at].kind = .adjustment(points: points + (row.from == "adjusted" ? row.points : -row.points), reason: reason, actor: actor)
                case .transfer(let to, let points):
                    moves[at].kind = .transfer(to: to, points: points + row.points)
                case .adjustmentCancellation:
                    break
                }
                continue
            }
            let kind: StoredMove.Kind
            if isTransfer {
                guard case .available(let receiver)? = LedgerAccount(row.to) else { continue }
                kind = .transfer(to: receiver, points: row.points)
            } else if let adjustmentId = cancelled(row.sourceId) {
                kind = .adjustmentCancellation(adjustmentId: adjustmentId, reason: row.reason ?? "", actor: row.actor ?? "")
            } else {
                kind = .adjustment(points: row.from == "adjusted" ? row.points : -row.points, reason: row.reason ?? "", actor: row.actor ?? "")
            }
            index[key] = moves.count
            moves.append(StoredMove(id: row.sourceId, memberId: row.memberId, at: Timestamps.date(millis: row.createdAt), kind: kind))
        }
        return moves
    }
}

/// The SQL both backends run. `flows`: placeholders for program id, window start (twice: weeks count from it) and end;
/// the window start for weeks is the first to appear in the text.
enum SimulationSQL {
    static let week: Int64 = 7 * 24 * 3600 * 1000
    static let accounts = "('issued', 'redeemed', 'expired', 'reversed', 'adjusted')"
    static func flows(placeholders p: [String]) -> String {
        """
        SELECT CAST((created_at - \(p[1])) / \(week) AS BIGINT) AS week,
               CASE WHEN from_account IN \(accounts) THEN from_account ELSE to_account END AS account,
               CAST(SUM(CASE WHEN from_account IN \(accounts) THEN points ELSE 0 END) AS BIGINT) AS to_members,
               CAST(SUM(CASE WHEN to_account IN \(accounts) THEN points ELSE 0 END) AS BIGINT) AS from_members
        FROM ledger_entries
        WHERE program_id = \(p[0]) AND created_at >= \(p[2]) AND created_at < \(p[3])
          AND (from_account IN \(accounts) OR to_account IN \(accounts))
        GROUP BY 1, 2
        """
    }
    static func moves(placeholder p: String) -> String {
        """
        SELECT seq, kind, member_id, from_account, to_account, points, source_id, created_at, actor, reason
        FROM ledger_entries WHERE program_id = \(p) AND kind IN ('adjust', 'transfer') ORDER BY seq
        """
    }
    static func events(placeholder p: String) -> String {
        "SELECT id, member_id, recorded_at, payload FROM events WHERE program_id = \(p) ORDER BY recorded_at, id"
    }
}
