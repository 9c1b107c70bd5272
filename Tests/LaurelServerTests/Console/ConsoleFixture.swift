import Foundation
import HTTPTypes
import Hummingbird
@testable import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// Staff users of programs A and B with console sessions, on `HTTPFixture`'s store.
struct ConsoleFixture {
    let http: HTTPFixture
    /// Session cookie (`name=value`) and CSRF token of each identity.
    let sessions: [String: (cookie: String, csrf: String, staff: StaffRecord)]

    static let identities: [(name: String, program: String, role: StaffRole)] = [
        ("support", "prg_a", .support), ("manager", "prg_a", .manager), ("owner", "prg_a", .owner), ("other-owner", "prg_b", .owner),
    ]

    static func make(_ backend: TestBackend) async throws -> ConsoleFixture {
        let http = try await HTTPFixture.make(backend)
        let web = WebSessions(store: http.store, clock: http.clock, cookieName: ConsoleRoutes.cookieName, lifetime: ConsoleRoutes.sessionLifetime)
        var sessions: [String: (cookie: String, csrf: String, staff: StaffRecord)] = [:]
        for identity in identities {
            let (staff, _) = try await StaffAccounts.create(store: http.store, programId: identity.program, email: "\(identity.name)@example.com",
                                                            role: identity.role, now: HTTPFixture.start)
            let (session, cookie) = try await web.start(programId: identity.program, kind: .staff, subjectId: staff.id, path: ConsoleRoutes.cookiePath)
            sessions[identity.name] = (String(cookie.split(separator: ";")[0]), session.csrfToken, staff)
        }
        return ConsoleFixture(http: http, sessions: sessions)
    }

    /// A user with a password, for the sign-in tests (the lowest iteration count allowed, to keep tests quick).
    func staffWithPassword(_ email: String, password: String, program: String = "prg_a") async throws -> StaffRecord {
        let (_, token) = try await StaffAccounts.create(store: http.store, programId: program, email: email, role: .support, now: HTTPFixture.start)
        return try #require(try await http.store.setStaffPassword(tokenHash: StaffAccounts.tokenHash(token),
                                                                  passwordHash: try PasswordHash.make(password, iterations: 210_000),
                                                                  now: HTTPFixture.start))
    }
}

extension HTTPFixture.Client {
    /// A console request as `identity` (nil: anonymous); a POST carries the session's CSRF token unless `csrf` says otherwise.
    func console(_ method: HTTPRequest.Method, _ path: String, as identity: String?, in fixture: ConsoleFixture,
                 form: [(String, String)] = [], csrf: String? = nil) async throws -> Answer {
        var headers: HTTPFields = [:]
        let session = identity.flatMap { fixture.sessions[$0] }
        if let session { headers[.cookie] = session.cookie }
        var fields = form
        if method == .post, let token = csrf ?? session?.csrf { fields.append(("_csrf", token)) }
        return try await browser(method, path, form: method == .post ? fields : nil, headers: headers)
    }
}

extension HTTPFixture.Client.Answer {
    /// The value of the hidden input `name` in the page.
    func hidden(_ name: String) -> String? {
        guard let range = text.range(of: #"name="\#(name)" value=""#) else { return nil }
        let rest = text[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}
