import Foundation
import HTTPTypes
import LaurelCore
import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// `GET /v1/members/{id}/challenges`, `…/challenges/{challenge_id}/join` and `…/badges` over HTTP on
/// each backend, with time moved by the injected clock, member tokens and bad input.
struct ChallengeRouteTests {
    static let program = HTTPFixture.program + """

        timezone: Europe/Istanbul
        badges:
          - {id: critic, name: Critic, names: {tr: Eleştirmen}, image_url: "https://cdn.example.com/critic.png"}
        challenges:
          - {id: reviews, name: Three reviews a month, event: review, measure: count, target: 3, repeat: monthly, points: 100, badge: critic}
          - {id: walk, name: Walk ten thousand steps, event: steps, measure: sum, attribute: steps, target: 10000, opt_in: true, points: 20}
        """

    static func review(_ api: HTTPFixture.Client, _ member: String, at: String, key: String? = nil) async throws -> HTTPFixture.Client.Answer {
        try await api.post("/v1/events", #"{"member_id":"\#(member)","type":"review","occurred_at":"\#(at)"}"#, key: key)
    }

    static func challenge(_ answer: HTTPFixture.Client.Answer, _ id: String) throws -> [String: Any] {
        try #require((answer.json["data"] as? [[String: Any]])?.first { $0["challenge_id"] as? String == id }, "\(answer.text)")
    }

    @Test(arguments: TestBackend.available)
    func progressCompletionAndBadge(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            #expect(try await api.call(.put, "/v1/program", key: fixture.admin, body: Self.program).status == 200)
            let ana = try await api.member("ana")
            // The clock: 2026-03-03T10:00Z. Two reviews (the review rule allows two a day).
            #expect(try await Self.review(api, ana, at: "2026-03-03T09:00:00Z").status == 201)
            #expect(try await Self.review(api, ana, at: "2026-03-03T09:30:00Z").status == 201)
            let reviews = try Self.challenge(try await api.get("/v1/members/\(ana)/challenges"), "reviews")
            #expect(reviews["progress"] as? Int == 2 && reviews["target"] as? Int == 3 && reviews["status"] as? String == "active")
            // March ends at midnight in Istanbul: 21:00 UTC.
            #expect(reviews["ends_at"] as? String == "2026-03-31T21:00:00.000Z")
            #expect(reviews["names"] as? [String: String] == [:] && reviews["repeat"] as? String == "monthly")
            let walk = try Self.challenge(try await api.get("/v1/members/\(ana)/challenges"), "walk")
            #expect(walk["status"] as? String == "not_joined" && walk["ends_at"] is NSNull)

            fixture.clock.advance(by: 86_400) // 2026-03-04T10:00Z: a new day for the review rule
            let third = try await Self.review(api, ana, at: "2026-03-04T09:00:00Z")
            #expect(third.status == 201 && third.json["points"] as? Int == 150, "\(third.text)")
            let rules = try #require((third.json["outcome"] as? [String: Any])?["rules"] as? [[String: Any]])
            #expect(rules.last?["rule_id"] as? String == "challenge:reviews" && rules.last?["points"] as? Int == 100)
            let done = try Self.challenge(try await api.get("/v1/members/\(ana)/challenges"), "reviews")
            #expect(done["status"] as? String == "completed" && done["progress"] as? Int == 3 && done["completions"] as? Int == 1)
            let badges = try await api.get("/v1/members/\(ana)/badges")
            let badge = try #require((badges.json["data"] as? [[String: Any]])?.first, "\(badges.text)")
            #expect(badge["badge_id"] as? String == "critic" && badge["image_url"] as? String == "https://cdn.example.com/critic.png")
            #expect(badge["names"] as? [String: String] == ["tr": "Eleştirmen"] && badge["challenge_id"] as? String == "reviews")
            let thirdId = try #require(third.json["id"] as? String)
            #expect(badge["event_id"] as? String == thirdId && badge["description"] is NSNull)

            let messages = try await api.get("/v1/messages?limit=500", key: fixture.admin)
            let types = (messages.json["data"] as? [[String: Any]])?.compactMap { $0["type"] as? String } ?? []
            #expect(types.filter { $0 == MessageType.challengeCompleted }.count == 1 && types.filter { $0 == MessageType.badgeAwarded }.count == 1)

            // April in Istanbul: the monthly challenge starts over.
            fixture.clock.advance(by: 28 * 86_400 + 12 * 3600)
            let april = try Self.challenge(try await api.get("/v1/members/\(ana)/challenges"), "reviews")
            #expect(april["status"] as? String == "active" && april["progress"] as? Int == 0 && april["completions"] as? Int == 1)
            #expect(april["ends_at"] as? String == "2026-04-30T21:00:00.000Z")
        }
    }

