import Foundation
import Hummingbird
@testable import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// Signing in: the session cookie's flags, the same answer for a wrong password and an unknown
/// email, the limit on attempts, one-time password links.
struct ConsoleSignInTests {
    @Test(arguments: TestBackend.available)
    func signingInSetsASecureHttpOnlyLaxCookieForTheConsoleOnly(backend: TestBackend) async throws {
        let fixture = try await ConsoleFixture.make(backend)
        _ = try await fixture.staffWithPassword("ana@example.com", password: "correct horse battery")
        try await fixture.http.withServer { client in
            let answer = try await client.browser(.post, "/admin/sign-in", form: [("email", " Ana@Example.com "), ("password", "correct horse battery"),
                                                                                  ("next", "/admin/members")])
            #expect(answer.status == 303)
            #expect(answer.headers[.location] == "/admin/members")
            let cookie = try #require(answer.setCookies.first { $0.hasPrefix("\(ConsoleRoutes.cookieName)=") })
            for flag in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/admin", "Max-Age=28800"] {
                #expect(cookie.contains(flag), "\(flag) in \(cookie)")
            }
            let page = try await client.browser(.get, "/admin/members", headers: [.cookie: try #require(answer.cookie(ConsoleRoutes.cookieName))])
            #expect(page.status == 200 && page.text.contains("ana@example.com"))
            // A `next` elsewhere is not followed.
            let away = try await client.browser(.post, "/admin/sign-in", form: [("email", "ana@example.com"), ("password", "correct horse battery"),
                                                                                ("next", "//evil.example/admin")])
            #expect(away.headers[.location] == "/admin/dashboard", "the dashboard is the landing page")
        }
    }

    @Test(arguments: TestBackend.available)
    func aWrongPasswordAnswersExactlyAsAnUnknownEmail(backend: TestBackend) async throws {
        let fixture = try await ConsoleFixture.make(backend)
        _ = try await fixture.staffWithPassword("ana@example.com", password: "correct horse battery")
        try await fixture.http.withServer { client in
            let wrong = try await client.browser(.post, "/admin/sign-in", form: [("email", "ana@example.com"), ("password", "wrong horse battery")])
            let unknown = try await client.browser(.post, "/admin/sign-in", form: [("email", "ana@example.com".replacingOccurrences(of: "ana", with: "bob")),
                                                                                   ("password", "wrong horse battery")])
            #expect(wrong.status == 401 && unknown.status == 401)
            #expect(wrong.text.replacingOccurrences(of: "ana@", with: "bob@") == unknown.text)
            #expect(wrong.setCookies.isEmpty && unknown.setCookies.isEmpty)
        }
    }

    @Test(arguments: TestBackend.available)
    func signInAttemptsAreLimitedPerEmail(backend: TestBackend) async throws {
        let fixture = try await ConsoleFixture.make(backend)
        _ = try await fixture.staffWithPassword("ana@example.com", password: "correct horse battery")
        try await fixture.http.withServer { client in
            for _ in 0..<(RateLimitSettings.defaults.staffSignInsPerMinute ?? 0) {
                let answer = try await client.browser(.post, "/admin/sign-in", form: [("email", "ana@example.com"), ("password", "guess guess guess")])
                #expect(answer.status == 401)
            }
            // Locked out: even the right password waits (the clock is frozen).
            let right = try await client.browser(.post, "/admin/sign-in", form: [("email", "ana@example.com"), ("password", "correct horse battery")])
            #expect(right.status == 429)
            #expect(right.headers[.retryAfter] != nil)
            #expect(right.setCookies.isEmpty)
        }
    }

    @Test(arguments: TestBackend.available)
    func aPasswordLinkSetsThePasswordOnceAndSignsIn(backend: TestBackend) async throws {
        let fixture = try await ConsoleFixture.make(backend)
        let (_, token) = try await StaffAccounts.create(store: fixture.http.store, programId: "prg_a", email: "new@example.com", role: .manager,
                                                        now: HTTPFixture.start)
        try await fixture.http.withServer { client in
            let form = try await client.browser(.get, "/admin/set-password?token=\(token)")
            #expect(form.status == 200 && form.text.contains("new@example.com"))
            let short = try await client.browser(.post, "/admin/set-password", form: [("token", token), ("password", "short"), ("confirm_password", "short")])
            #expect(short.status == 422)
            let set = try await client.browser(.post, "/admin/set-password",
                                               form: [("token", token), ("password", "a long enough one"), ("confirm_password", "a long enough one")])
            #expect(set.status == 303)
            #expect(set.cookie(ConsoleRoutes.cookieName) != nil)
            let again = try await client.browser(.post, "/admin/set-password",
                                                 form: [("token", token), ("password", "another long one"), ("confirm_password", "another long one")])
            #expect(again.status == 410)
            let signIn = try await client.browser(.post, "/admin/sign-in", form: [("email", "new@example.com"), ("password", "a long enough one")])
            #expect(signIn.status == 303)
        }
    }
}

/// A stored hash weaker than today's is replaced at sign-in; the sign-in limits come from `serve`'s flags.
struct ConsoleSignInUpkeepTests {
    @Test(arguments: TestBackend.available)
    func signingInRehashesAPasswordStoredWithFewerIterations(backend: TestBackend) async throws {
        let fixture = try await ConsoleFixture.make(backend)
        let staff = try await fixture.staffWithPassword("ana@example.com", password: "correct horse battery")
        let before = try #require(staff.passwordHash)
        #expect(PasswordHash.needsRehash(before), "the fixture stores 210,000 iterations")
        try await fixture.http.withServer { client in
            let wrong = try await client.browser(.post, "/admin/sign-in", form: [("email", "ana@example.com"), ("password", "wrong horse battery")])
            #expect(wrong.status == 401)
            #expect(try await fixture.http.store.staff(id: staff.id)?.passwordHash == before, "a wrong password changes nothing")
            let right = try await client.browser(.post, "/admin/sign-in", form: [("email", "ana@example.com"), ("password", "correct horse battery")])
            #expect(right.status == 303)
            let after = try #require(try await fixture.http.store.staff(id: staff.id)?.passwordHash)
            #expect(after != before && !PasswordHash.needsRehash(after) && after.hasPrefix("pbkdf2-sha256$\(PasswordHash.defaultIterations)$"))
            #expect(PasswordHash.verify("correct horse battery", against: after))
            // Signing in again with the new hash keeps it.
            let again = try await client.browser(.post, "/admin/sign-in", form: [("email", "ana@example.com"), ("password", "correct horse battery")])
            #expect(again.status == 303)
            #expect(try await fixture.http.store.staff(id: staff.id)?.passwordHash == after)
        }
        // Only while the stored hash is the one read: a password set meanwhile is kept.
        #expect(try await fixture.http.store.rehashStaffPassword(id: staff.id, from: before, to: "pbkdf2-sha256$stale") == false)
    }

