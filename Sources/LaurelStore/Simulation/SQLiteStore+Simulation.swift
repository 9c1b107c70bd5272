import Foundation
import GRDB
import LaurelCore

extension SQLiteStore: SimulationSource {
    public func simulationEvents(programId: String) async throws -> [StoredEvent] {
        try await writer.read { db in
            try db.rows(SimulationSQL.events(placeholder: "?"), [programId]) { row in
                StoredEvent(id: row["id"], memberId: row["member_id"], recordedAt: Date(millis: row["recorded_at"]), payload: row["payload"])
            }
        }
    }

    public func simulationMoves(programId: String) async throws -> [StoredMove] {
        let rows = try await writer.read { db in
            try db.rows(SimulationSQL.moves(placeholder: "?"), [programId]) { row in
                (seq: row["seq"] as Int64, kind: row["kind"] as String, memberId: row["member_id"] as String, from: row["from_account"] as String,
                 to: row["to_account"] as String, points: row["points"] as Int, sourceId: row["source_id"] as String,
                 createdAt: row["created_at"] as Int64, actor: row["actor"] as String?, reason: row["reason"] as String?)
            }
        }
        return StoredMove.fold(rows)
    }

    public func simulationConsents(programId: String) async throws -> [StoredConsent] {
        try await writer.read { db in
            try db.rows("SELECT member_id, name, granted, source, at FROM member_consents WHERE program_id = ? ORDER BY seq", [programId]) { row in
                StoredConsent(memberId: row["member_id"], change: ConsentChange(name: row["name"], granted: row["granted"],
                                                                                source: ConsentSource(rawValue: row["source"]) ?? .api,
                                                                                at: Date(millis: row["at"])))
            }
        }
    }

    public func simulationFlows(programId: String, from: Date, until: Date) async throws -> [WeeklyFlow] {
        try await writer.read { db in
            // `?` take their values in the order they appear: the week's start comes first in the text.
            try db.rows(SimulationSQL.flows(placeholders: ["?", "?", "?", "?"]), [from.millis, programId, from.millis, until.millis]) { row in
                WeeklyFlow(week: row["week"], account: row["account"], toMembers: row["to_members"], fromMembers: row["from_members"])
            }
        }
    }
}
