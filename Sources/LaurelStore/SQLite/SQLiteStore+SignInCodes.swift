import Foundation
import GRDB

extension SQLiteStore {
    public func signInMember(programId: String, identifier: String) async throws -> MemberRecord? {
        try await read { db in
            if let member = try db.rowByPosition("SELECT \(Self.memberColumns) FROM members WHERE program_id = ? AND external_id = ?",
                                                 [.text(programId), .text(identifier)], Self.member) {
                return member
            }
            return try db.rowByPosition("""
                SELECT \(Self.memberColumns) FROM members WHERE program_id = ? AND lower(email) = lower(?) ORDER BY id LIMIT 1
                """, [.text(programId), .text(identifier)], Self.member)
        }
    }

    public func issueSignInCode(_ code: SignInCodeRecord, plainCode: String, member: MemberRecord) async throws {
        try await write { db in
            try db.run("DELETE FROM sign_in_codes WHERE program_id = ? AND member_id = ?", [code.programId, code.memberId])
            try db.run("""
                INSERT INTO sign_in_codes (id, program_id, member_id, code_hash, attempts, created_at, expires_at) VALUES (?, ?, ?, ?, 0, ?, ?)
                """, [code.id, code.programId, code.memberId, code.codeHash, code.createdAt.millis, code.expiresAt.millis])
            try Self.emit(db, programId: code.programId, memberId: code.memberId,
                          [OutboxMessages.signInCode(code, plainCode: plainCode, member: member)], now: code.createdAt)
        }
    }

    public func checkSignInCode(programId: String, memberId: String, codeHash: String, now: Date, maxAttempts: Int) async throws -> SignInCodeCheck {
        try await write { db in
            guard let row = try db.row("SELECT id, code_hash, attempts, expires_at FROM sign_in_codes WHERE program_id = ? AND member_id = ?",
                                       [programId, memberId]) else { return .noCode }
            let id: String = row["id"], attempts: Int = row["attempts"]
            guard now < Date(millis: row["expires_at"]), attempts < maxAttempts else {
                try db.run("DELETE FROM sign_in_codes WHERE id = ?", [id])
                return .noCode
            }
            let outcome = SignInCodeCheck.judging(stored: row["code_hash"], given: codeHash, attempts: attempts, maxAttempts: maxAttempts)
            if case .wrong = outcome {
                try db.run("UPDATE sign_in_codes SET attempts = attempts + 1 WHERE id = ?", [id])
            } else {
                try db.run("DELETE FROM sign_in_codes WHERE id = ?", [id])
            }
            return outcome
        }
    }
}
