import Foundation
import LaurelCore
import Logging
import PostgresNIO

extension PostgresStore {
    public func createMember(_ member: MemberRecord, referralCode: String?, idempotency: Idempotency<MemberRecord>?) async throws -> Idempotent<MemberRecord> {
        try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: member.programId, idempotency, now: member.createdAt, logger) {
                return .replayed(replay)
            }
            guard try await connection.row("SELECT id FROM programs WHERE id = \(member.programId)", logger) != nil else {
                throw StoreError.notFound("program \(member.programId)")
            }
            let inserted = try await connection.rows("""
                INSERT INTO members (id, program_id, external_id, email, name, birthday, attributes, status, created_at, updated_at)
                VALUES (\(member.id), \(member.programId), \(member.externalId), \(member.email), \(member.name), \(member.birthday),
                        \(try JSONText.encode(member.attributes)), \(member.status.rawValue), \(member.createdAt.millis), \(member.updatedAt.millis))
                ON CONFLICT (program_id, external_id) DO NOTHING RETURNING id
                """, logger)
            guard !inserted.isEmpty else { throw StoreError.duplicateExternalId(member.externalId) }
            try await enrolReferral(connection, member: member, code: referralCode)
            try await Self.emit(connection, programId: member.programId, memberId: member.id,
                                [OutboxMessages.member(MessageType.memberEnrolled, member, now: member.createdAt)], now: member.createdAt, logger)
            return try await Self.remember(connection, programId: member.programId, idempotency, member, logger)
        }
    }

    public func member(programId: String, id: String) async throws -> MemberRecord? {
        try await read { connection in try await Self.fetchMember(connection, programId: programId, id: id, logger) }
    }

    public func member(programId: String, externalId: String) async throws -> MemberRecord? {
        try await read { connection in
            try await connection.row("SELECT * FROM members WHERE program_id = \(programId) AND external_id = \(externalId)", logger).map(Self.member)
        }
    }

    public func members(programId: String, limit: Int, startingAfter: String?) async throws -> Page<MemberRecord> {
        try await read { connection in
            let rows = try await connection.rows("""
                SELECT * FROM members WHERE program_id = \(programId) AND id > \(startingAfter ?? "") ORDER BY id LIMIT \(limit + 1)
                """, logger)
            return Page(items: try rows.prefix(limit).map(Self.member), hasMore: rows.count > limit)
        }
    }

    public func searchMembers(programId: String, query: String, limit: Int) async throws -> [MemberRecord] {
        let (low, high) = MemberSearch.range(query)
        return try await read { connection in
            // The index ranges first (members' external ids, members_by_email, members_by_name) …
            let starts = try await connection.rows("""
                SELECT * FROM members WHERE program_id = \(programId)
                AND (external_id = \(query) OR (lower(email) COLLATE "C" >= \(low) AND lower(email) COLLATE "C" < \(high))
                     OR (lower(name) COLLATE "C" >= \(low) AND lower(name) COLLATE "C" < \(high)))
                ORDER BY lower(name), id LIMIT \(limit)
                """, logger).map(Self.member)
            guard starts.count < limit else { return starts }
            // … and only when they leave room, the text anywhere else (a scan of the program's members).
            return try await starts + connection.rows("""
                SELECT * FROM members WHERE program_id = \(programId)
                AND (strpos(lower(email), \(low)) > 0 OR strpos(lower(name), \(low)) > 0)
                AND NOT coalesce(external_id = \(query) OR (lower(email) COLLATE "C" >= \(low) AND lower(email) COLLATE "C" < \(high))
                                 OR (lower(name) COLLATE "C" >= \(low) AND lower(name) COLLATE "C" < \(high)), false)
                ORDER BY lower(name), id LIMIT \(limit - starts.count)
                """, logger).map(Self.member)
        }
    }

    public func members(programId: String, ids: [String]) async throws -> [MemberRecord] {
        guard !ids.isEmpty else { return [] }
        return try await read { connection in
            try await connection.rows("SELECT * FROM members WHERE program_id = \(programId) AND id = ANY(\(ids))", logger).map(Self.member)
        }
    }

    public func updateMember(programId: String, id: String, patch: MemberPatch, now: Date,
                             idempotency: Idempotency<MemberRecord>?) async throws -> Idempotent<MemberRecord> {
        let actor = AuditActor.current
        return try await transaction { connection in
            if let idempotency, let replay = try await Self.claim(connection, programId: programId, idempotency, now: now, logger) { return .replayed(replay) }
            guard var member = try await Self.fetchMember(connection, programId: programId, id: id, lock: true, logger) else {
                throw StoreError.notFound("member \(id)")
            }
            guard member.status != .erased else { throw StoreError.memberErased(id) }
            let statusBefore = member.status
            member = member.applying(patch, now: now)
            if let audit = AuditRecord.statusChange(programId: programId, actor: actor, memberId: id, from: statusBefore, to: member.status,
                                                    reason: patch.statusReason, idempotencyKey: idempotency?.key, at: now) {
                try await Self.appendAudit(connection, audit, logger)
            }
            try await connection.query("""
                UPDATE members SET email = \(member.email), name = \(member.name), birthday = \(member.birthday),
                       attributes = \(try JSONText.encode(member.attributes)), status = \(member.status.rawValue), updated_at = \(now.millis)
                WHERE id = \(id)
                """, logger: logger)
            try await Self.emit(connection, programId: programId, memberId: id, [OutboxMessages.member(MessageType.memberUpdated, member, now: now)],
                                now: now, logger)
            return try await Self.remember(connection, programId: programId, idempotency, member, logger)
        }
    }

    /// A member of the program; with `lock`, their row stays locked until the transaction ends,
    /// which serialises every write to their points across nodes.
    static func fetchMember(_ connection: PostgresConnection, programId: String, id: String, lock: Bool = false,
                            _ logger: Logger) async throws -> MemberRecord? {
        if lock { return try await lockMember(connection, programId: programId, id: id, logger)?.member }
        return try await connection.row("SELECT * FROM members WHERE program_id = \(programId) AND id = \(id)", logger).map(member)
    }

    /// A member's row locked until the transaction ends, with the program's current version number
    /// read in the same round trip.
    static func lockMember(_ connection: PostgresConnection, programId: String, id: String,
                           _ logger: Logger) async throws -> (member: MemberRecord, currentVersion: Int?)? {
        guard let row = try await connection.row(EventSQL.MemberForUpdate.self, logger, bind: { $0.append(programId); $0.append(id) }) else {
            return nil
        }
        return (try member(row), try row.get("current_version", Int?.self))
    }

    static func member(_ row: PostgresRandomAccessRow) throws -> MemberRecord {
        MemberRecord(id: try row.get("id"), programId: try row.get("program_id"), externalId: try row.get("external_id"),
                     email: try row.get("email", String?.self), name: try row.get("name", String?.self), birthday: try row.get("birthday", String?.self),
                     attributes: try MemberAttributesText.decode(try row.get("attributes", String.self)),
                     status: MemberStatus(rawValue: try row.get("status")) ?? .active, available: try row.get("available"),
                     pending: try row.get("pending"), debt: try row.get("debt"), lifetimeEarned: try row.get("lifetime_earned"),
                     tier: MemberTier(tierId: try row.get("tier_id", String?.self), since: try row.optionalDate("tier_since"),
                                      floorTierId: try row.get("tier_floor", String?.self), floorUntil: try row.optionalDate("tier_floor_until"),
                                      reviewAt: try row.optionalDate("tier_review_at")),
                     createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"))
    }
}
