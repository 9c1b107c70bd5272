import Foundation
import LaurelCore
import LaurelServer
import LaurelTestSupport
import Testing

/// Referrals and punch cards over HTTP: the code and link in the member view, enrolling with a
/// code (and with a bad one), the referrer's list (also with their own member token), punch card
/// progress, and the events that drive them.
struct ReferralRouteTests {
    /// A fixture whose program A has the play sections.
    static func make(_ backend: TestBackend) async throws -> HTTPFixture {
        let fixture = try await HTTPFixture.make(backend)
        let text = HTTPFixture.program + "\n" + HTTPFixture.playSections
        _ = try await fixture.store.applyProgram(id: "prg_a", definition: try ProgramDefinition.parse(text), source: text, now: HTTPFixture.start,
                                                 idempotency: nil)
        return fixture
    }

    static func coffee(_ api: HTTPFixture.Client, _ member: String, price: String = "30.00") async throws -> HTTPFixture.Client.Answer {
        let answer = try await api.post("/v1/events", #"""
            {"member_id":"\#(member)","type":"purchase","purchase":{"currency":"EUR","lines":[{"sku":"ESP","category":"coffee","unit_price":"\#(price)"}]}}
            """#)
        #expect(answer.status == 201, "\(answer.text)")
        return answer
    }

    @Test(arguments: TestBackend.available)
    func aFriendEnrolsWithTheCodeAndTheirPurchaseRewardsTheReferrer(backend: TestBackend) async throws {
        let fixture = try await Self.make(backend)
        try await fixture.withServer { api in
            let ann = try await api.member("ref-ann")
            let view = try await api.get("/v1/members/\(ann)")
            let referral = try #require(view.json["referral"] as? [String: Any], "\(view.text)")
            let code = try #require(referral["code"] as? String)
            #expect(code.count == 8 && referral["link"] as? String == "https://brand.example/join?ref=\(code)")
            // The same code every time.
            #expect((try await api.get("/v1/members/\(ann)").json["referral"] as? [String: Any])?["code"] as? String == code)

            let created = try await api.post("/v1/members", #"{"external_id":"ref-bob","email":"bob@example.com","referral_code":"\#(code.lowercased())"}"#,
                                             idempotencyKey: "ref-bob")
            #expect(created.status == 201, "\(created.text)")
            let bob = try #require(created.json["id"] as? String)
            #expect(try await api.points(bob)["available"] as? Int == 100)
            _ = try await Self.coffee(api, bob)
            // 500 pending for Ann through the 14-day return window.
            #expect(try await api.points(ann)["pending"] as? Int == 500)

            let list = try await api.get("/v1/members/\(ann)/referrals")
            #expect(list.status == 200 && list.json["object"] as? String == "list" && list.json["has_more"] as? Bool == false)
            let friend = try #require((list.json["data"] as? [[String: Any]])?.first)
            #expect(friend["object"] as? String == "referral" && friend["friend_id"] as? String == bob && friend["status"] as? String == "purchased")
            let grants = try #require(friend["grants"] as? [[String: Any]])
            #expect(Set(grants.compactMap { $0["reward_rule"] as? String }) == ["welcome", "first"])

            // Ann may read her own list with her member token; not Bob's.
            let token = try await MemberTokenRouteTests.token(api, ann)
            #expect(try await api.get("/v1/members/\(ann)/referrals", key: token).status == 200)
            #expect(try await api.get("/v1/members/\(bob)/referrals", key: token).status == 404)

            // Past the window: rewarded.
            fixture.clock.advance(by: 15 * 86_400)
            let later = try await api.get("/v1/members/\(ann)/referrals")
            #expect((later.json["data"] as? [[String: Any]])?.first?["status"] as? String == "rewarded")
        }
    }

    @Test(arguments: TestBackend.available)
    func badCodesAndSelfReferralsAreAnswered(backend: TestBackend) async throws {
        let fixture = try await Self.make(backend)
        try await fixture.withServer { api in
            let unknown = try await api.post("/v1/members", #"{"external_id":"ref-x","referral_code":"ZZZZZZZZ"}"#)
            #expect(unknown.status == 422 && unknown.code == "unknown_referral_code" && unknown.field == "referral_code", "\(unknown.text)")
            let members = try #require(try await api.get("/v1/members?external_id=ref-x").json["data"] as? [Any])
            #expect(members.isEmpty, "nothing was created")
            let empty = try await api.post("/v1/members", #"{"external_id":"ref-y","referral_code":""}"#)
            #expect(empty.status == 422 && empty.field == "referral_code")
            let wrongType = try await api.post("/v1/members", #"{"external_id":"ref-y","referral_code":7}"#)
            #expect(wrongType.status == 422 || wrongType.status == 400, "\(wrongType.text)")
            let readOnly = try await api.post("/v1/members", #"{"external_id":"ref-y","referral":{"code":"X"}}"#)
            #expect(readOnly.status == 422 && readOnly.code == "read_only_field")

            // The same email as the referrer: enrolled, refused, nothing given.
            let ann = try await api.post("/v1/members", #"{"external_id":"ref-ann","email":"ann@example.com","attributes":{"device_id":"d-1"}}"#)
            let annId = try #require(ann.json["id"] as? String)
            let code = try #require((try await api.get("/v1/members/\(annId)").json["referral"] as? [String: Any])?["code"] as? String)
            let twin = try await api.post("/v1/members", #"{"external_id":"ref-ann-2","email":"ANN+2@example.com","referral_code":"\#(code)"}"#)
            #expect(twin.status == 201)
            let device = try await api.post("/v1/members", #"{"external_id":"ref-ann-3","attributes":{"device_id":"d-1"},"referral_code":"\#(code)"}"#)
            #expect(device.status == 201)
            let friends = try #require(try await api.get("/v1/members/\(annId)/referrals").json["data"] as? [[String: Any]])
            #expect(Set(friends.compactMap { $0["refusal"] as? String }) == ["same_email", "shared_fingerprint"])
            #expect(friends.allSatisfy { $0["status"] as? String == "refused" && ($0["grants"] as? [Any])?.isEmpty == true })
            #expect(try await api.points(try #require(twin.json["id"] as? String))["available"] as? Int == 0)
            #expect(try await api.get("/v1/members/mem_nobody/referrals").status == 404)
        }
    }

    @Test(arguments: TestBackend.available)
    func punchCardProgressIsInTheMemberView(backend: TestBackend) async throws {
        let fixture = try await Self.make(backend)
        try await fixture.withServer { api in
            let cleo = try await api.member("punch-cleo")
            var cards = try #require(try await api.get("/v1/members/\(cleo)/punch-cards").json["data"] as? [[String: Any]])
            #expect(cards.count == 1 && cards[0]["card_id"] as? String == "coffee" && cards[0]["stamps"] as? Int == 0 && cards[0]["required"] as? Int == 3)
            _ = try await Self.coffee(api, cleo, price: "3.00")
            _ = try await Self.coffee(api, cleo, price: "3.00")
            let summary = try #require(try await api.get("/v1/members/\(cleo)").json["punch_cards"] as? [[String: Any]])
            #expect(summary.first?["stamps"] as? Int == 2 && summary.first?["remaining"] as? Int == 1)
            let before = try await api.points(cleo)["pending"] as? Int ?? 0
            _ = try await Self.coffee(api, cleo, price: "3.00")
            cards = try #require(try await api.get("/v1/members/\(cleo)/punch-cards").json["data"] as? [[String: Any]])
            #expect(cards[0]["stamps"] as? Int == 0 && cards[0]["completions"] as? Int == 1)
            // The card's 50 points are available at once, beside the purchase's pending ones.
            let points = try await api.points(cleo)
            #expect(points["available"] as? Int == 50 && (points["pending"] as? Int ?? 0) > before)
            let token = try await MemberTokenRouteTests.token(api, cleo)
            #expect(try await api.get("/v1/members/\(cleo)/punch-cards", key: token).status == 200)
            #expect(try await api.get("/v1/members/mem_nobody/punch-cards").status == 404)
        }
    }
}
