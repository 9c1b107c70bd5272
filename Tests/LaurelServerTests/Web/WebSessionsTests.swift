import Foundation
import HTTPTypes
import Hummingbird
@testable import LaurelServer
import LaurelStore
import LaurelTestSupport
import NIOCore
import Testing

/// Browser sessions: the cookie's flags and scope, the session's kind and expiry, sign-out, and
/// the CSRF check of form posts.
struct WebSessionsTests {
    static func request(cookie: String? = nil, origin: String? = nil, host: String = "laurel.example:8080") -> Request {
        var headers = HTTPFields()
        if let cookie { headers[.cookie] = cookie }
        if let origin { headers[.origin] = origin }
        let head = HTTPRequest(method: .post, scheme: "http", authority: host, path: "/admin/members", headerFields: headers)
        return Request(head: head, body: .init(buffer: ByteBuffer()))
    }

    @Test(arguments: TestBackend.available)
    func aSessionLivesInItsCookieUntilItExpiresOrEnds(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        let sessions = WebSessions(store: fixture.store, clock: fixture.clock, cookieName: "laurel_console", lifetime: 3600)
        let (session, cookie) = try await sessions.start(programId: "prg_a", kind: .staff, subjectId: "stf_1", path: "/admin")
        #expect(cookie.hasPrefix("laurel_console=ws_"))
        for flag in ["Path=/admin", "Max-Age=3600", "Secure", "HttpOnly", "SameSite=Lax"] {
            #expect(cookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.contains(flag), "\(flag) in \(cookie)")
        }
        let value = String(try #require(cookie.split(separator: ";").first))
        #expect(try await sessions.current(Self.request(cookie: "other=1; \(value)"), kind: .staff) == session)
        #expect(try await sessions.current(Self.request(cookie: value), kind: .member) == nil, "a staff cookie is no member session")
        #expect(try await sessions.current(Self.request(cookie: "laurel_console=ws_forged"), kind: .staff) == nil)
        #expect(try await sessions.current(Self.request(), kind: .staff) == nil)

        fixture.clock.advance(by: 3601)
        #expect(try await sessions.current(Self.request(cookie: value), kind: .staff) == nil, "expired")

        let (_, second) = try await sessions.start(programId: "prg_a", kind: .staff, subjectId: "stf_1", path: "/admin")
        let secondValue = String(try #require(second.split(separator: ";").first))
        #expect(try await sessions.current(Self.request(cookie: secondValue), kind: .staff) != nil)
        let cleared = try await sessions.end(Self.request(cookie: secondValue), path: "/admin")
        #expect(cleared.hasPrefix("laurel_console=;") && cleared.contains("Max-Age=0"))
        #expect(try await sessions.current(Self.request(cookie: secondValue), kind: .staff) == nil, "signed out")
    }

    @Test(arguments: TestBackend.available)
    func signingASubjectOutEverywhereEndsOnlyTheirSessions(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        let sessions = WebSessions(store: fixture.store, clock: fixture.clock, cookieName: "laurel_portal", lifetime: 600)
        let (_, first) = try await sessions.start(programId: "prg_a", kind: .member, subjectId: "mem_1", path: "/p/prg_a")
        let (_, second) = try await sessions.start(programId: "prg_a", kind: .member, subjectId: "mem_1", path: "/p/prg_a")
        let (_, other) = try await sessions.start(programId: "prg_a", kind: .member, subjectId: "mem_2", path: "/p/prg_a")
        try await fixture.store.deleteWebSessions(programId: "prg_a", kind: .member, subjectId: "mem_1")
        for cookie in [first, second] {
            #expect(try await sessions.current(Self.request(cookie: String(cookie.split(separator: ";")[0])), kind: .member) == nil)
        }
        #expect(try await sessions.current(Self.request(cookie: String(other.split(separator: ";")[0])), kind: .member)?.subjectId == "mem_2")
    }

    @Test func aFormPostNeedsTheSessionsTokenFromThisSite() {
        let session = WebSessionRecord(tokenHash: "h", programId: "prg_a", kind: .staff, subjectId: "stf_1", csrfToken: "csrf_right",
                                       createdAt: Date(), expiresAt: Date().addingTimeInterval(60))
        let good = WebForm(encoded: "_csrf=csrf_right&points=5")
        #expect(WebSessions.acceptsPost(good, of: session, request: Self.request()))
        #expect(WebSessions.acceptsPost(good, of: session, request: Self.request(origin: "http://laurel.example:8080")))
        #expect(!WebSessions.acceptsPost(good, of: session, request: Self.request(origin: "https://evil.example")), "another site")
        #expect(!WebSessions.acceptsPost(good, of: session, request: Self.request(origin: "null")))
        #expect(!WebSessions.acceptsPost(WebForm(encoded: "points=5"), of: session, request: Self.request()), "no token")
        #expect(!WebSessions.acceptsPost(WebForm(encoded: "_csrf=csrf_wrong&points=5"), of: session, request: Self.request()))
        #expect(!WebSessions.acceptsPost(WebForm(encoded: "_csrf=csrf_righ"), of: session, request: Self.request()))
    }
}
