import Foundation
import GRDB

extension SQLiteStore {
    public func insertWebSession(_ session: WebSessionRecord, now: Date) async throws {
        try await write { db in
            try db.run("DELETE FROM web_sessions WHERE expires_at < ?", [now.millis])
            try db.run("""
                INSERT INTO web_sessions (token_hash, program_id, kind, subject_id, csrf_token, created_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [session.tokenHash, session.programId, session.kind.rawValue, session.subjectId, session.csrfToken,
                      session.createdAt.millis, session.expiresAt.millis])
        }
    }

    public func webSession(tokenHash: String, now: Date) async throws -> WebSessionRecord? {
        try await read { db in
            try db.row("SELECT * FROM web_sessions WHERE token_hash = ? AND expires_at > ?", [tokenHash, now.millis], Self.webSession)
        }
    }

    public func deleteWebSession(tokenHash: String) async throws {
        try await write { db in try db.run("DELETE FROM web_sessions WHERE token_hash = ?", [tokenHash]) }
    }

    public func deleteWebSessions(programId: String, kind: WebSessionRecord.Kind, subjectId: String) async throws {
        try await write { db in
            try db.run("DELETE FROM web_sessions WHERE program_id = ? AND kind = ? AND subject_id = ?", [programId, kind.rawValue, subjectId])
        }
    }

    static func webSession(_ row: Row) -> WebSessionRecord {
        WebSessionRecord(tokenHash: row["token_hash"], programId: row["program_id"],
                         kind: WebSessionRecord.Kind(rawValue: row["kind"]) ?? .member, subjectId: row["subject_id"],
                         csrfToken: row["csrf_token"], createdAt: Date(millis: row["created_at"]), expiresAt: Date(millis: row["expires_at"]))
    }
}
