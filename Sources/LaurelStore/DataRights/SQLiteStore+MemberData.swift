import Foundation
import GRDB
import LaurelCore

extension SQLiteStore {
    public func memberData(programId: String, memberId: String) async throws -> MemberData? {
        try await read { db in
            guard let member = try Self.fetchMember(db, programId: programId, id: memberId) else { return nil }
            var tables: [(name: String, rows: [JSONValue])] = []
            for table in MemberDataTables.exported {
                let sql = MemberDataSQL.select(table, dialect: .sqlite, programId: programId, memberId: memberId)
                let rows = try db.rows(sql.text, StatementArguments(sql.values)) { row in
                    var object: [String: JSONValue] = [:]
                    for (column, value) in row {
                        object[column] = Self.json(value, parsing: table.json.contains(column))
                    }
                    return JSONValue.object(object)
                }
                tables.append((table.name, rows))
            }
            return MemberData(member: member, tables: tables)
        }
    }

    /// A column's value as JSON: integers and reals as numbers, text as strings (parsed when the
    /// column holds JSON), blobs as base64.
    private static func json(_ value: DatabaseValue, parsing: Bool) -> JSONValue {
        switch value.storage {
        case .null: return .null
        case .int64(let int): return .number(String(int))
        case .double(let double): return .number(String(double))
        case .string(let text): return parsing ? (try? JSONText.decode(JSONValue.self, text)) ?? .string(text) : .string(text)
        case .blob(let data):
            // An event's outcome is kept packed (`PackedOutcome`); other blobs are shown as base64.
            if parsing, let text = try? PackedOutcome.text(data), let parsed = try? JSONText.decode(JSONValue.self, text) { return parsed }
            return .string(data.base64EncodedString())
        }
    }

