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

    /// Each segment's members are read in a snapshot, outside the writer; the writer then applies only
    /// the differences, one transaction per segment, so that events wait for a few inserts and deletes
    /// instead of for the segment's evaluation. Inserts skip memberships a concurrent refresh already
    /// made (`ON CONFLICT DO NOTHING … RETURNING`), so each entry is announced once.
    public func refreshSegments(programId: String, now: Date) async throws -> SegmentRefresh {
        let cache = programs
        let plan: (segments: [SegmentDefinition], changes: [(segment: SegmentDefinition, entered: [String], left: [String])])? = try await read { db in
            guard let current = try db.row("SELECT current_version FROM programs WHERE id = ?", [programId], { $0[0] as Int? }),
                  let number = current, let (version, _) = try Self.loadVersion(db, cache: cache, programId: programId, version: number)
            else { return nil }
            var changes: [(segment: SegmentDefinition, entered: [String], left: [String])] = []
            for segment in version.definition.segments {
                var sql = SegmentSQL(.sqlite)
                let text = sql.memberIds(programId: programId, segment: segment, now: now)
                let members = Set(try db.rows(text, sql.sqliteArguments) { $0[0] as String })
                let had = Set(try db.rows("SELECT member_id FROM segment_memberships WHERE program_id = ? AND segment_id = ?",
                                          [programId, segment.id]) { $0[0] as String })
                changes.append((segment, members.subtracting(had).sorted(), had.subtracting(members).sorted()))
            }
            return (version.definition.segments, changes)
        }
        guard let plan else { return SegmentRefresh() }
        var refresh = SegmentRefresh()
        for change in plan.changes where !change.entered.isEmpty || !change.left.isEmpty {
            let counted = try await write { db in
                var entered = 0
                for chunk in stride(from: 0, to: change.entered.count, by: 200).map({ change.entered[$0..<min($0 + 200, change.entered.count)] }) {
                    var arguments: [(any DatabaseValueConvertible)?] = []
                    for memberId in chunk { arguments += [programId, change.segment.id, memberId, now.millis] }
                    let values = Array(repeating: "(?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
                    let inserted = try db.rows("""
                        INSERT INTO segment_memberships (program_id, segment_id, member_id, entered_at) VALUES \(values)
                        ON CONFLICT DO NOTHING RETURNING member_id
                        """, StatementArguments(arguments)) { $0[0] as String }
                    for memberId in inserted.sorted() {
                        try Self.emit(db, programId: programId, type: MessageType.segmentEntered, memberId: memberId,
                                      payloadJSON: try SegmentSQL.enteredPayload(segment: change.segment, memberId: memberId, now: now), now: now)
                    }
                    entered += inserted.count
                }
                var left = 0
                for chunk in stride(from: 0, to: change.left.count, by: 500).map({ change.left[$0..<min($0 + 500, change.left.count)] }) {
                    let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
                    try db.run("DELETE FROM segment_memberships WHERE program_id = ? AND segment_id = ? AND member_id IN (\(marks))",
                               StatementArguments([programId, change.segment.id] + chunk.map { $0 }))
                    left += db.changesCount
                }
                return SegmentRefresh(entered: entered, left: left)
            }
            refresh.entered += counted.entered
            refresh.left += counted.left
        }
        refresh.left += try await write { db in
            var undefined = SegmentSQL(.sqlite)
            let undefinedText = undefined.removeUndefined(programId: programId, keeping: plan.segments)
            try db.run(undefinedText, undefined.sqliteArguments)
            return db.changesCount
        }
        return refresh
    }
}
