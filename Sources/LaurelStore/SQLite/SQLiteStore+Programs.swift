import Foundation
import GRDB
import LaurelCore

extension SQLiteStore {
    public func createProgram(id: String, name: String, now: Date) async throws -> ProgramRecord {
        try await write { db in
            if try db.row("SELECT id FROM programs WHERE id = ?", [id]) != nil { throw StoreError.programExists(id) }
            try db.run("INSERT INTO programs (id, name, current_version, created_at) VALUES (?, ?, NULL, ?)", [id, name, now.millis])
            return ProgramRecord(id: id, name: name, currentVersion: nil, createdAt: now)
        }
    }

    public func programs() async throws -> [ProgramRecord] {
        try await read { db in try db.rows("SELECT * FROM programs ORDER BY id", [], Self.program) }
    }

    public func program(id: String) async throws -> ProgramRecord? {
        try await read { db in try db.row("SELECT * FROM programs WHERE id = ?", [id], Self.program) }
    }

    public func applyProgram(id: String, definition: ProgramDefinition, source: String, now: Date,
                             idempotency: Idempotency<ProgramVersionRecord>?) async throws -> Idempotent<ProgramVersionRecord> {
        let cache = programs
        let backfilled = try await backfillAwardsAhead(programId: id, definition: definition)
        let actor = AuditActor.current
        let result = try await write { db -> Idempotent<ProgramVersionRecord> in
            if let idempotency, let replay = try Self.replay(db, programId: id, idempotency) { return .replayed(replay) }
            guard let row = try db.row("SELECT current_version FROM programs WHERE id = ?", [id]) else {
                throw StoreError.notFound("program \(id)")
            }
            try Self.checkGiftRewards(db, programId: id, definition: definition)
            let version = ((row["current_version"] as Int?) ?? 0) + 1
            try Self.backfillAwards(db, cache: cache, programId: id, definition: definition, version: version,
                                    events: (backfilled ?? 0) + 1...Int64.max)
            let canonical = try JSONText.encode(definition.canonicalTree)
            let before = try db.row("SELECT definition FROM program_versions WHERE program_id = ? AND version = ?", [id, version - 1])
                .map { AuditSnapshots.program(version: version - 1, definitionText: $0["definition"]) }
            try db.run("INSERT INTO program_versions (program_id, version, definition, source, created_at) VALUES (?, ?, ?, ?, ?)",
                       [id, version, canonical, source, now.millis])
            try Self.appendAudit(db, AuditRecord(programId: id, actor: actor, action: .programApplied, target: ("program", id), before: before,
                                                 after: AuditSnapshots.program(version: version, definitionText: canonical),
                                                 idempotencyKey: idempotency?.key, at: now))
            try db.run("UPDATE programs SET current_version = ?, name = ? WHERE id = ?", [version, definition.name, id])
            let record = ProgramVersionRecord(programId: id, version: version, definition: definition, source: source, createdAt: now)
            return try Self.remember(db, programId: id, idempotency, record, now: now)
        }
        // Cached only once committed: a version whose transaction failed must never be served.
        if let record = result.value { programs.put(record) }
        return result
    }

    public func programVersion(programId: String, version: Int?) async throws -> ProgramVersionRecord? {
        let cache = programs
        return try await read { db in
            let number: Int
            if let version { number = version } else {
                guard let current = try db.row("SELECT current_version FROM programs WHERE id = ?", [programId])?["current_version"] as Int? else { return nil }
                number = current
            }
            return try Self.loadVersion(db, cache: cache, programId: programId, version: number)?.0
        }
    }

    public func programVersions(programId: String) async throws -> [ProgramVersionRecord] {
        try await read { db in
            try db.rows("SELECT * FROM program_versions WHERE program_id = ? ORDER BY version", [programId], Self.version)
        }
    }

    /// Writes the award rows a limit will count that events judged by earlier versions did not
    /// write: only limited rules' awards are written (`SQLiteRows.awardedRules`), so when `version`
    /// limits a rule that an earlier version did not, the awards of that rule in those versions'
    /// events (of the rowids in `events`) are read from their stored outcomes. program-format.md
    /// promises that a limit counts its rule's awards under earlier versions too. Events that
    /// already have the row (written before rows were kept for limited rules only, or by an
    /// earlier pass) are skipped.
    static func backfillAwards(_ db: Database, cache: ProgramCache, programId: String, definition: ProgramDefinition, version: Int,
                               events: ClosedRange<Int64>) throws {
        for (ruleId, unlimited) in try newlyLimited(db, cache: cache, programId: programId, definition: definition, version: version) {
            try db.run("""
                INSERT INTO rule_awards (member_id, rule_id, occurred_at, points, event_id)
                SELECT e.member_id, ?1, e.occurred_at, COALESCE(json_extract(r.value, '$.points'), 0), e.id
                FROM events e, json_each(laurel_outcome(e.outcome), '$.rules') r
                WHERE e.rowid BETWEEN ?4 AND ?5 AND e.program_id = ?2 AND e.program_version IN (SELECT value FROM json_each(?3))
                  AND json_extract(r.value, '$.rule_id') = ?1
                  AND (json_extract(r.value, '$.points') > 0 OR json_extract(r.value, '$.gift') IS NOT NULL)
                  AND NOT EXISTS (SELECT 1 FROM rule_awards a WHERE a.member_id = e.member_id AND a.rule_id = ?1
                                  AND a.occurred_at = e.occurred_at AND a.event_id = e.id)
                """, [ruleId, programId, "[" + unlimited.map(String.init).joined(separator: ",") + "]", events.lowerBound, events.upperBound])
        }
    }

