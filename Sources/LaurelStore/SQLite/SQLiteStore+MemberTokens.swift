import Foundation
import GRDB

extension SQLiteStore {
    public func memberTokenKeys(programId: String) async throws -> [MemberTokenKeyRecord] {
        try await read { db in
            try db.rows("SELECT * FROM member_token_keys WHERE program_id = ? ORDER BY created_at DESC, id DESC", [programId], Self.memberTokenKey)
        }
    }

    public func memberTokenKey(id: String) async throws -> MemberTokenKeyRecord? {
        try await read { db in try db.row("SELECT * FROM member_token_keys WHERE id = ?", [id], Self.memberTokenKey) }
    }

    public func signingMemberTokenKey(programId: String, candidate: MemberTokenKeyRecord) async throws -> MemberTokenKeyRecord {
        let signing = "SELECT * FROM member_token_keys WHERE program_id = ? AND retired_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1"
        if let key = try await read({ db in try db.row(signing, [programId], Self.memberTokenKey) }) { return key }
        return try await write { db in
            if let key = try db.row(signing, [programId], Self.memberTokenKey) { return key }
            try Self.insert(db, candidate)
            return candidate
        }
    }

    public func rotateMemberTokenKeys(programId: String, key: MemberTokenKeyRecord, now: Date, previousExpiresAt: Date, pruneBefore: Date,
                                      idempotency: Idempotency<[MemberTokenKeyRecord]>?) async throws -> Idempotent<[MemberTokenKeyRecord]> {
        try await write { db in
            if let idempotency, let stored = try Self.replay(db, programId: programId, idempotency) { return .replayed(stored) }
            guard try db.row("SELECT id FROM programs WHERE id = ?", [programId]) != nil else { throw StoreError.notFound("program \(programId)") }
            try db.run("DELETE FROM member_token_keys WHERE program_id = ? AND expires_at < ?", [programId, pruneBefore.millis])
            try db.run("UPDATE member_token_keys SET retired_at = ? WHERE program_id = ? AND retired_at IS NULL", [now.millis, programId])
            try db.run("UPDATE member_token_keys SET expires_at = ? WHERE program_id = ? AND (expires_at IS NULL OR expires_at > ?)",
                       [previousExpiresAt.millis, programId, previousExpiresAt.millis])
            try Self.insert(db, key)
            let keys = try db.rows("SELECT * FROM member_token_keys WHERE program_id = ? ORDER BY created_at DESC, id DESC", [programId], Self.memberTokenKey)
            return try Self.remember(db, programId: programId, idempotency, keys, now: now)
        }
    }

    public func storedResponse(programId: String, key: String, fingerprint: String) async throws -> StoredResponse? {
        try await read { db in
            try Self.replay(db, programId: programId, Idempotency<Bool>(key: key, fingerprint: fingerprint) { _ in StoredResponse(status: 0, body: Data()) })
        }
    }

    public func storeResponse(programId: String, key: String, fingerprint: String, response: StoredResponse, now: Date) async throws -> StoredResponse {
        try await write { db in
            let claim = Idempotency<Bool>(key: key, fingerprint: fingerprint) { _ in response }
            if let stored = try Self.replay(db, programId: programId, claim) { return stored }
            _ = try Self.remember(db, programId: programId, claim, true, now: now)
            return response
        }
    }

    private static func insert(_ db: Database, _ key: MemberTokenKeyRecord) throws {
        try db.run("""
            INSERT INTO member_token_keys (id, program_id, secret, created_at, retired_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
            """, [key.id, key.programId, key.secret, key.createdAt.millis, key.retiredAt?.millis, key.expiresAt?.millis])
    }

    static func memberTokenKey(_ row: Row) -> MemberTokenKeyRecord {
        MemberTokenKeyRecord(id: row["id"], programId: row["program_id"], secret: row["secret"], createdAt: Date(millis: row["created_at"]),
                             retiredAt: (row["retired_at"] as Int64?).map { Date(millis: $0) },
                             expiresAt: (row["expires_at"] as Int64?).map { Date(millis: $0) })
    }
}
