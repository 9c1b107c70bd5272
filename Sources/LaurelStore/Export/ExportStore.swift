import Foundation
import LaurelCore

/// What `laurel export` and `GET /v1/exports/{kind}` read besides the ordinary paged lists
/// (members and redemptions come from `members(programId:limit:startingAfter:)` and
/// `redemptions(programId:memberId:…)`): the whole program's ledger and events, a page at a time
/// by a key the primary key's index orders, so an export of millions of rows holds one page.
public protocol ExportStore: Sendable {
    /// Up to `limit` ledger entries of the program with `seq` above `afterSequence`, by `seq`,
    /// each with the expiry of the lot it moved (when it moved one that expires).
    func exportLedger(programId: String, afterSequence: Int64, limit: Int) async throws -> [ExportedLedgerEntry]
    /// Up to `limit` events of the program with an id above `afterId` (`""`: from the first), by
    /// id — which is the order they were recorded in (ids sort by creation time).
    func exportEvents(programId: String, afterId: String, limit: Int) async throws -> [StoredEvent]
}

/// A ledger entry as the export shows it.
public struct ExportedLedgerEntry: Hashable, Sendable {
    public var record: LedgerEntryRecord
    /// When the entry's lot expires (nil: no lot, or a lot that never expires).
    public var lotExpiresAt: Date?
    public init(record: LedgerEntryRecord, lotExpiresAt: Date?) {
        self.record = record
        self.lotExpiresAt = lotExpiresAt
    }
}

/// The statements both backends run (`p`: the placeholders for program id, key and limit).
enum ExportSQL {
    static func ledger(_ p: [String]) -> String {
        """
        SELECT e.seq, e.program_id, e.member_id, e.kind, e.from_account, e.to_account, e.points, e.lot_id, e.source_id,
               e.program_version, e.created_at, e.actor, e.reason, l.expires_at AS lot_expires_at
        FROM ledger_entries e LEFT JOIN lots l ON l.id = e.lot_id
        WHERE e.program_id = \(p[0]) AND e.seq > \(p[1]) ORDER BY e.seq LIMIT \(p[2])
        """
    }

    static func events(_ p: [String]) -> String {
        "SELECT id, member_id, recorded_at, payload FROM events WHERE program_id = \(p[0]) AND id > \(p[1]) ORDER BY id LIMIT \(p[2])"
    }
}
