import Foundation
import LaurelCore
import Logging
import PostgresNIO

extension PostgresStore {
    public func createProgram(id: String, name: String, now: Date) async throws -> ProgramRecord {
        try await transaction { connection in
            let inserted = try await connection.rows("""
                INSERT INTO programs (id, name, current_version, created_at) VALUES (\(id), \(name), NULL, \(now.millis))
                ON CONFLICT (id) DO NOTHING RETURNING id
                """, logger)
            guard !inserted.isEmpty else { throw StoreError.programExists(id) }
            return ProgramRecord(id: id, name: name, currentVersion: nil, createdAt: now)
        }
    }

    public func programs() async throws -> [ProgramRecord] {
        try await read { connection in try await connection.rows("SELECT * FROM programs ORDER BY id", logger).map(Self.program) }
    }

    public func program(id: String) async throws -> ProgramRecord? {
        try await read { connection in try await connection.row("SELECT * FROM programs WHERE id = \(id)", logger).map(Self.program) }
    }

    public func applyProgram(id: String, definition: ProgramDefinition, source: String, now: Date,
                             idempotency: Idempotency<ProgramVersionRecord>?) async throws -> Idempotent<ProgramVersionRecord> {
        let actor = AuditActor.current
        // Before the version becomes current: its limits count the awards of earlier versions' events.
        try await completeAwardRows(programId: id, definition: definition)
        let result = try await transaction { connection -> Idempotent<ProgramVersionRecord> in
            if let idempotency, let replay = try await Self.claim(connection, programId: id, idempotency, now: now, logger) { return .replayed(replay) }
            guard let row = try await connection.row("SELECT current_version FROM programs WHERE id = \(id) FOR UPDATE", logger) else {
                throw StoreError.notFound("program \(id)")
            }
            try await Self.checkGiftRewards(connection, programId: id, definition: definition, logger)
            let version = (try row.get("current_version", Int?.self) ?? 0) + 1
            let canonical = try JSONText.encode(definition.canonicalTree)
            let before = try await connection.row("SELECT definition FROM program_versions WHERE program_id = \(id) AND version = \(version - 1)", logger)
                .map { AuditSnapshots.program(version: version - 1, definitionText: try $0.get("definition", String.self)) }
            try await Self.appendAudit(connection, AuditRecord(programId: id, actor: actor, action: .programApplied, target: ("program", id),
                                                               before: before, after: AuditSnapshots.program(version: version, definitionText: canonical),
                                                               idempotencyKey: idempotency?.key, at: now), logger)
            try await connection.query("""
                INSERT INTO program_versions (program_id, version, definition, source, created_at)
                VALUES (\(id), \(version), \(canonical), \(source), \(now.millis))
                """, logger: logger)
            try await connection.query("UPDATE programs SET current_version = \(version), name = \(definition.name) WHERE id = \(id)", logger: logger)
            let record = ProgramVersionRecord(programId: id, version: version, definition: definition, source: source, createdAt: now)
            return try await Self.remember(connection, programId: id, idempotency, record, logger)
        }
        // Cached only once committed: a version whose transaction failed (or was retried) must never be served.
        if let record = result.value { programs.put(record) }
        return result
    }

    public func programVersion(programId: String, version: Int?) async throws -> ProgramVersionRecord? {
        try await read { connection in
            let number: Int
            if let version { number = version } else {
                guard let row = try await connection.row("SELECT current_version FROM programs WHERE id = \(programId)", logger),
                      let current = try row.get("current_version", Int?.self) else { return nil }
                number = current
            }
            return try await loadVersion(connection, programId: programId, version: number)?.0
        }
    }

    public func programVersions(programId: String) async throws -> [ProgramVersionRecord] {
        try await read { connection in
            try await connection.rows("SELECT * FROM program_versions WHERE program_id = \(programId) ORDER BY version", logger).map(Self.version)
        }
    }

    /// Gift rules, campaign gifts and the birthday present must name rewards of the catalogue.
    static func checkGiftRewards(_ connection: PostgresConnection, programId: String, definition: ProgramDefinition, _ logger: Logger) async throws {
        var issues: [ValidationIssue] = []
        for (path, reward) in definition.rewardReferences {
            if try await connection.row("SELECT id FROM rewards WHERE program_id = \(programId) AND id = \(reward)", logger) == nil {
                issues.append(ValidationIssue(path: path, message: "unknown reward \"\(reward)\" (create it first)"))
            }
        }
        if !issues.isEmpty { throw ProgramValidationError(issues: issues) }
    }

    static func program(_ row: PostgresRandomAccessRow) throws -> ProgramRecord {
        ProgramRecord(id: try row.get("id"), name: try row.get("name"), currentVersion: try row.get("current_version", Int?.self),
                      createdAt: try row.date("created_at"))
    }

    static func version(_ row: PostgresRandomAccessRow) throws -> ProgramVersionRecord {
        let tree = try JSONText.decode(JSONValue.self, try row.get("definition", String.self))
        return ProgramVersionRecord(programId: try row.get("program_id"), version: try row.get("version"),
                                    definition: try ProgramDefinition.read(tree), source: try row.get("source"), createdAt: try row.date("created_at"))
    }

    func loadVersion(_ connection: PostgresConnection, programId: String, version: Int) async throws -> (ProgramVersionRecord, EventProcessor)? {
        if let cached = programs.get(programId: programId, version: version) { return cached }
        guard let row = try await connection.row("""
            SELECT * FROM program_versions WHERE program_id = \(programId) AND version = \(version)
            """, logger) else { return nil }
        return programs.put(try Self.version(row))
    }

    func currentVersion(_ connection: PostgresConnection, programId: String) async throws -> (ProgramVersionRecord, EventProcessor) {
        guard let row = try await connection.row(EventSQL.CurrentVersion.self, logger, bind: { $0.append(programId) }) else {
            throw StoreError.notFound("program \(programId)")
        }
        return try await configuredVersion(connection, programId: programId, number: try row.get("current_version", Int?.self))
    }

    /// The program's version `number` (its current one, read by the caller), or why there is none.
    func configuredVersion(_ connection: PostgresConnection, programId: String, number: Int?) async throws -> (ProgramVersionRecord, EventProcessor) {
        guard let number, let loaded = try await loadVersion(connection, programId: programId, version: number) else {
            throw StoreError.programNotConfigured(programId)
        }
        return loaded
    }
}
