import Foundation
import PostgresNIO

extension PostgresStore {
    public func memberTokenKeys(programId: String) async throws -> [MemberTokenKeyRecord] {
        try await read { connection in try await Self.memberTokenKeys(connection, programId: programId, logger) }
    }

    public func memberTokenKey(id: String) async throws -> MemberTokenKeyRecord? {
        try await read { connection in
            try await connection.row("SELECT * FROM member_token_keys WHERE id = \(id)", logger).map(Self.memberTokenKey)
        }
    }

    public func signingMemberTokenKey(programId: String, candidate: MemberTokenKeyRecord) async throws -> MemberTokenKeyRecord {
        if let key = try await read({ connection in try await Self.signingKey(connection, programId: programId, logger) }) { return key }
        // Without a lock two nodes may both insert a first key: both are valid, and the newer signs.
        return try await transaction { connection in
            if let key = try await Self.signingKey(connection, programId: programId, logger) { return key }
            try await Self.insert(connection, candidate, logger)
            return candidate
        }
    }

    public func rotateMemberTokenKeys(programId: String, key: MemberTokenKeyRecord, now: Date, previousExpiresAt: Date, pruneBefore: Date,
                                      idempotency: Idempotency<[MemberTokenKeyRecord]>?) async throws -> Idempotent<[MemberTokenKeyRecord]> {
        try await transaction { connection in
            if let idempotency, let stored = try await Self.claim(connection, programId: programId, idempotency, now: now, logger) {
                return .replayed(stored)
            }
            // The program's row, locked: rotations of one program run one after the other on every node.
            guard try await connection.row("SELECT id FROM programs WHERE id = \(programId) FOR UPDATE", logger) != nil else {
                throw StoreError.notFound("program \(programId)")
            }
            try await connection.query("DELETE FROM member_token_keys WHERE program_id = \(programId) AND expires_at < \(pruneBefore.millis)",
                                       logger: logger)
            try await connection.query("UPDATE member_token_keys SET retired_at = \(now.millis) WHERE program_id = \(programId) AND retired_at IS NULL",
                                       logger: logger)
            try await connection.query("""
                UPDATE member_token_keys SET expires_at = \(previousExpiresAt.millis)
                WHERE program_id = \(programId) AND (expires_at IS NULL OR expires_at > \(previousExpiresAt.millis))
                """, logger: logger)
            try await Self.insert(connection, key, logger)
            let keys = try await Self.memberTokenKeys(connection, programId: programId, logger)
            return try await Self.remember(connection, programId: programId, idempotency, keys, logger)
        }
    }

    public func storedResponse(programId: String, key: String, fingerprint: String) async throws -> StoredResponse? {
        try await read { connection in
            try await Self.storedResponse(connection, programId: programId, Self.responseClaim(key, fingerprint, nil), logger)
        }
    }

    public func storeResponse(programId: String, key: String, fingerprint: String, response: StoredResponse, now: Date) async throws -> StoredResponse {
        try await transaction { connection in
            let claim = Self.responseClaim(key, fingerprint, response)
            // A concurrent request holding the key makes the claim wait for its commit; then its answer is the one.
            if let stored = try await Self.claim(connection, programId: programId, claim, now: now, logger) { return stored }
            _ = try await Self.remember(connection, programId: programId, claim, true, logger)
            return response
        }
    }

    private static func responseClaim(_ key: String, _ fingerprint: String, _ response: StoredResponse?) -> Idempotency<Bool> {
        Idempotency(key: key, fingerprint: fingerprint) { _ in response ?? StoredResponse(status: 0, body: Data()) }
    }

    private static func signingKey(_ connection: PostgresConnection, programId: String, _ logger: Logger) async throws -> MemberTokenKeyRecord? {
        try await connection.row("""
            SELECT * FROM member_token_keys WHERE program_id = \(programId) AND retired_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1
            """, logger).map(Self.memberTokenKey)
    }

    private static func memberTokenKeys(_ connection: PostgresConnection, programId: String, _ logger: Logger) async throws -> [MemberTokenKeyRecord] {
        try await connection.rows("SELECT * FROM member_token_keys WHERE program_id = \(programId) ORDER BY created_at DESC, id DESC", logger)
            .map(Self.memberTokenKey)
    }

    private static func insert(_ connection: PostgresConnection, _ key: MemberTokenKeyRecord, _ logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO member_token_keys (id, program_id, secret, created_at, retired_at, expires_at)
            VALUES (\(key.id), \(key.programId), \(key.secret), \(key.createdAt.millis), \(key.retiredAt?.millis), \(key.expiresAt?.millis))
            """, logger: logger)
    }

    static func memberTokenKey(_ row: PostgresRandomAccessRow) throws -> MemberTokenKeyRecord {
        MemberTokenKeyRecord(id: try row.get("id"), programId: try row.get("program_id"), secret: try row.get("secret"),
                             createdAt: try row.date("created_at"), retiredAt: try row.optionalDate("retired_at"),
                             expiresAt: try row.optionalDate("expires_at"))
    }
}
