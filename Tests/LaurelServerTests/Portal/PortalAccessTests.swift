import Foundation
import HTTPTypes
import LaurelCore
import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// What a signed-in member may see and do: only their own data (another member's objects answer
/// 404, a member id in a form is ignored), only in their program, every form with the session's
/// CSRF token; redeeming with its confirmation step, once per form; pages in the member's language.
struct PortalAccessTests {
    @Test(arguments: TestBackend.available)
    func aMemberRedeemsWithAConfirmationStepAndOnlyForThemselves(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let ana = try await api.member("cust-1", email: "ana@example.com")
            let ben = try await api.member("cust-2", email: "ben@example.com")
            try await api.credit(ana, 1200)
            try await api.credit(ben, 1200)
            try await api.reward("coffee", cost: 500, extra: #","names":{"tr":"Kahve"}"#)
            var visitor = PortalVisitor(api)
            try await visitor.signIn("ana@example.com", memberId: ana)

            let catalogue = try await visitor.get("/rewards")
            #expect(catalogue.status == 200 && catalogue.text.contains("Reward coffee") && catalogue.text.contains("/p/prg_a/rewards/coffee/redeem"))
            let confirmation = try await visitor.get("/rewards/coffee/redeem")
            #expect(confirmation.text.contains("Redeem “Reward coffee” for 500 points?"), "\(confirmation.text)")
            #expect(confirmation.text.contains("Your balance will be 1,200 → 700 points."))
            let csrf = try #require(PortalVisitor.hidden("_csrf", in: confirmation))
            let token = try #require(PortalVisitor.hidden("token", in: confirmation))
            // A member id in the form is not read: Ana redeems for Ana.
            let form = [("_csrf", csrf), ("token", token), ("member_id", ben)]
            let redeemed = try await visitor.post("/rewards/coffee/redeem", form)
            #expect(redeemed.status == 303 && redeemed.headers[.location]?.hasPrefix("/p/prg_a/redemptions?redeemed=rdm_") == true)
            // The same form again (a double click): the first redemption, not a second one.
            let again = try await visitor.post("/rewards/coffee/redeem", form)
            #expect(again.headers[.location] == redeemed.headers[.location])
            #expect(try await api.points(ana)["available"] as? Int == 700)
            #expect(try await api.points(ben)["available"] as? Int == 1200)
            let redemptionId = String(try #require(redeemed.headers[.location]).split(separator: "=").last ?? "")
            let mine = try await visitor.get("/redemptions/\(redemptionId)")
            #expect(mine.status == 200 && mine.text.contains("Reward coffee"))
            #expect(try await visitor.get("").text.contains("700"))

            // Ben's redemption, seen with Ana's session: not found.
            let bens = try await api.post("/v1/redemptions", #"{"member_id":"\#(ben)","reward_id":"coffee"}"#)
            let bensId = try #require(bens.json["id"] as? String)
            #expect(try await visitor.get("/redemptions/\(bensId)").status == 404)
            #expect(!(try await visitor.get("/redemptions")).text.contains(bensId))
            // Ana's session is not a session of another program.
            var elsewhere = PortalVisitor(api, program: "prg_b")
            elsewhere.cookies = visitor.cookies
            #expect(try await elsewhere.get("").headers[.location] == "/p/prg_b/sign-in")
        }
    }

    @Test func formsWithoutTheSessionsTokenAreRefused() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer { api in
            let ana = try await api.member("cust-1", email: "ana@example.com")
            try await api.credit(ana, 1000)
            try await api.reward("coffee", cost: 500)
            var visitor = PortalVisitor(api)
            try await visitor.signIn("ana@example.com", memberId: ana)
            let csrf = try await visitor.csrf()
            for form in [[("token", "t1")], [("_csrf", "csrf_forged"), ("token", "t2")]] {
                #expect(try await visitor.post("/rewards/coffee/redeem", form).status == 403)
            }
            #expect(try await visitor.post("/rewards/coffee/redeem", [("_csrf", csrf), ("token", "t3")],
                                           headers: [.origin: "https://evil.example"]).status == 403)
            #expect(try await visitor.post("/sign-out", [("token", "t4")]).status == 403)
            #expect(try await api.points(ana)["available"] as? Int == 1000)
            // Signed out: the session no longer opens pages.
            #expect(try await visitor.post("/sign-out", [("_csrf", csrf)]).status == 303)
            #expect(try await visitor.get("").headers[.location] == "/p/prg_a/sign-in")
        }
    }

    @Test func aRewardTheMemberCannotAffordShowsWhyInsteadOfAButton() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer { api in
            let ana = try await api.member("cust-1", email: "ana@example.com")
            try await api.credit(ana, 100)
            try await api.reward("bag", cost: 600)
            var visitor = PortalVisitor(api)
            try await visitor.signIn("ana@example.com", memberId: ana)
            let page = try await visitor.get("/rewards/bag/redeem")
            #expect(page.text.contains("You need 500 more points.") && !page.text.contains("name=\"token\""))
            #expect(try await visitor.get("/rewards/nothing/redeem").status == 404)
        }
    }

    @Test func pagesFollowTheMembersLocaleElseTheBrowsers() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer { api in
            for (language, lang, text) in [("tr-TR,tr;q=0.9", "tr", "Giriş yap"), ("uk", "uk", "Увійти"), ("de-DE, en;q=0.5", "en", "Sign in")] {
                var visitor = PortalVisitor(api, language: language)
                let page = try await visitor.get("/sign-in")
                #expect(page.text.contains("lang=\"\(lang)\"") && page.text.contains(text), "\(language)")
            }
            let olena = try await api.member("cust-9", email: "olena@example.com", attributes: #"{"locale":"uk-UA"}"#)
            try await api.credit(olena, 1234)
            try await api.reward("coffee", cost: 500, extra: #","names":{"uk":"Кава"}"#)
            var visitor = PortalVisitor(api, language: "en")
            try await visitor.signIn("olena@example.com", memberId: olena)
            let home = try await visitor.get("")
            #expect(home.text.contains("lang=\"uk\"") && home.text.contains("Ваші бали"))
            // Ukrainian groups thousands with a (no-break) space.
            #expect(home.text.contains("1\u{A0}234") || home.text.contains("1 234"), "\(home.text)")
            #expect(try await visitor.get("/rewards").text.contains("Кава"))
        }
    }

    @Test func theBrandStylesheetCarriesTheProgramsBranding() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        let branded = HTTPFixture.program + """

            branding:
              display_name: Bean & Thread
              colors: {primary: "#1f5f3a", accent: "#c8781e"}
              font: '"Avenir Next", sans-serif'
            """
        _ = try await fixture.store.applyProgram(id: "prg_a", definition: try ProgramDefinition.parse(branded), source: branded,
                                                 now: HTTPFixture.start, idempotency: nil)
        try await fixture.withServer { api in
            var visitor = PortalVisitor(api)
            let css = try await visitor.get("/brand.css")
            #expect(css.headers[.contentType] == "text/css; charset=utf-8")
            #expect(css.text.contains("--brand-primary: #1f5f3a;") && css.text.contains("--brand-on-primary: #ffffff;"))
            #expect(css.text.contains(#"--brand-font: "Avenir Next", sans-serif;"#))
            let page = try await visitor.get("/sign-in")
            #expect(page.text.contains("Bean &amp; Thread") && page.text.contains("/p/prg_a/brand.css?v=2"))
            var unknown = PortalVisitor(api, program: "prg_none")
            #expect(try await unknown.get("/sign-in").status == 404)
        }
    }
}
