import Foundation
import LaurelCore
import PostgresNIO

extension PostgresStore: SimulationSource {
    private func simulationRows(_ sql: String, _ values: [any PostgresEncodable & Sendable]) async throws -> [PostgresRandomAccessRow] {
        try await read { connection in
            var binds = PostgresBindings(capacity: values.count)
            for value in values { try binds.append(value) }
            return try await connection.rows(PostgresQuery(unsafeSQL: sql, binds: binds), logger)
        }
    }

    public func simulationEvents(programId: String) async throws -> [StoredEvent] {
        try await simulationRows(SimulationSQL.events(placeholder: "$1"), [programId]).map { row in
            StoredEvent(id: try row.get("id"), memberId: try row.get("member_id"), recordedAt: try row.date("recorded_at"), payload: try row.get("payload"))
        }
    }

    public func simulationMoves(programId: String) async throws -> [StoredMove] {
        let rows = try await simulationRows(SimulationSQL.moves(placeholder: "$1"), [programId]).map { row in
            (seq: try row.get("seq", Int64.self), kind: try row.get("kind", String.self), memberId: try row.get("member_id", String.self),
             from: try row.get("from_account", String.self), to: try row.get("to_account", String.self), points: Int(try row.get("points", Int64.self)),
             sourceId: try row.get("source_id", String.self), createdAt: try row.get("created_at", Int64.self),
             actor: try row.get("actor", String?.self), reason: try row.get("reason", String?.self))
        }
        return StoredMove.fold(rows)
    }

    public func simulationConsents(programId: String) async throws -> [StoredConsent] {
        try await simulationRows("SELECT member_id, name, granted, source, at FROM member_consents WHERE program_id = $1 ORDER BY seq", [programId]).map { row in
            StoredConsent(memberId: try row.get("member_id"), change: ConsentChange(name: try row.get("name"), granted: try row.get("granted"),
                                                                                    source: ConsentSource(rawValue: try row.get("source", String.self)) ?? .api,
                                                                                    at: try row.date("at")))
        }
    }

    public func simulationFlows(programId: String, from: Date, until: Date) async throws -> [WeeklyFlow] {
        try await simulationRows(SimulationSQL.flows(placeholders: ["$1", "$2", "$3", "$4"]), [programId, from.millis, from.millis, until.millis]).map { row in
            WeeklyFlow(week: Int(try row.get("week", Int64.self)), account: try row.get("account"),
                       toMembers: Int(try row.get("to_members", Int64.self)), fromMembers: Int(try row.get("from_members", Int64.self)))
        }
    }
}
