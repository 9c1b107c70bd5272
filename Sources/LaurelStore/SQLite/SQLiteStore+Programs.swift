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
        try await writer.read { db in try db.rows("SELECT * FROM programs ORDER BY id", [], Self.program) }
    }

    public func program(id: String) async throws -> ProgramRecord? {
        try await writer.read { db in try db.row("SELECT * FROM programs WHERE id = ?", [id], Self.program) }
    }

    public func applyProgram(id: String, definition: ProgramDefinition, source: String, now: Date,
                             idempotency: Idempotency<ProgramVersionRecord>?) async throws -> Idempotent<ProgramVersionRecord> {
        let result = try await write { db -> Idempotent<ProgramVersionRecord> in
            if let idempotency, let replay = try Self.replay(db, programId: id, idempotency) { return .replayed(replay) }
            guard let row = try db.row("SELECT current_version FROM programs WHERE id = ?", [id]) else {
                throw StoreError.notFound("program \(id)")
            }
            try Self.checkGiftRewards(db, programId: id, definition: definition)
            let version = ((row["current_version"] as Int?) ?? 0) + 1
            let canonical = try JSONText.encode(definition.canonicalTree)
            try db.run("INSERT INTO program_versions (program_id, version, definition, source, created_at) VALUES (?, ?, ?, ?, ?)",
                       [id, version, canonical, source, now.millis])
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
        return try await writer.read { db in
            let number: Int
            if let version { number = version } else {
                guard let current = try db.row("SELECT current_version FROM programs WHERE id = ?", [programId])?["current_version"] as Int? else { return nil }
                number = current
            }
            return try Self.loadVersion(db, cache: cache, programId: programId, version: number)?.0
        }
    }

    public func programVersions(programId: String) async throws -> [ProgramVersionRecord] {
        try await writer.read { db in
            try db.rows("SELECT * FROM program_versions WHERE program_id = ? ORDER BY version", [programId], Self.version)
        }
    }

    /// Gift rules must name rewards of the catalogue.
    static func checkGiftRewards(_ db: Database, programId: String, definition: ProgramDefinition) throws {
        var issues: [ValidationIssue] = []
        for (index, rule) in definition.earningRules.enumerated() {
            guard case .giftReward(let reward) = rule.effect else { continue }
            if try db.row("SELECT id FROM rewards WHERE program_id = ? AND id = ?", [programId, reward]) == nil {
                issues.append(ValidationIssue(path: "earning_rules[\(index)].effect.reward", message: "unknown reward \"\(reward)\" (create it first)"))
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
        guard let row = try db.row("SELECT current_version FROM programs WHERE id = ?", [programId]) else {
            throw StoreError.notFound("program \(programId)")
        }
        guard let number = row["current_version"] as Int?, let loaded = try loadVersion(db, cache: cache, programId: programId, version: number) else {
            throw StoreError.programNotConfigured(programId)
        }
        return loaded
    }
}
