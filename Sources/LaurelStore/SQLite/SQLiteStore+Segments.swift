import Foundation
import GRDB
import LaurelCore

extension SegmentSQL {
    var sqliteArguments: StatementArguments {
        StatementArguments(binds.map { bind -> (any DatabaseValueConvertible)? in
            switch bind {
            case .text(let text): text
            case .int(let int): int
            }
        })
    }
}

extension SQLiteStore {
    public func segmentMembers(programId: String, segment: SegmentDefinition, now: Date, limit: Int,
                               startingAfter: String?) async throws -> Page<SegmentMemberRecord> {
        try await read { db in
            var sql = SegmentSQL(.sqlite)
            let text = sql.page(programId: programId, segment: segment, now: now, limit: limit, startingAfter: startingAfter)
            let rows = try db.rows(text, sql.sqliteArguments) { SegmentMemberRecord(memberId: $0["id"], externalId: $0["external_id"]) }
            return Page(items: Array(rows.prefix(limit)), hasMore: rows.count > limit)
        }
    }

    public func countSegmentMembers(programId: String, segment: SegmentDefinition, now: Date) async throws -> Int {
        try await read { db in
            var sql = SegmentSQL(.sqlite)
            let text = sql.count(programId: programId, segment: segment, now: now)
            return try db.row(text, sql.sqliteArguments) { $0[0] as Int } ?? 0
        }
    }

    public func memberSegments(programId: String, memberId: String, segments: [SegmentDefinition], now: Date) async throws -> [String] {
        guard !segments.isEmpty else { return [] }
        return try await read { db in
            var sql = SegmentSQL(.sqlite)
            let text = sql.memberSegments(programId: programId, memberId: memberId, segments: segments, now: now)
            let found = Set(try db.rows(text, sql.sqliteArguments) { $0[0] as String })
            return segments.map(\.id).filter(found.contains)
        }
    }

    public func materialisedSegments(programId: String, memberId: String) async throws -> [String] {
        try await read { db in try Self.materialisedSegments(db, memberId: memberId) }
    }

    /// The member's segments as of the last refresh, in the caller's transaction (an event's judging).
    static func materialisedSegments(_ db: Database, memberId: String) throws -> [String] {
        try db.rows("SELECT segment_id FROM segment_memberships WHERE member_id = ? ORDER BY segment_id", [memberId]) { $0[0] as String }
    }

    public func refreshSegments(programId: String, now: Date) async throws -> SegmentRefresh {
        let cache = programs
        return try await write { db in
            guard let current = try db.row("SELECT current_version FROM programs WHERE id = ?", [programId], { $0[0] as Int? }),
                  let number = current, let (version, _) = try Self.loadVersion(db, cache: cache, programId: programId, version: number)
            else { return SegmentRefresh() }
            var refresh = SegmentRefresh()
            for segment in version.definition.segments {
                var enter = SegmentSQL(.sqlite)
                let enterText = enter.enter(programId: programId, segment: segment, now: now)
                let entered = try db.rows(enterText, enter.sqliteArguments) { $0[0] as String }
                for memberId in entered.sorted() {
                    try Self.emit(db, programId: programId, type: MessageType.segmentEntered, memberId: memberId,
                                  payloadJSON: try SegmentSQL.enteredPayload(segment: segment, memberId: memberId, now: now), now: now)
                }
                refresh.entered += entered.count
                var leave = SegmentSQL(.sqlite)
                let leaveText = leave.leave(programId: programId, segment: segment, now: now)
                try db.run(leaveText, leave.sqliteArguments)
                refresh.left += db.changesCount
            }
            var undefined = SegmentSQL(.sqlite)
            let undefinedText = undefined.removeUndefined(programId: programId, keeping: version.definition.segments)
            try db.run(undefinedText, undefined.sqliteArguments)
            refresh.left += db.changesCount
            return refresh
        }
    }
}
