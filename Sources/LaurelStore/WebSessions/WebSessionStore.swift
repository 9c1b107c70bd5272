import Foundation

/// Sessions of the web console and the member portal, kept in the database so every node knows
/// every session and a restart signs nobody out.
public protocol WebSessionStore: Sendable {
    /// Stores a new session; sessions that expired before `now` are deleted on the way.
    func insertWebSession(_ session: WebSessionRecord, now: Date) async throws
    /// The session whose cookie secret hashes to `tokenHash`, if it has not expired at `now`.
    func webSession(tokenHash: String, now: Date) async throws -> WebSessionRecord?
    /// Signs one browser out.
    func deleteWebSession(tokenHash: String) async throws
    /// Signs a staff user or a member out everywhere (a password change, a blocked member).
    func deleteWebSessions(programId: String, kind: WebSessionRecord.Kind, subjectId: String) async throws
}
