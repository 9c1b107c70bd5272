import Foundation
import HTTPTypes
import LaurelCore
import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// The portal's play page and its forms, and the play section of the console's member page, on
/// each backend: what a member sees of each mechanic, spinning with a one-time key, joining,
/// entering a raffle, and every refusal answered with a clear message and nothing written.
struct PortalPlayTests {
    /// Every mechanic: a 10-point wheel (two spins a day), a wheel played only with earned plays, an
    /// open and a closed raffle, the referrals and punch card of `HTTPFixture.playSections`, a badge
    /// and two challenges (one opt-in).
    static let program = HTTPFixture.program + """

        games:
          wheels:
            - id: lucky
              name: Lucky wheel
              cost: {points: 10}
              plays:
                per_member: {max: 2, period: day}
              prizes:
                - {id: bonus, weight: 1, points: 25}
                - {id: nothing, weight: 1}
            - id: review-wheel
              name: Review wheel
              plays:
                earned_by: {event: review, plays: 1}
              prizes:
                - {id: five, weight: 1, points: 5}
          raffles:
            - id: summer
              name: Summer draw
              entries: {cost_points: 1}
              draw_at: "2030-01-01T00:00:00Z"
              winners: 2
              prize: {points: 100}
            - id: spring
              name: Spring draw
              entries: {cost_points: 1}
              draw_at: "2026-01-01T00:00:00Z"
              winners: 1

        """ + HTTPFixture.playSections + """

        badges:
          - {id: critic, name: Critic, names: {uk: Критик}, image_url: "https://cdn.example.com/critic.png"}
        challenges:
          - {id: reviews, name: Three reviews a month, event: review, measure: count, target: 3, repeat: monthly, points: 100, badge: critic}
          - {id: walk, name: Walk ten thousand steps, event: steps, measure: sum, attribute: steps, target: 10000, opt_in: true, points: 20}
        """

    static func make(_ backend: TestBackend) async throws -> HTTPFixture {
        let fixture = try await HTTPFixture.make(backend)
        _ = try await fixture.store.applyProgram(id: "prg_a", definition: try ProgramDefinition.parse(program), source: program,
                                                 now: HTTPFixture.start, idempotency: nil)
        return fixture
    }

    static func spins(_ api: HTTPFixture.Client, _ member: String) async throws -> [[String: Any]] {
        try #require(try await api.get("/v1/members/\(member)/games/spins").json["data"] as? [[String: Any]])
    }

    static func entries(_ api: HTTPFixture.Client, _ member: String) async throws -> [[String: Any]] {
        try #require(try await api.get("/v1/members/\(member)/raffle-entries").json["data"] as? [[String: Any]])
    }

    /// The `action` and hidden `token` of the form whose action ends with `suffix`.
    static func form(_ page: HTTPFixture.Client.Answer, action suffix: String) throws -> (action: String, token: String?) {
        let text = page.text
        let marker = try #require(text.range(of: "\(suffix)\">"), "no form for \(suffix) in \(text)")
        let start = try #require(text[..<marker.lowerBound].range(of: "action=\"", options: .backwards))
        let action = String(text[start.upperBound..<marker.lowerBound]) + suffix
        let rest = text[marker.upperBound...]
        let formEnd = rest.range(of: "</form>")?.lowerBound ?? rest.endIndex
        let body = rest[..<formEnd]
        let token = body.range(of: "name=\"token\" value=\"").map { String(body[$0.upperBound...].prefix { $0 != "\"" }) }
        return (action, token)
    }

