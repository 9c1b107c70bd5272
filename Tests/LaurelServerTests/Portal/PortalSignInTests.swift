import Foundation
import HTTPTypes
import LaurelCore
import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// Signing in to the member portal with a one-time code: the right code signs in once, wrong codes
/// burn it, an expired code is refused, an unknown name is answered exactly as a member's, asking
/// is rate-limited, and the session cookie carries its flags.
struct PortalSignInTests {
    @Test(arguments: TestBackend.available)
    func theRightCodeSignsInOnceWithAScopedSecureCookie(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let ana = try await api.member("cust-1", email: "ana@example.com")
            var visitor = PortalVisitor(api)
            #expect(try await visitor.get("").headers[.location] == "/p/prg_a/sign-in")
            let requested = try await visitor.requestCode("ANA@example.com")
            #expect(requested.status == 303 && requested.headers[.location] == "/p/prg_a/sign-in/code")
            let code = try #require(try await PortalVisitor.latestCode(fixture.store, memberId: ana))
            #expect(code.count == 6 && code.allSatisfy(\.isNumber))
            let signedIn = try await visitor.enter(code)
            #expect(signedIn.status == 303 && signedIn.headers[.location] == "/p/prg_a")
            let session = try #require(signedIn.setCookies.first { $0.hasPrefix("laurel_portal=") })
            for flag in ["Path=/p/prg_a;", "Secure", "HttpOnly", "SameSite=Lax"] { #expect(session.contains(flag), "\(session)") }
            let home = try await visitor.get("")
            #expect(home.status == 200 && home.text.contains("Your points"), "\(home.text)")

            // The same code again, in another browser: spent.
            var other = PortalVisitor(api)
            _ = try await other.get("/sign-in")
            other.cookies[PortalVisitorNames.name] = "ana%40example.com"
            let again = try await other.enter(code)
            #expect(again.status == 422 && again.text.contains("That code is not right"))
            #expect(again.setCookies.allSatisfy { !$0.hasPrefix("laurel_portal=") })
        }
    }

    @Test(arguments: TestBackend.available)
    func fiveWrongCodesBurnIt(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let ana = try await api.member("cust-1", email: "ana@example.com")
            var visitor = PortalVisitor(api)
            _ = try await visitor.requestCode("cust-1")
            let code = try #require(try await PortalVisitor.latestCode(fixture.store, memberId: ana))
            let wrong = code == "000000" ? "111111" : "000000"
            for _ in 0..<5 {
                let answer = try await visitor.enter(wrong)
                #expect(answer.status == 422 && answer.text.contains("That code is not right"))
            }
            #expect(try await visitor.enter(code).status == 422)
            #expect(visitor.cookies["laurel_portal"] == nil)
        }
    }

    @Test func anExpiredCodeIsRefused() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer { api in
            let ana = try await api.member("cust-1", email: "ana@example.com")
            var visitor = PortalVisitor(api)
            _ = try await visitor.requestCode("ana@example.com")
            let code = try #require(try await PortalVisitor.latestCode(fixture.store, memberId: ana))
            fixture.clock.advance(by: 600)
            #expect(try await visitor.enter(code).status == 422)
        }
    }

    /// No member enumeration: an unknown name gets the same redirect, cookies and code page as a
    /// member's, and no message is written for it.
    @Test func anUnknownNameIsAnsweredLikeAMembers() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer { api in
            _ = try await api.member("cust-1", email: "ana@example.com")
            let before = try await fixture.store.outbox(programId: "prg_a", limit: 500, startingAfter: nil).items.count
            var known = PortalVisitor(api), unknown = PortalVisitor(api)
            let knownAnswer = try await known.requestCode("ana@example.com")
            let unknownAnswer = try await unknown.requestCode("bob@example.com")
            #expect(knownAnswer.status == unknownAnswer.status && knownAnswer.headers[.location] == unknownAnswer.headers[.location])
            #expect(knownAnswer.setCookies.map { $0.split(separator: "=")[0] } == unknownAnswer.setCookies.map { $0.split(separator: "=")[0] })
            let knownPage = try await known.get("/sign-in/code"), unknownPage = try await unknown.get("/sign-in/code")
            func normalised(_ page: HTTPFixture.Client.Answer) -> String {
                page.text.replacingOccurrences(of: "ana@example.com", with: "NAME").replacingOccurrences(of: "bob@example.com", with: "NAME")
                    .replacingOccurrences(of: PortalVisitor.hidden("_csrf", in: page) ?? "-", with: "TOKEN")
            }
            #expect(knownPage.status == 200 && normalised(knownPage) == normalised(unknownPage))
            let messages = try await fixture.store.outbox(programId: "prg_a", limit: 500, startingAfter: nil).items
            #expect(messages.count == before + 1 && messages.last?.type == MessageType.memberSignInCode)
            // And a code typed for the unknown name is refused like a wrong one.
            let refused = try await unknown.enter("123456")
            #expect(refused.status == 422 && refused.text.contains("That code is not right"))
        }
    }

    @Test func codesAskedForOneNameAreRateLimitedKnownOrNot() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer { api in
            _ = try await api.member("cust-1", email: "ana@example.com")
            for name in ["ana@example.com", "nobody@example.com"] {
                var visitor = PortalVisitor(api)
                for _ in 0..<5 { #expect(try await visitor.requestCode(name).status == 303) }
                let limited = try await visitor.requestCode(name)
                #expect(limited.status == 429 && limited.headers[.retryAfter] != nil && limited.text.contains("Too many codes"))
            }
        }
    }

    @Test func signInFormsNeedTheirTokenAndThisSite() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer { api in
            var visitor = PortalVisitor(api)
            let page = try await visitor.get("/sign-in")
            let token = try #require(PortalVisitor.hidden("_csrf", in: page))
            #expect(try await visitor.post("/sign-in", [("name", "ana@example.com")]).status == 403)
            #expect(try await visitor.post("/sign-in", [("_csrf", "signin_forged"), ("name", "ana@example.com")]).status == 403)
            #expect(try await visitor.post("/sign-in", [("_csrf", token), ("name", "ana@example.com")],
                                           headers: [.origin: "https://evil.example"]).status == 403)
            #expect(try await visitor.post("/sign-in", [("_csrf", token), ("name", "ana@example.com")]).status == 303)
        }
    }
}

enum PortalVisitorNames {
    static let name = "laurel_portal_name"
}