    /// The rules `definition` limits, each with the earlier versions (before `version`) that did not.
    static func newlyLimited(_ db: Database, cache: ProgramCache, programId: String, definition: ProgramDefinition,
                             version: Int) throws -> [(ruleId: String, versions: [Int])] {
        let limited = definition.allEarningRules.filter { $0.limit != nil }.map(\.id)
        guard !limited.isEmpty, version > 1 else { return [] }
        let earlier = try (1..<version).compactMap { try loadVersion(db, cache: cache, programId: programId, version: $0)?.0 }
        return limited.compactMap { ruleId in
            let versions = earlier.filter { record in !record.definition.allEarningRules.contains { $0.id == ruleId && $0.limit != nil } }
                .map(\.version)
            return versions.isEmpty ? nil : (ruleId, versions)
        }
    }

    /// Events per transaction of `backfillAwardsAhead`: ~0.3 s of the writer each, here.
    static let backfillChunk: Int64 = 10_000

    /// Runs `backfillAwards` over the events that exist now, a chunk of rowids per transaction, so
    /// other writes go on in between; the version's own transaction then only covers the events
    /// recorded since. Returns the last rowid covered (nil when there were no events). Rows written
    /// here for a version that then fails to apply stay: they are the rows a later version limiting
    /// the rule would write.
    func backfillAwardsAhead(programId: String, definition: ProgramDefinition) async throws -> Int64? {
        let cache = programs
        let (last, version) = try await read { db -> (Int64?, Int?) in
            guard let version = try db.row("SELECT current_version FROM programs WHERE id = ?", [programId])?["current_version"] as Int?,
                  try !Self.newlyLimited(db, cache: cache, programId: programId, definition: definition, version: version + 1).isEmpty
            else { return (nil, nil) }
            return (try db.row("SELECT MAX(rowid) AS last FROM events")?["last"] as Int64?, version)
        }
        guard let last, let version else { return nil }
        var from: Int64 = 1
        while from <= last {
            let chunk = from...min(last, from + Self.backfillChunk - 1)
            try await write { db in
                try Self.backfillAwards(db, cache: cache, programId: programId, definition: definition, version: version + 1, events: chunk)
            }
            from = chunk.upperBound + 1
        }
        return last
    }

    /// Gift rules, campaign gifts and the birthday present must name rewards of the catalogue.
    static func checkGiftRewards(_ db: Database, programId: String, definition: ProgramDefinition) throws {
        var issues: [ValidationIssue] = []
        for (path, reward) in definition.rewardReferences {
            if try db.row("SELECT id FROM rewards WHERE program_id = ? AND id = ?", [programId, reward]) == nil {
                issues.append(ValidationIssue(path: path, message: "unknown reward \"\(reward)\" (create it first)"))
            }
        }
        if !issues.isEmpty { throw ProgramValidationError(issues: issues) }
    }

    // MARK: Rows

    static func program(_ row: Row) -> ProgramRecord {
        ProgramRecord(id: row["id"], name: row["name"], currentVersion: row["current_version"], createdAt: Date(millis: row["created_at"]))
    }

    static func version(_ row: Row) throws -> ProgramVersionRecord {
        let tree = try JSONText.decode(JSONValue.self, row["definition"])
        return ProgramVersionRecord(programId: row["program_id"], version: row["version"], definition: try ProgramDefinition.read(tree),
                                    source: row["source"], createdAt: Date(millis: row["created_at"]))
    }

    /// A version with its processor, from the cache or the database.
    static func loadVersion(_ db: Database, cache: ProgramCache, programId: String, version: Int) throws -> (ProgramVersionRecord, EventProcessor)? {
        if let cached = cache.get(programId: programId, version: version) { return cached }
        guard let row = try db.row("SELECT * FROM program_versions WHERE program_id = ? AND version = ?", [programId, version]) else { return nil }
        return cache.put(try Self.version(row))
    }

    /// The program's current version, or an error saying none is applied yet.
    static func currentVersion(_ db: Database, cache: ProgramCache, programId: String) throws -> (ProgramVersionRecord, EventProcessor) {
        guard let current = try db.rowByPosition("SELECT current_version FROM programs WHERE id = ?", [.text(programId)], { $0[0] as Int? }) else {
            throw StoreError.notFound("program \(programId)")
        }
        guard let number = current, let loaded = try loadVersion(db, cache: cache, programId: programId, version: number) else {
            throw StoreError.programNotConfigured(programId)
        }
        return loaded
    }
}
