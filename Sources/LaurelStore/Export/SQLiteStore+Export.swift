import Foundation
import GRDB
import LaurelCore

extension SQLiteStore {
    public func exportLedger(programId: String, afterSequence: Int64, limit: Int) async throws -> [ExportedLedgerEntry] {
        try await read { db in
            try db.rows(ExportSQL.ledger(["?", "?", "?"]), [programId, afterSequence, limit]) { row in
                ExportedLedgerEntry(record: Self.entry(row), lotExpiresAt: (row["lot_expires_at"] as Int64?).map { Date(millis: $0) })
            }
        }
    }

    public func exportEvents(programId: String, afterId: String, limit: Int) async throws -> [StoredEvent] {
        try await read { db in
            try db.rows(ExportSQL.events(["?", "?", "?"]), [programId, afterId, limit]) { row in
                StoredEvent(id: row["id"], memberId: row["member_id"], recordedAt: Date(millis: row["recorded_at"]), payload: row["payload"])
            }
        }
    }
}
