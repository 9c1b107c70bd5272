import Foundation
import PostgresNIO

extension PostgresStore {
    public func insertWebSession(_ session: WebSessionRecord, now: Date) async throws {
        _ = try await transaction { connection in
            try await connection.query("DELETE FROM web_sessions WHERE expires_at < \(now.millis)", logger: logger)
            try await connection.query("""
                INSERT INTO web_sessions (token_hash, program_id, kind, subject_id, csrf_token, created_at, expires_at)
                VALUES (\(session.tokenHash), \(session.programId), \(session.kind.rawValue), \(session.subjectId), \(session.csrfToken),
                        \(session.createdAt.millis), \(session.expiresAt.millis))
                """, logger: logger)
        }
    }

    public func webSession(tokenHash: String, now: Date) async throws -> WebSessionRecord? {
        try await read { connection in
            try await connection.row("SELECT * FROM web_sessions WHERE token_hash = \(tokenHash) AND expires_at > \(now.millis)", logger)
                .map(Self.webSession)
        }
    }

    public func deleteWebSession(tokenHash: String) async throws {
        _ = try await transaction { connection in
            try await connection.query("DELETE FROM web_sessions WHERE token_hash = \(tokenHash)", logger: logger)
        }
    }

    public func deleteWebSessions(programId: String, kind: WebSessionRecord.Kind, subjectId: String) async throws {
        _ = try await transaction { connection in
            try await connection.query("""
                DELETE FROM web_sessions WHERE program_id = \(programId) AND kind = \(kind.rawValue) AND subject_id = \(subjectId)
                """, logger: logger)
        }
    }

    static func webSession(_ row: PostgresRandomAccessRow) throws -> WebSessionRecord {
        WebSessionRecord(tokenHash: try row.get("token_hash"), programId: try row.get("program_id"),
                         kind: WebSessionRecord.Kind(rawValue: try row.get("kind")) ?? .member, subjectId: try row.get("subject_id"),
                         csrfToken: try row.get("csrf_token"), createdAt: try row.date("created_at"), expiresAt: try row.date("expires_at"))
    }
}
