import Foundation
import GRDB

extension SQLiteStore {
    public func insertAPIKey(_ key: APIKeyRecord) async throws {
        try await write { db in
            guard try db.row("SELECT id FROM programs WHERE id = ?", [key.programId]) != nil else {
                throw StoreError.notFound("program \(key.programId)")
            }
            try db.run("""
                INSERT INTO api_keys (id, program_id, scope, name, prefix, hash, created_at, revoked_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, [key.id, key.programId, key.scope.rawValue, key.name, key.prefix, key.hash, key.createdAt.millis, key.revokedAt?.millis])
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
        try await write { db in
            try db.run("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", [now.millis, id])
            return db.changesCount > 0
        }
    }

    static func apiKey(_ row: Row) -> APIKeyRecord {
        APIKeyRecord(id: row["id"], programId: row["program_id"], scope: APIScope(rawValue: row["scope"]) ?? .read, name: row["name"],
                     prefix: row["prefix"], hash: row["hash"], createdAt: Date(millis: row["created_at"]),
                     revokedAt: (row["revoked_at"] as Int64?).map { Date(millis: $0) })
    }
}
