import Foundation
import PostgresNIO

extension PostgresStore {
    public func insertAPIKey(_ key: APIKeyRecord) async throws {
        let actor = AuditActor.current
        try await transaction { connection in
            guard try await connection.row("SELECT id FROM programs WHERE id = \(key.programId)", logger) != nil else {
                throw StoreError.notFound("program \(key.programId)")
            }
            try await connection.query("""
                INSERT INTO api_keys (id, program_id, scope, name, prefix, hash, created_at, revoked_at, rate_limit)
                VALUES (\(key.id), \(key.programId), \(key.scope.rawValue), \(key.name), \(key.prefix), \(key.hash), \(key.createdAt.millis),
                        \(key.revokedAt?.millis), \(key.rateLimit))
                """, logger: logger)
            try await Self.appendAudit(connection, AuditRecord(programId: key.programId, actor: actor, action: .apiKeyCreated, target: ("api_key", key.id),
                                                               before: nil, after: AuditSnapshots.apiKey(key), idempotencyKey: nil, at: key.createdAt), logger)
        }
    }

    public func apiKey(hash: String) async throws -> APIKeyRecord? {
        try await read { connection in try await connection.row("SELECT * FROM api_keys WHERE hash = \(hash)", logger).map(Self.apiKey) }
    }

    public func apiKeys(programId: String?) async throws -> [APIKeyRecord] {
        try await read { connection in
            if let programId {
                return try await connection.rows("SELECT * FROM api_keys WHERE program_id = \(programId) ORDER BY id", logger).map(Self.apiKey)
            }
            return try await connection.rows("SELECT * FROM api_keys ORDER BY program_id, id", logger).map(Self.apiKey)
        }
    }

    public func revokeAPIKey(id: String, now: Date) async throws -> Bool {
        let actor = AuditActor.current
        return try await transaction { connection in
            guard let row = try await connection.row("""
                UPDATE api_keys SET revoked_at = \(now.millis) WHERE id = \(id) AND revoked_at IS NULL RETURNING *
                """, logger) else { return false }
            let key = try Self.apiKey(row)
            var before = key
            before.revokedAt = nil
            try await Self.appendAudit(connection, AuditRecord(programId: key.programId, actor: actor, action: .apiKeyRevoked, target: ("api_key", id),
                                                               before: AuditSnapshots.apiKey(before), after: AuditSnapshots.apiKey(key),
                                                               idempotencyKey: nil, at: now), logger)
            return true
        }
    }

    static func apiKey(_ row: PostgresRandomAccessRow) throws -> APIKeyRecord {
        APIKeyRecord(id: try row.get("id"), programId: try row.get("program_id"), scope: APIScope(rawValue: try row.get("scope")) ?? .read,
                     name: try row.get("name", String?.self), prefix: try row.get("prefix"), hash: try row.get("hash"),
                     createdAt: try row.date("created_at"), revokedAt: try row.optionalDate("revoked_at"),
                     rateLimit: try row.get("rate_limit", Int?.self))
    }
}