    @Test(arguments: TestBackend.available)
    func aMemberSeesEachMechanicSpinsJoinsAndEnters(backend: TestBackend) async throws {
        let fixture = try await Self.make(backend)
        try await fixture.withServer { api in
            let ana = try await api.member("cust-1", email: "ana@example.com")
            try await api.credit(ana, 100)
            let code = try #require((try await api.get("/v1/members/\(ana)").json["referral"] as? [String: Any])?["code"] as? String)
            let friend = try await api.post("/v1/members", #"{"external_id":"cust-2","name":"Ben Kaya","referral_code":"\#(code)"}"#)
            #expect(friend.status == 201, "\(friend.text)")
            var visitor = PortalVisitor(api)
            try await visitor.signIn("ana@example.com", memberId: ana)

            let home = try await visitor.get("")
            #expect(home.text.contains("href=\"/p/prg_a/play\""))
            let page = try await visitor.get("/play")
            #expect(page.status == 200)
            let text = page.text
            #expect(text.contains("Lucky wheel") && text.contains("Spin for 10 points") && text.contains("2 spins left today."), "\(text)")
            #expect(text.contains("Review wheel") && text.contains("You have no free play left right now."))
            #expect(text.contains("Three reviews a month") && text.contains("0 of 3, 29 days left") && text.contains("Earns 100 points · the badge Critic"))
            #expect(text.contains("Walk ten thousand steps") && text.contains("/p/prg_a/play/challenges/walk/join"))
            #expect(!text.contains("/p/prg_a/play/challenges/reviews/join"))
            #expect(text.contains("Every 3rd coffee") && text.contains("0 of 3 stamps") && text.contains("3 more stamps for your reward."))
            #expect(text.contains(code) && text.contains("https://brand.example/join?ref=\(code)"))
            #expect(text.contains("<strong>Ben Kaya</strong> · <span class=\"status enrolled\">Joined</span>"))
            #expect(text.contains("Summer draw") && text.contains("Enter for 1 point") && text.contains("You have 0 entries."))
            #expect(text.contains("Spring draw") && text.contains("Entries are closed"))
            #expect(text.contains("No badges yet"))
            #expect(page.body.count < 100_000)

            // Spin: the result page shows the prize; the same form again replays the spin, paying once.
            let spinForm = try Self.form(page, action: "/play/wheels/lucky/spin")
            let csrf = try #require(PortalVisitor.hidden("_csrf", in: page))
            let form = [("_csrf", csrf), ("token", try #require(spinForm.token))]
            let spun = try await visitor.post("/play/wheels/lucky/spin", form)
            let location = try #require(spun.headers[.location])
            #expect(spun.status == 303 && location.hasPrefix("/p/prg_a/play/spins/spn_"), "\(spun.status) \(spun.text)")
            #expect(try await visitor.post("/play/wheels/lucky/spin", form).headers[.location] == location)
            let spins = try await Self.spins(api, ana)
            #expect(spins.count == 1)
            let prize = try #require((spins.first?["prize"] as? [String: Any])?["points"] as? Int)
            let result = try await visitor.get(String(location.dropFirst("/p/prg_a".count)))
            #expect(result.status == 200 && result.text.contains("This spin cost 10 points."), "\(result.text)")
            #expect(result.text.contains(prize > 0 ? "You won \(prize) points!" : "No prize this time."))
            #expect(result.text.contains("Your balance is now \(90 + prize) points."))
            #expect(try await api.points(ana)["available"] as? Int == 90 + prize)

            // Join the opt-in challenge.
            let joined = try await visitor.post("/play/challenges/walk/join", [("_csrf", csrf)])
            #expect(joined.status == 303 && joined.headers[.location] == "/p/prg_a/play?joined=walk#challenges")
            let afterJoin = try await visitor.get("/play?joined=walk")
            #expect(afterJoin.text.contains("You joined “Walk ten thousand steps”.") && !afterJoin.text.contains("/play/challenges/walk/join"))
            let walk = try ChallengeRouteTests.challenge(try await api.get("/v1/members/\(ana)/challenges"), "walk")
            #expect(walk["status"] as? String == "active")

            // Enter the raffle: one entry for one point, once per form.
            let enterForm = try Self.form(afterJoin, action: "/play/raffles/summer/enter")
            let entry = [("_csrf", csrf), ("token", try #require(enterForm.token))]
            let entered = try await visitor.post("/play/raffles/summer/enter", entry)
            #expect(entered.status == 303 && entered.headers[.location] == "/p/prg_a/play?entered=summer#raffles")
            #expect(try await visitor.post("/play/raffles/summer/enter", entry).status == 303)
            #expect(try await Self.entries(api, ana).count == 1)
            let afterEntry = try await visitor.get("/play?entered=summer")
            #expect(afterEntry.text.contains("You have 1 entry.") && afterEntry.text.contains("You have a new entry in Summer draw."))
            #expect(try await api.points(ana)["available"] as? Int == 89 + prize)
        }
    }

    @Test(arguments: TestBackend.available)
    func refusedFormsSayWhyAndWriteNothing(backend: TestBackend) async throws {
        let fixture = try await Self.make(backend)
        try await fixture.withServer { api in
            let ana = try await api.member("cust-1", email: "ana@example.com")
            try await api.credit(ana, 5)
            var visitor = PortalVisitor(api)
            try await visitor.signIn("ana@example.com", memberId: ana)
            let page = try await visitor.get("/play")
            let csrf = try #require(PortalVisitor.hidden("_csrf", in: page))
            let token = try #require(try Self.form(page, action: "/play/wheels/lucky/spin").token)

            // Without the session's CSRF token: 403, for each form.
            #expect(try await visitor.post("/play/wheels/lucky/spin", [("token", token)]).status == 403)
            #expect(try await visitor.post("/play/wheels/lucky/spin", [("_csrf", "forged"), ("token", token)]).status == 403)
            #expect(try await visitor.post("/play/challenges/walk/join", [("token", token)]).status == 403)
            #expect(try await visitor.post("/play/raffles/summer/enter", [("token", "t1")]).status == 403)

            // Spinning a wheel without plays, or without the points: 422 with the reason, nothing written.
            let noPlays = try await visitor.post("/play/wheels/review-wheel/spin", [("_csrf", csrf), ("token", "t2")])
            #expect(noPlays.status == 422 && noPlays.text.contains("You have no play left on Review wheel"), "\(noPlays.text)")
            let poor = try await visitor.post("/play/wheels/lucky/spin", [("_csrf", csrf), ("token", token)])
            #expect(poor.status == 422 && poor.text.contains("A spin of Lucky wheel needs 5 more points."), "\(poor.text)")
            #expect(try await Self.spins(api, ana).isEmpty)
            #expect(try await api.points(ana)["available"] as? Int == 5)
            // An unknown wheel, or a spin without its one-time key: not found.
            #expect(try await visitor.post("/play/wheels/nothing/spin", [("_csrf", csrf), ("token", "t3")]).status == 404)
            #expect(try await visitor.post("/play/wheels/lucky/spin", [("_csrf", csrf)]).status == 404)

            // Joining a challenge that needs no joining, or an unknown one.
            let notOptIn = try await visitor.post("/play/challenges/reviews/join", [("_csrf", csrf)])
            #expect(notOptIn.status == 422 && notOptIn.text.contains("“Three reviews a month” needs no joining"))
            #expect(try await visitor.post("/play/challenges/nothing/join", [("_csrf", csrf)]).status == 404)
            // Joining twice.
            #expect(try await visitor.post("/play/challenges/walk/join", [("_csrf", csrf)]).status == 303)
            let twice = try await visitor.post("/play/challenges/walk/join", [("_csrf", csrf)])
            #expect(twice.status == 422 && twice.text.contains("You already joined “Walk ten thousand steps”."))

            // A closed raffle takes no entries.
            let closed = try await visitor.post("/play/raffles/spring/enter", [("_csrf", csrf), ("token", "t4")])
            #expect(closed.status == 422 && closed.text.contains("Spring draw takes no more entries."), "\(closed.text)")
            #expect(try await Self.entries(api, ana).isEmpty)

            // The wheel's limit: two spins a day, then the date of the next.
            try await api.credit(ana, 100)
            for key in ["s1", "s2"] {
                #expect(try await visitor.post("/play/wheels/lucky/spin", [("_csrf", csrf), ("token", key)]).status == 303)
            }
            let limited = try await visitor.post("/play/wheels/lucky/spin", [("_csrf", csrf), ("token", "s3")])
            #expect(limited.status == 422 && limited.text.contains("Your next spin opens"), "\(limited.text)")
            #expect(try await Self.spins(api, ana).count == 2)
            #expect(try await visitor.get("/play").text.contains("You have used all your spins for now."))

            // Another member's spin is not found with Ana's session.
            let ben = try await api.member("cust-2", email: "ben@example.com")
            try await api.credit(ben, 100)
            let bens = try await api.post("/v1/members/\(ben)/games/lucky/spins", "")
            let bensId = try #require(bens.json["id"] as? String)
            #expect(try await visitor.get("/play/spins/\(bensId)").status == 404)
        }
    }

    @Test func aProgramWithoutPlayHasNoPlayLink() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer { api in
            let ana = try await api.member("cust-1", email: "ana@example.com")
            var visitor = PortalVisitor(api)
            try await visitor.signIn("ana@example.com", memberId: ana)
            #expect(!(try await visitor.get("")).text.contains("/p/prg_a/play"))
            let page = try await visitor.get("/play")
            #expect(page.status == 200 && page.text.contains("Nothing to play yet."))
        }
    }

    @Test func thePlayPageSpeaksTheMembersLanguage() async throws {
        let fixture = try await Self.make(.sqlite)
        try await fixture.withServer { api in
            let olena = try await api.member("cust-9", email: "olena@example.com", attributes: #"{"locale":"uk-UA"}"#)
            var visitor = PortalVisitor(api)
            try await visitor.signIn("olena@example.com", memberId: olena)
            let page = try await visitor.get("/play")
            #expect(page.text.contains("lang=\"uk\"") && page.text.contains("Крутіть колесо") && page.text.contains("0 з 3 штампів"), "\(page.text)")
        }
    }

    @Test(arguments: TestBackend.available)
    func theConsoleMemberPageShowsWhatTheMemberPlays(backend: TestBackend) async throws {
        let fixture = try await ConsoleFixture.make(backend)
        let http = fixture.http
        _ = try await http.store.applyProgram(id: "prg_a", definition: try ProgramDefinition.parse(Self.program), source: Self.program,
                                              now: HTTPFixture.start, idempotency: nil)
        try await http.withServer { api in
            let ana = try await api.member("cust-1", email: "ana@example.com")
            try await api.credit(ana, 100)
            let code = try #require((try await api.get("/v1/members/\(ana)").json["referral"] as? [String: Any])?["code"] as? String)
            #expect(try await api.post("/v1/members", #"{"external_id":"cust-2","name":"Ben Kaya","referral_code":"\#(code)"}"#).status == 201)
            #expect(try await api.post("/v1/members/\(ana)/games/lucky/spins", "").status == 201)
            #expect(try await api.post("/v1/raffles/summer/entries", #"{"member_id":"\#(ana)"}"#).status == 201)
            #expect(try await ChallengeRouteTests.review(api, ana, at: "2026-03-03T09:00:00Z").status == 201)

            let page = try await api.console(.get, "/admin/members/\(ana)", as: "support", in: fixture)
            #expect(page.status == 200)
            let text = page.text
            #expect(text.contains("id=\"member-challenges\"") && text.contains("Three reviews a month") && text.contains("1 of 3, 29 days left"), "\(text)")
            #expect(text.contains("Not joined (opt-in)"))
            #expect(text.contains("Every 3rd coffee: 0 / 3"))
            #expect(text.contains(code) && text.contains("Ben Kaya</a></td><td>Enrolled</td>"), "\(text)")
            #expect(text.contains("id=\"member-spins\"") && text.contains("Lucky wheel"))
            #expect(text.contains("id=\"member-raffle-entries\"") && text.contains("Summer draw"))
            // A member of a program without play has no play section.
            let plain = try await api.post("/v1/members", #"{"external_id":"x-1"}"#, key: http.otherAdmin)
            let plainId = try #require(plain.json["id"] as? String)
            let other = try await api.console(.get, "/admin/members/\(plainId)", as: "other-owner", in: fixture)
            #expect(other.status == 200 && !other.text.contains("id=\"play\""), "\(other.status)")
        }
    }
}