    @Test(arguments: TestBackend.available)
    func joiningAndItsRefusals(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            #expect(try await api.call(.put, "/v1/program", key: fixture.admin, body: Self.program).status == 200)
            let ana = try await api.member("ana")
            let steps = #"{"member_id":"\#(ana)","type":"steps","attributes":{"steps":8000}}"#
            #expect(try await api.post("/v1/events", steps).status == 201)
            #expect(try Self.challenge(try await api.get("/v1/members/\(ana)/challenges"), "walk")["progress"] as? Int == 0)

            let joined = try await api.call(.post, "/v1/members/\(ana)/challenges/walk/join", key: fixture.integration, idempotencyKey: "join-1")
            #expect(joined.status == 201 && joined.json["status"] as? String == "active" && joined.json["joined_at"] as? String != nil, "\(joined.text)")
            let replayed = try await api.call(.post, "/v1/members/\(ana)/challenges/walk/join", key: fixture.integration, idempotencyKey: "join-1")
            #expect(replayed.status == 201 && replayed.headers[HTTPField.Name("Idempotent-Replayed")!] == "true" && replayed.body == joined.body)

            let twice = try await api.call(.post, "/v1/members/\(ana)/challenges/walk/join", key: fixture.integration)
            #expect(twice.status == 409 && twice.code == "challenge_already_joined")
            let notOptIn = try await api.call(.post, "/v1/members/\(ana)/challenges/reviews/join", key: fixture.integration)
            #expect(notOptIn.status == 422 && notOptIn.code == "challenge_not_opt_in")
            let unknown = try await api.call(.post, "/v1/members/\(ana)/challenges/nope/join", key: fixture.integration)
            #expect(unknown.status == 404 && unknown.code == "not_found")
            #expect(try await api.call(.post, "/v1/members/mem_nope/challenges/walk/join", key: fixture.integration).status == 404)
            #expect(try await api.call(.post, "/v1/members/\(ana)/challenges/walk/join", key: fixture.read).status == 403)
            #expect(try await api.get("/v1/members/mem_nope/challenges").status == 404)
            #expect(try await api.get("/v1/members/mem_nope/badges").status == 404)

            // Steps before joining did not count; after it they do.
            #expect(try await api.post("/v1/events", steps).status == 201)
            let walk = try Self.challenge(try await api.get("/v1/members/\(ana)/challenges"), "walk")
            #expect(walk["progress"] as? Int == 8000 && walk["status"] as? String == "active")
            let done = try await api.post("/v1/events", steps)
            #expect(done.json["points"] as? Int == 20, "\(done.text)")
            #expect(try Self.challenge(try await api.get("/v1/members/\(ana)/challenges"), "walk")["progress"] as? Int == 10000)
        }
    }

    @Test(arguments: TestBackend.available)
    func membersSeeAndJoinOnlyTheirOwn(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            #expect(try await api.call(.put, "/v1/program", key: fixture.admin, body: Self.program).status == 200)
            let ana = try await api.member("ana"), ben = try await api.member("ben")
            let issued = try await api.post("/v1/members/\(ana)/tokens", "{}", key: fixture.integration)
            let token = try #require(issued.json["token"] as? String, "\(issued.text)")
            #expect(try await api.get("/v1/members/\(ana)/challenges", key: token).status == 200)
            #expect(try await api.get("/v1/members/\(ana)/badges", key: token).status == 200)
            #expect(try await api.call(.post, "/v1/members/\(ana)/challenges/walk/join", key: token).status == 201)
            #expect(try await api.get("/v1/members/\(ben)/challenges", key: token).status == 404)
            #expect(try await api.get("/v1/members/\(ben)/badges", key: token).status == 404)
            #expect(try await api.call(.post, "/v1/members/\(ben)/challenges/walk/join", key: token).status == 404)
        }
    }
}
