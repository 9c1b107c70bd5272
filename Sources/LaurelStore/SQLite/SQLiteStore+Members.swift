import Foundation
import GRDB
import LaurelCore

extension SQLiteStore {
    public func createMember(_ member: MemberRecord, referralCode: String?, idempotency: Idempotency<MemberRecord>?) async throws -> Idempotent<MemberRecord> {
        let cache = programs
        return try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: member.programId, idempotency) { return .replayed(replay) }
            guard try db.row("SELECT id FROM programs WHERE id = ?", [member.programId]) != nil else {
                throw StoreError.notFound("program \(member.programId)")
            }
            if try db.row("SELECT id FROM members WHERE program_id = ? AND external_id = ?", [member.programId, member.externalId]) != nil {
                throw StoreError.duplicateExternalId(member.externalId)
            }
            try db.run("""
                INSERT INTO members (id, program_id, external_id, email, name, birthday, attributes, status, available, pending, debt,
                                     lifetime_earned, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, ?, ?)
                """, [member.id, member.programId, member.externalId, member.email, member.name, member.birthday,
                      try JSONText.encode(member.attributes), member.status.rawValue, member.createdAt.millis, member.updatedAt.millis])
            try Self.enrolReferral(db, cache: cache, member: member, code: referralCode)
            try Self.emit(db, programId: member.programId, memberId: member.id,
                          [OutboxMessages.member(MessageType.memberEnrolled, member, now: member.createdAt)], now: member.createdAt)
            return try Self.remember(db, programId: member.programId, idempotency, member, now: member.createdAt)
        }
    }

    public func member(programId: String, id: String) async throws -> MemberRecord? {
        try await read { db in try Self.fetchMember(db, programId: programId, id: id) }
    }

    public func member(programId: String, externalId: String) async throws -> MemberRecord? {
        try await read { db in
            try db.rowByPosition("SELECT \(Self.memberColumns) FROM members WHERE program_id = ? AND external_id = ?", [.text(programId), .text(externalId)],
                                 Self.member)
        }
    }

    public func members(programId: String, limit: Int, startingAfter: String?) async throws -> Page<MemberRecord> {
        try await read { db in
            let members = try db.rowsByPosition("SELECT \(Self.memberColumns) FROM members WHERE program_id = ? AND id > ? ORDER BY id LIMIT ?",
                                                [.text(programId), .text(startingAfter ?? ""), .int(limit + 1)], Self.member)
            return Page(items: Array(members.prefix(limit)), hasMore: members.count > limit)
        }
    }

    public func searchMembers(programId: String, query: String, limit: Int) async throws -> [MemberRecord] {
        let (low, high) = MemberSearch.range(query)
        let arguments: [SQLiteValue] = [.text(programId), .text(query), .text(low), .text(high)]
        return try await read { db in
            // The index ranges first (members' external ids, members_by_email, members_by_name) …
            let starts = try db.rowsByPosition("""
                SELECT \(Self.memberColumns) FROM members WHERE program_id = ?1 AND (\(Self.searchStarts))
                ORDER BY lower(name), id LIMIT ?5
                """, arguments + [.int(limit)], Self.member)
            guard starts.count < limit else { return starts }
            // … and only when they leave room, the text anywhere else (a scan of the program's members).
            return try starts + db.rowsByPosition("""
                SELECT \(Self.memberColumns) FROM members WHERE program_id = ?1
                AND (instr(lower(email), ?3) > 0 OR instr(lower(name), ?3) > 0) AND NOT coalesce(\(Self.searchStarts), 0)
                ORDER BY lower(name), id LIMIT ?5
                """, arguments + [.int(limit - starts.count)], Self.member)
        }
    }

    public func members(programId: String, ids: [String]) async throws -> [MemberRecord] {
        guard !ids.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        return try await read { db in
            try db.rowsByPosition("SELECT \(Self.memberColumns) FROM members WHERE program_id = ? AND id IN (\(marks))",
                                  [SQLiteValue.text(programId)] + ids.map { SQLiteValue.text($0) }, Self.member)
        }
    }

    /// A member search's indexed matches: the external id `?2`, or an email or name in [`?3`, `?4`).
    private static let searchStarts = "external_id = ?2 OR (lower(email) >= ?3 AND lower(email) < ?4) OR (lower(name) >= ?3 AND lower(name) < ?4)"

    public func updateMember(programId: String, id: String, patch: MemberPatch, now: Date,
                             idempotency: Idempotency<MemberRecord>?) async throws -> Idempotent<MemberRecord> {
        let actor = AuditActor.current
        return try await write { db in
            if let idempotency, let replay = try Self.replay(db, programId: programId, idempotency) { return .replayed(replay) }
            guard var member = try Self.fetchMember(db, programId: programId, id: id) else { throw StoreError.notFound("member \(id)") }
            guard member.status != .erased else { throw StoreError.memberErased(id) }
            let statusBefore = member.status
            member = member.applying(patch, now: now)
            if let audit = AuditRecord.statusChange(programId: programId, actor: actor, memberId: id, from: statusBefore, to: member.status,
                                                    reason: patch.statusReason, idempotencyKey: idempotency?.key, at: now) {
                try Self.appendAudit(db, audit)
            }
            try db.run("UPDATE members SET email = ?, name = ?, birthday = ?, attributes = ?, status = ?, updated_at = ? WHERE id = ?",
                       [member.email, member.name, member.birthday, try JSONText.encode(member.attributes), member.status.rawValue,
                        now.millis, id])
            try Self.emit(db, programId: programId, memberId: id, [OutboxMessages.member(MessageType.memberUpdated, member, now: now)], now: now)
            return try Self.remember(db, programId: programId, idempotency, member, now: now)
        }
    }

    static func fetchMember(_ db: Database, programId: String, id: String) throws -> MemberRecord? {
        try db.rowByPosition("SELECT \(memberColumns) FROM members WHERE program_id = ? AND id = ?", [.text(programId), .text(id)], member)
    }

    /// The columns `member(_:)` reads, in its order.
    private static let memberColumnNames = [
        "id", "program_id", "external_id", "email", "name", "birthday", "attributes", "status", "available", "pending", "debt",
        "lifetime_earned", "tier_id", "tier_since", "tier_floor", "tier_floor_until", "tier_review_at", "created_at", "updated_at",
    ]
    /// `memberColumnNames` qualified with the table, so that a join may add its own columns after them.
    static let memberColumns = memberColumnNames.map { "members.\($0)" }.joined(separator: ", ")
    /// Where a join's own columns start.
    static let memberColumnCount = memberColumnNames.count

    /// A member from `memberColumns`, read by position: a lookup by name compares the name with
    /// every column's, and the writer reads a member for every event, a balance read one per read.
    static func member(_ row: SQLiteColumns) throws -> MemberRecord {
        MemberRecord(id: row[0], programId: row[1], externalId: row[2], email: row[3], name: row[4],
                     birthday: row[5], attributes: try MemberAttributesText.decode(row[6]),
                     status: MemberStatus(rawValue: row[7]) ?? .active, available: row[8], pending: row[9],
                     debt: row[10], lifetimeEarned: row[11],
                     tier: MemberTier(tierId: row[12], since: (row[13] as Int64?).map(Date.init(millis:)),
                                      floorTierId: row[14], floorUntil: (row[15] as Int64?).map(Date.init(millis:)),
                                      reviewAt: (row[16] as Int64?).map(Date.init(millis:))),
                     createdAt: Date(millis: row[17]), updatedAt: Date(millis: row[18]))
    }
}
