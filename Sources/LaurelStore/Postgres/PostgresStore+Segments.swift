import Foundation
import LaurelCore
import Logging
import PostgresNIO

extension SegmentSQL {
    /// The statement with its binds, for postgres-nio.
    func query(_ text: String) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: binds.count)
        for bind in binds {
            switch bind {
            case .text(let text): bindings.append(text)
            case .int(let int): bindings.append(int)
            }
        }
        return PostgresQuery(unsafeSQL: text, binds: bindings)
    }
}

extension PostgresStore {
    public func segmentMembers(programId: String, segment: SegmentDefinition, now: Date, limit: Int,
                               startingAfter: String?) async throws -> Page<SegmentMemberRecord> {
        try await read { connection in
            var sql = SegmentSQL(.postgres)
            let text = sql.page(programId: programId, segment: segment, now: now, limit: limit, startingAfter: startingAfter)
            let rows = try await connection.rows(sql.query(text), logger).map {
                SegmentMemberRecord(memberId: try $0.get("id"), externalId: try $0.get("external_id"))
            }
            return Page(items: Array(rows.prefix(limit)), hasMore: rows.count > limit)
        }
    }

    public func countSegmentMembers(programId: String, segment: SegmentDefinition, now: Date) async throws -> Int {
        try await read { connection in
            var sql = SegmentSQL(.postgres)
            let text = sql.count(programId: programId, segment: segment, now: now)
            return Int(try await connection.row(sql.query(text), logger)?.get("n", Int64.self) ?? 0)
        }
    }

    public func memberSegments(programId: String, memberId: String, segments: [SegmentDefinition], now: Date) async throws -> [String] {
        guard !segments.isEmpty else { return [] }
        return try await read { connection in
            var sql = SegmentSQL(.postgres)
            let text = sql.memberSegments(programId: programId, memberId: memberId, segments: segments, now: now)
            let found = Set(try await connection.rows(sql.query(text), logger).map { try $0.get("segment_id", String.self) })
            return segments.map(\.id).filter(found.contains)
        }
    }

    public func materialisedSegments(programId: String, memberId: String) async throws -> [String] {
        try await read { connection in try await Self.materialisedSegments(connection, memberId: memberId, logger) }
    }

    /// The member's segments as of the last refresh (an event's judging).
    static func materialisedSegments(_ connection: PostgresConnection, memberId: String, _ logger: Logger) async throws -> [String] {
        try await connection.rows("""
            SELECT segment_id FROM segment_memberships WHERE member_id = \(memberId) ORDER BY segment_id
            """, logger).map { try $0.get("segment_id", String.self) }
    }

    /// One short transaction per segment, as on SQLite: webhook fan-out waits for every transaction older
    /// than its horizon, so one long refresh of a large program would hold up every endpoint's messages.
    public func refreshSegments(programId: String, now: Date) async throws -> SegmentRefresh {
        let definition = try await read { connection -> ProgramDefinition? in
            guard let row = try await connection.row("SELECT current_version FROM programs WHERE id = \(programId)", logger),
                  let number = try row.get("current_version", Int?.self) else { return nil }
            return try await loadVersion(connection, programId: programId, version: number)?.0.definition
        }
        guard let definition else { return SegmentRefresh() }
        var refresh = SegmentRefresh()
        for segment in definition.segments {
            let (entered, left) = try await transaction { connection -> (Int, Int) in
                // One refresh of a segment at a time across nodes; the next sees what this one committed.
                _ = try await connection.rows("SELECT pg_advisory_xact_lock(7311, hashtext(\(programId + "/" + segment.id)))", logger)
                var enter = SegmentSQL(.postgres)
                let enterText = enter.enter(programId: programId, segment: segment, now: now)
                let entered = try await connection.rows(enter.query(enterText), logger).map { try $0.get("member_id", String.self) }.sorted()
                try await Self.emitSegmentEntered(connection, programId: programId, segment: segment, memberIds: entered, now: now, logger)
                var leave = SegmentSQL(.postgres)
                let leaveText = leave.leave(programId: programId, segment: segment, now: now) + " RETURNING member_id"
                return (entered.count, try await connection.rows(leave.query(leaveText), logger).count)
            }
            refresh.entered += entered
            refresh.left += left
        }
        var undefined = SegmentSQL(.postgres)
        let undefinedText = undefined.removeUndefined(programId: programId, keeping: definition.segments) + " RETURNING member_id"
        refresh.left += try await transaction { connection in try await connection.rows(undefined.query(undefinedText), logger).count }
        return refresh
    }

    /// A `segment.entered` message for each member, in the order given, in one statement.
    private static func emitSegmentEntered(_ connection: PostgresConnection, programId: String, segment: SegmentDefinition, memberIds: [String],
                                           now: Date, _ logger: Logger) async throws {
        guard !memberIds.isEmpty else { return }
        let ids = memberIds.map { _ in Identifiers.make("msg", now: now) }
        let payloads = try memberIds.map { try SegmentSQL.enteredPayload(segment: segment, memberId: $0, now: now) }
        try await connection.query("""
            INSERT INTO outbox (id, program_id, type, member_id, payload, created_at)
            SELECT message.id, \(programId), \(MessageType.segmentEntered), message.member_id, message.payload, \(now.millis)
            FROM UNNEST(\(ids)::TEXT[], \(memberIds)::TEXT[], \(payloads)::TEXT[]) WITH ORDINALITY AS message(id, member_id, payload, position)
            ORDER BY position
            """, logger: logger)
    }
}
