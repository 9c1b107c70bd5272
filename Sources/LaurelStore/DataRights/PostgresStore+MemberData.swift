import Foundation
import LaurelCore
import Logging
import PostgresNIO

extension PostgresStore {
    public func memberData(programId: String, memberId: String) async throws -> MemberData? {
        try await read { connection in
            guard let member = try await Self.fetchMember(connection, programId: programId, id: memberId, logger) else { return nil }
            var tables: [(name: String, rows: [JSONValue])] = []
            for table in MemberDataTables.exported {
                let sql = MemberDataSQL.select(table, dialect: .postgres, programId: programId, memberId: memberId)
                let rows = try await connection.rows(sql.query, logger).map { row in
                    let text = try row.get("data", String.self)
                    guard case .object(var object) = try JSONText.decode(JSONValue.self, text) else { return JSONValue.string(text) }
                    for column in table.json {
                        if case .string(let json)? = object[column], let parsed = try? JSONText.decode(JSONValue.self, PackedOutcome.text(postgresJSON: json)) {
                            object[column] = parsed
                        }
                    }
                    return JSONValue.object(object)
                }
                tables.append((table.name, rows))
            }
            return MemberData(member: member, tables: tables)
        }
    }

    public func eraseMember(programId: String, memberId: String, reason: String, now: Date,
                            idempotency: Idempotency<MemberErasure>?) async throws -> Idempotent<MemberErasure> {
        let actor = AuditActor.current
        return try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: programId, idempotency, now: now, logger) {
                return .replayed(replay)
            }
            // The member's row lock: an event under way finishes first, a later one sees the erased member.
            guard let member = try await Self.fetchMember(connection, programId: programId, id: memberId, lock: true, logger) else {
                throw StoreError.notFound("member \(memberId)")
            }
            if member.status == .erased {
                return try await Self.remember(connection, programId: programId, idempotency,
                                               MemberErasure(memberId: memberId, erasedAt: member.updatedAt, alreadyErased: true), logger)
            }
            let values = PersonalData.values(of: member)
            for template in MemberDataSQL.erasureStatements {
                try await connection.query(MemberDataSQL(template, dialect: .postgres, programId: programId, memberId: memberId).query, logger: logger)
            }
            for rewrite in MemberDataSQL.erasureRewrites {
                let sql = MemberDataSQL("SELECT \(rewrite.key) AS key, \(rewrite.column) AS text FROM \(rewrite.table) WHERE \(rewrite.condition)",
                                        dialect: .postgres, programId: programId, memberId: memberId)
                for row in try await connection.rows(sql.query, logger) {
                    let key = try row.get("key", String.self)
                    let redacted = PersonalData.redact(text: try row.get("text", String.self), kind: rewrite.kind, memberId: memberId, values: values)
                    var bindings = PostgresBindings(capacity: 2)
                    bindings.append(redacted)
                    bindings.append(key)
                    try await connection.query(PostgresQuery(unsafeSQL: "UPDATE \(rewrite.table) SET \(rewrite.column) = $1 WHERE \(rewrite.key) = $2",
                                                             binds: bindings), logger: logger)
                }
            }
            // Stored answers that name the member (their enrolment's answer holds their email).
            let needles = [memberId] + values
            let answers = try await connection.rows("""
                SELECT key, body FROM idempotency_keys
                WHERE program_id = \(programId) AND EXISTS (SELECT 1 FROM unnest(\(needles)::text[]) AS n WHERE position(convert_to(n, 'UTF8') IN body) > 0)
                """, logger)
            for row in answers {
                let key = try row.get("key", String.self)
                let body = try row.get("body", Data.self)
                let redacted = Data(PersonalData.redact(text: String(decoding: body, as: UTF8.self), kind: .message, memberId: memberId,
                                                        values: values).utf8)
                try await connection.query("UPDATE idempotency_keys SET body = \(redacted) WHERE program_id = \(programId) AND key = \(key)",
                                           logger: logger)
            }
            try await connection.query("""
                UPDATE members SET external_id = \(MemberDataTables.erasedExternalId(memberId)), email = NULL, name = NULL, birthday = NULL,
                       attributes = '{}', status = \(MemberStatus.erased.rawValue), updated_at = \(now.millis)
                WHERE program_id = \(programId) AND id = \(memberId)
                """, logger: logger)
            try await Self.appendAudit(connection, AuditRecord.erasure(programId: programId, actor: actor, memberId: memberId, from: member.status,
                                                                       reason: reason, idempotencyKey: idempotency?.key, at: now), logger)
            return try await Self.remember(connection, programId: programId, idempotency,
                                           MemberErasure(memberId: memberId, erasedAt: now, alreadyErased: false), logger)
        }
    }

    public func consentHistory(programId: String, memberId: String) async throws -> [ConsentChange] {
        try await read { connection in
            guard try await Self.fetchMember(connection, programId: programId, id: memberId, logger) != nil else {
                throw StoreError.notFound("member \(memberId)")
            }
            return try await Self.consentHistory(connection, programId: programId, memberId: memberId, logger)
        }
    }

    static func consentHistory(_ connection: PostgresConnection, programId: String, memberId: String, _ logger: Logger) async throws -> [ConsentChange] {
        try await connection.rows("""
            SELECT name, granted, source, at FROM member_consents WHERE program_id = \(programId) AND member_id = \(memberId) ORDER BY seq
            """, logger).map { row in
            ConsentChange(name: try row.get("name"), granted: try row.get("granted"),
                          source: ConsentSource(rawValue: try row.get("source", String.self)) ?? .api, at: try row.date("at"))
        }
    }

    public func grantedConsents(programId: String, memberId: String) async throws -> Set<String> {
        try await read { connection in try await Self.grantedConsents(connection, programId: programId, memberId: memberId, logger) }
    }

    /// The member's granted consents in the caller's transaction (an event's judging): the last
    /// change of each name, when it grants.
    static func grantedConsents(_ connection: PostgresConnection, programId: String, memberId: String, _ logger: Logger) async throws -> Set<String> {
        Set(try await connection.rows("""
            SELECT c.name FROM member_consents c
            WHERE c.program_id = \(programId) AND c.member_id = \(memberId) AND \(unescaped: Consents.grantedNow)
            """, logger).map { try $0.get("name", String.self) })
    }

    public func setConsents(programId: String, memberId: String, _ consents: [String: Bool], source: ConsentSource, now: Date,
                            idempotency: Idempotency<[ConsentChange]>?) async throws -> Idempotent<[ConsentChange]> {
        try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: programId, idempotency, now: now, logger) {
                return .replayed(replay)
            }
            guard let member = try await Self.fetchMember(connection, programId: programId, id: memberId, lock: true, logger) else {
                throw StoreError.notFound("member \(memberId)")
            }
            guard member.status != .erased else { throw StoreError.memberErased(memberId) }
            var history = try await Self.consentHistory(connection, programId: programId, memberId: memberId, logger)
            for change in try Consents.changes(consents, to: history, source: source, at: now) {
                try await connection.query("""
                    INSERT INTO member_consents (program_id, member_id, name, granted, source, at)
                    VALUES (\(programId), \(memberId), \(change.name), \(change.granted), \(change.source.rawValue), \(now.millis))
                    """, logger: logger)
                history.append(change)
            }
            return try await Self.remember(connection, programId: programId, idempotency, history, logger)
        }
    }
}

extension MemberDataSQL {
    /// The statement with its values bound, for postgres-nio.
    var query: PostgresQuery {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values { bindings.append(value) }
        return PostgresQuery(unsafeSQL: text, binds: bindings)
    }
}