    @Test func theSignInLimitsAreTheSettings() {
        let clock = ManualClock(HTTPFixture.start)
        let two = SignInLimits(clock: clock, settings: RateLimitSettings(staffSignInsPerMinute: 2, staffSignInsPerMinutePerAddress: nil))
        #expect(two.refusal(address: nil, email: "a@example.com") == nil && two.refusal(address: nil, email: "a@example.com") == nil)
        #expect(two.refusal(address: nil, email: "a@example.com") != nil, "the third try within the minute")
        #expect(two.refusal(address: nil, email: "b@example.com") == nil, "another email has its own limit")
        let off = SignInLimits(clock: clock, settings: .off)
        #expect((0..<100).allSatisfy { _ in off.refusal(address: nil, email: "a@example.com") == nil })
        let byAddress = SignInLimits(clock: clock, settings: RateLimitSettings(staffSignInsPerMinute: nil, staffSignInsPerMinutePerAddress: 3))
        #expect((0..<3).allSatisfy { byAddress.refusal(address: nil, email: "e\($0)@example.com") == nil })
        #expect(byAddress.refusal(address: nil, email: "e9@example.com") != nil)
    }
}

/// A disabled user's open sessions stop working at once, and they cannot sign in.
struct ConsoleDisabledStaffTests {
    @Test(arguments: TestBackend.available)
    func aDisabledUserIsRefusedEverywhere(backend: TestBackend) async throws {
        let fixture = try await ConsoleFixture.make(backend)
        let staff = try await fixture.staffWithPassword("ana@example.com", password: "correct horse battery")
        try await fixture.http.withServer { client in
            let support = fixture.sessions["support"]!
            #expect(try await client.console(.get, "/admin", as: "support", in: fixture).status == 200)
            _ = try await fixture.http.store.setStaffDisabled(id: support.staff.id, disabled: true)
            let refused = try await client.console(.get, "/admin", as: "support", in: fixture)
            #expect(refused.status == 303 && refused.headers[.location]?.hasPrefix("/admin/sign-in") == true)
            _ = try await fixture.http.store.setStaffDisabled(id: staff.id, disabled: true)
            let signIn = try await client.browser(.post, "/admin/sign-in", form: [("email", "ana@example.com"), ("password", "correct horse battery")])
            #expect(signIn.status == 401 && signIn.setCookies.isEmpty)
        }
    }
}