    public func eraseMember(programId: String, memberId: String, reason: String, now: Date,
                            idempotency: Idempotency<MemberErasure>?) async throws -> Idempotent<MemberErasure> {
        let actor = AuditActor.current
        let result: Idempotent<MemberErasure> = try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: programId, idempotency) { return .replayed(replay) }
            guard let member = try Self.fetchMember(db, programId: programId, id: memberId) else { throw StoreError.notFound("member \(memberId)") }
            if member.status == .erased {
                let erasure = MemberErasure(memberId: memberId, erasedAt: member.updatedAt, alreadyErased: true)
                return try Self.remember(db, programId: programId, idempotency, erasure, now: now)
            }
            let values = PersonalData.values(of: member)
            // Old row contents are overwritten with zeros as they are freed (`secure_delete`, set on
            // every connection), so the values below leave the file, not only the rows.
            for template in MemberDataSQL.erasureStatements {
                let sql = MemberDataSQL(template, dialect: .sqlite, programId: programId, memberId: memberId)
                try db.run(sql.text, StatementArguments(sql.values))
            }
            for rewrite in MemberDataSQL.erasureRewrites {
                let sql = MemberDataSQL("SELECT \(rewrite.key), \(rewrite.column) FROM \(rewrite.table) WHERE \(rewrite.condition)",
                                        dialect: .sqlite, programId: programId, memberId: memberId)
                let rows = try db.rows(sql.text, StatementArguments(sql.values)) { row in (row[0] as String, row[1] as String) }
                for (key, text) in rows {
                    let redacted = PersonalData.redact(text: text, kind: rewrite.kind, memberId: memberId, values: values)
                    try db.run("UPDATE \(rewrite.table) SET \(rewrite.column) = ? WHERE \(rewrite.key) = ?", [redacted, key])
                }
            }
            // Stored answers that name the member (their enrolment's answer holds their email).
            let needles = [memberId] + values
            let condition = needles.map { _ in "instr(body, ?) > 0" }.joined(separator: " OR ")
            let answers = try db.rows("SELECT key, body FROM idempotency_keys WHERE program_id = ? AND (\(condition))",
                                      StatementArguments([programId] + needles)) { row in (row[0] as String, row[1] as Data) }
            for (key, body) in answers {
                let redacted = PersonalData.redact(text: String(decoding: body, as: UTF8.self), kind: .message, memberId: memberId, values: values)
                try db.run("UPDATE idempotency_keys SET body = ? WHERE program_id = ? AND key = ?", [Data(redacted.utf8), programId, key])
            }
            try db.run("""
                UPDATE members SET external_id = ?, email = NULL, name = NULL, birthday = NULL, attributes = '{}', status = ?, updated_at = ?
                WHERE program_id = ? AND id = ?
                """, [MemberDataTables.erasedExternalId(memberId), MemberStatus.erased.rawValue, now.millis, programId, memberId])
            try Self.appendAudit(db, AuditRecord.erasure(programId: programId, actor: actor, memberId: memberId, from: member.status, reason: reason,
                                                         idempotencyKey: idempotency?.key, at: now))
            let erasure = MemberErasure(memberId: memberId, erasedAt: now, alreadyErased: false)
            return try Self.remember(db, programId: programId, idempotency, erasure, now: now)
        }
        if case .fresh(let erasure, _) = result, !erasure.alreadyErased { await checkpointTruncating() }
        return result
    }

    /// Copies the WAL into the database and empties it, so that the pages an erasure replaced do
    /// not stay in the WAL file (`WALCheckpointer.truncate`: it waits for a checkpoint or
    /// transaction under way, about two seconds at most). Best effort: when readers keep it from
    /// finishing, a later checkpoint copies the pages and the WAL is overwritten as it starts over.
    private func checkpointTruncating() async {
        _ = await checkpoints?.truncate()
    }

    public func consentHistory(programId: String, memberId: String) async throws -> [ConsentChange] {
        try await read { db in
            guard try Self.fetchMember(db, programId: programId, id: memberId) != nil else { throw StoreError.notFound("member \(memberId)") }
            return try Self.consentHistory(db, programId: programId, memberId: memberId)
        }
    }

    static func consentHistory(_ db: Database, programId: String, memberId: String) throws -> [ConsentChange] {
        try db.rows("SELECT name, granted, source, at FROM member_consents WHERE program_id = ? AND member_id = ? ORDER BY seq",
                    [programId, memberId]) { row in
            ConsentChange(name: row[0], granted: row[1], source: ConsentSource(rawValue: row[2]) ?? .api, at: Date(millis: row[3]))
        }
    }

    public func grantedConsents(programId: String, memberId: String) async throws -> Set<String> {
        try await read { db in try Self.grantedConsents(db, programId: programId, memberId: memberId) }
    }

    /// The member's granted consents in the caller's transaction (an event's judging): the last
    /// change of each name, when it grants.
    static func grantedConsents(_ db: Database, programId: String, memberId: String) throws -> Set<String> {
        Set(try db.rows("""
            SELECT c.name FROM member_consents c
            WHERE c.program_id = ? AND c.member_id = ? AND \(Consents.grantedNow)
            """, [programId, memberId]) { $0[0] as String })
    }

    public func setConsents(programId: String, memberId: String, _ consents: [String: Bool], source: ConsentSource, now: Date,
                            idempotency: Idempotency<[ConsentChange]>?) async throws -> Idempotent<[ConsentChange]> {
        try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: programId, idempotency) { return .replayed(replay) }
            guard let member = try Self.fetchMember(db, programId: programId, id: memberId) else { throw StoreError.notFound("member \(memberId)") }
            guard member.status != .erased else { throw StoreError.memberErased(memberId) }
            var history = try Self.consentHistory(db, programId: programId, memberId: memberId)
            for change in try Consents.changes(consents, to: history, source: source, at: now) {
                try db.run("INSERT INTO member_consents (program_id, member_id, name, granted, source, at) VALUES (?, ?, ?, ?, ?, ?)",
                           [programId, memberId, change.name, change.granted, change.source.rawValue, now.millis])
                history.append(change)
            }
            return try Self.remember(db, programId: programId, idempotency, history, now: now)
        }
    }
}
