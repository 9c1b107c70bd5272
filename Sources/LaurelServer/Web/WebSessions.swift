import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import LaurelCore
import LaurelStore

/// Browser sessions of one web app (the console or a program's portal): a random secret in a
/// `Secure; HttpOnly; SameSite=Lax` cookie scoped to the app's path, its SHA-256 in the store, and
/// a CSRF token per session that every form carries and every POST must return.
struct WebSessions: Sendable {
    let store: any LaurelStore
    let clock: any WallClock
    /// `laurel_console`, `laurel_portal`.
    let cookieName: String
    /// How long a session lasts from sign-in.
    let lifetime: TimeInterval

    /// Starts a session; answers it and the `Set-Cookie` value that carries it, scoped to `path`.
    func start(programId: String, kind: WebSessionRecord.Kind, subjectId: String, path: String) async throws -> (WebSessionRecord, cookie: String) {
        let secret = Identifiers.secret("ws")
        let now = clock.now()
        let session = WebSessionRecord(tokenHash: APIKeyAuthenticator.hash(secret), programId: programId, kind: kind, subjectId: subjectId,
                                       csrfToken: Identifiers.secret("csrf"), createdAt: now, expiresAt: now.addingTimeInterval(lifetime))
        try await store.insertWebSession(session, now: now)
        return (session, cookie(value: secret, path: path, maxAge: Int(lifetime)))
    }

    /// The live session of `kind` the request's cookie names, if any.
    func current(_ request: Request, kind: WebSessionRecord.Kind) async throws -> WebSessionRecord? {
        guard let secret = Self.cookie(named: cookieName, in: request) else { return nil }
        guard let session = try await store.webSession(tokenHash: APIKeyAuthenticator.hash(secret), now: clock.now()), session.kind == kind else {
            return nil
        }
        return session
    }

    /// Ends the request's session (if any); answers the `Set-Cookie` value that clears the cookie.
    func end(_ request: Request, path: String) async throws -> String {
        if let secret = Self.cookie(named: cookieName, in: request) {
            try await store.deleteWebSession(tokenHash: APIKeyAuthenticator.hash(secret))
        }
        return cookie(value: "", path: path, maxAge: 0)
    }

    /// Whether a form post may act for `session`: its `_csrf` field equals the session's token
    /// (compared in constant time), and a browser's `Origin`, when sent, is this server.
    static func acceptsPost(_ form: WebForm, of session: WebSessionRecord, request: Request) -> Bool {
        guard sameOrigin(request), let sent = form["_csrf"] else { return false }
        return constantTimeEqual(Array(sent.utf8), Array(session.csrfToken.utf8))
    }

    /// False when the browser says the form came from another site (`Origin` whose host is not the
    /// request's host). Browsers send `Origin` on every cross-site POST; a missing one is allowed.
    static func sameOrigin(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin] else { return true }
        guard origin != "null", let host = URL(string: origin)?.host else { return false }
        let requestHost = (request.head.authority ?? "").split(separator: ":").first.map(String.init) ?? ""
        return host.lowercased() == requestHost.lowercased()
    }

    /// The value of cookie `name` in the request's `Cookie` headers.
    static func cookie(named name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    private func cookie(value: String, path: String, maxAge: Int) -> String {
        "\(cookieName)=\(value); Path=\(path); Max-Age=\(maxAge); Secure; HttpOnly; SameSite=Lax"
    }

    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
