import Foundation
import GRDB

extension SQLiteStore {
    public func insertAPIKey(_ key: APIKeyRecord) async throws {
        let actor = AuditActor.current
        try await write { db in
            guard try db.row("SELECT id FROM programs WHERE id = ?", [key.programId]) != nil else {
                throw StoreError.notFound("program \(key.programId)")
            }
            try db.run("""
                INSERT INTO api_keys (id, program_id, scope, name, prefix, hash, created_at, revoked_at, rate_limit)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [key.id, key.programId, key.scope.rawValue, key.name, key.prefix, key.hash, key.createdAt.millis, key.revokedAt?.millis,
                      key.rateLimit])
            try Self.appendAudit(db, AuditRecord(programId: key.programId, actor: actor, action: .apiKeyCreated, target: ("api_key", key.id),
                                                 before: nil, after: AuditSnapshots.apiKey(key), idempotencyKey: nil, at: key.createdAt))
        }
    }

    public func apiKey(hash: String) async throws -> APIKeyRecord? {
        try await read { db in try db.row("SELECT * FROM api_keys WHERE hash = ?", [hash], Self.apiKey) }
    }

    public func apiKeys(programId: String?) async throws -> [APIKeyRecord] {
        try await read { db in
            if let programId {
                return try db.rows("SELECT * FROM api_keys WHERE program_id = ? ORDER BY id", [programId], Self.apiKey)
            }
            return try db.rows("SELECT * FROM api_keys ORDER BY program_id, id", [], Self.apiKey)
        }
    }

    public func revokeAPIKey(id: String, now: Date) async throws -> Bool {
        let actor = AuditActor.current
        return try await write { db in
            guard var key = try db.row("SELECT * FROM api_keys WHERE id = ? AND revoked_at IS NULL", [id], Self.apiKey) else { return false }
            let before = AuditSnapshots.apiKey(key)
            try db.run("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", [now.millis, id])
            key.revokedAt = now
            try Self.appendAudit(db, AuditRecord(programId: key.programId, actor: actor, action: .apiKeyRevoked, target: ("api_key", id),
                                                 before: before, after: AuditSnapshots.apiKey(key), idempotencyKey: nil, at: now))
            return true
        }
    }

    static func apiKey(_ row: Row) -> APIKeyRecord {
        APIKeyRecord(id: row["id"], programId: row["program_id"], scope: APIScope(rawValue: row["scope"]) ?? .read, name: row["name"],
                     prefix: row["prefix"], hash: row["hash"], createdAt: Date(millis: row["created_at"]),
                     revokedAt: (row["revoked_at"] as Int64?).map { Date(millis: $0) }, rateLimit: row["rate_limit"])
    }
}
