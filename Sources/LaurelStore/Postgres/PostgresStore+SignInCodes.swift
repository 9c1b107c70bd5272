import Foundation
import PostgresNIO

extension PostgresStore {
    public func signInMember(programId: String, identifier: String) async throws -> MemberRecord? {
        try await read { connection in
            if let row = try await connection.row("SELECT * FROM members WHERE program_id = \(programId) AND external_id = \(identifier)", logger) {
                return try Self.member(row)
            }
            return try await connection.row("""
                SELECT * FROM members WHERE program_id = \(programId) AND lower(email) = lower(\(identifier)) ORDER BY id LIMIT 1
                """, logger).map(Self.member)
        }
    }

    public func issueSignInCode(_ code: SignInCodeRecord, plainCode: String, member: MemberRecord) async throws {
        try await transaction { connection in
            // The upsert takes the member's row lock, so concurrent requests leave exactly one live code.
            try await connection.query("""
                INSERT INTO sign_in_codes (id, program_id, member_id, code_hash, attempts, created_at, expires_at)
                VALUES (\(code.id), \(code.programId), \(code.memberId), \(code.codeHash), 0, \(code.createdAt.millis), \(code.expiresAt.millis))
                ON CONFLICT (program_id, member_id) DO UPDATE SET id = EXCLUDED.id, code_hash = EXCLUDED.code_hash, attempts = 0,
                    created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
                """, logger: logger)
            try await Self.emit(connection, programId: code.programId, memberId: code.memberId,
                                [OutboxMessages.signInCode(code, plainCode: plainCode, member: member)], now: code.createdAt, logger)
        }
    }

    public func checkSignInCode(programId: String, memberId: String, codeHash: String, now: Date, maxAttempts: Int) async throws -> SignInCodeCheck {
        try await transaction { connection in
            guard let row = try await connection.row("""
                SELECT id, code_hash, attempts, expires_at FROM sign_in_codes WHERE program_id = \(programId) AND member_id = \(memberId) FOR UPDATE
                """, logger) else { return .noCode }
            let id: String = try row.get("id"), attempts = Int(try row.get("attempts", Int64.self))
            guard now < (try row.date("expires_at")), attempts < maxAttempts else {
                try await connection.query("DELETE FROM sign_in_codes WHERE id = \(id)", logger: logger)
                return .noCode
            }
            let outcome = SignInCodeCheck.judging(stored: try row.get("code_hash"), given: codeHash, attempts: attempts, maxAttempts: maxAttempts)
            if case .wrong = outcome {
                try await connection.query("UPDATE sign_in_codes SET attempts = attempts + 1 WHERE id = \(id)", logger: logger)
            } else {
                try await connection.query("DELETE FROM sign_in_codes WHERE id = \(id)", logger: logger)
            }
            return outcome
        }
    }
}
