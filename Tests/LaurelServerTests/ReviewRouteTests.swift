import Foundation
import LaurelCore
import LaurelStore
import LaurelTestSupport
import Testing

/// `/v1/reviews`: held events answer 202, staff list, approve (once, even concurrently) and
/// reject them with an admin key; bad input and a second decision get clear problems.
@Suite struct ReviewRouteTests {
    static let program = HTTPFixture.program + """

        fraud:
          hold: {amount_over: "500.00"}
          earning_caps:
            - {id: key-hour, per: api_key, period: hour, max_events: 3}
          redemption_caps:
            - {id: member-day, per: member, period: day, max_redemptions: 1}
        """

    static func make(_ backend: TestBackend) async throws -> HTTPFixture {
        let fixture = try await HTTPFixture.make(backend)
        _ = try await fixture.store.applyProgram(id: "prg_a", definition: try ProgramDefinition.parse(program), source: program,
                                                 now: HTTPFixture.start, idempotency: nil)
        return fixture
    }

    @Test(arguments: TestBackend.available)
    func aHeldEventIsListedApprovedOnceAndCredited(backend: TestBackend) async throws {
        let fixture = try await Self.make(backend)
        try await fixture.withServer { api in
            let member = try await api.member("r1")
            let held = try await api.purchase(member, total: "600.00", key: fixture.integration, idempotencyKey: "held-1")
            #expect(held.status == 202, "\(held.text)")
            #expect(held.json["status"] as? String == "held" && held.json["points"] as? Int == 0)
            let eventId = try #require(held.json["id"] as? String)
            let reviewId = try #require((held.json["outcome"] as? [String: Any])?["review_id"] as? String)
            let replay = try await api.purchase(member, total: "600.00", key: fixture.integration, idempotencyKey: "held-1")
            #expect(replay.status == 202 && replay.text == held.text && replay.headers[.init("Idempotent-Replayed")!] == "true")
            #expect(try await api.get("/v1/events/\(eventId)").status == 404)

            let list = try await api.get("/v1/reviews?status=pending", key: fixture.admin)
            #expect(list.status == 200, "\(list.text)")
            let items = try #require(list.json["data"] as? [[String: Any]])
            #expect(items.map { $0["id"] as? String } == [reviewId] && list.json["has_more"] as? Bool == false)
            #expect(items.first?["event_id"] as? String == eventId && items.first?["status"] as? String == "pending")
            #expect((items.first?["event"] as? [String: Any])?["type"] as? String == "purchase")
            #expect((items.first?["trips"] as? [[String: Any]])?.first?["name"] as? String == "hold:amount")
            #expect(try await api.get("/v1/reviews/\(reviewId)", key: fixture.admin).json["object"] as? String == "review")

            // Two approvals at once: one credits, the other is told the review is decided.
            async let first = api.post("/v1/reviews/\(reviewId)/approve", "", key: fixture.admin)
            async let second = api.post("/v1/reviews/\(reviewId)/approve", "", key: fixture.admin)
            let answers = try await [first, second]
            #expect(answers.map(\.status).sorted() == [200, 409], "\(answers.map(\.text))")
            let approved = try #require(answers.first { $0.status == 200 })
            #expect(approved.json["status"] as? String == "approved" && approved.json["points"] as? Int == 600)
            let conflict = try #require(answers.first { $0.status == 409 })
            #expect(conflict.code == "review_decided" && conflict.json["review_status"] as? String == "approved")
            #expect(conflict.headers[.contentType] == "application/problem+json")
            #expect(try await api.points(member)["pending"] as? Int == 600)
            let event = try await api.get("/v1/events/\(eventId)")
            #expect(event.status == 200 && event.json["points"] as? Int == 600)
            #expect(try await api.post("/v1/reviews/\(reviewId)/reject", "", key: fixture.admin).status == 409)
        }
    }

    @Test(arguments: TestBackend.available)
    func rejectionBadInputAndScopes(backend: TestBackend) async throws {
        let fixture = try await Self.make(backend)
        try await fixture.withServer { api in
            let member = try await api.member("r2")
            let held = try await api.purchase(member, total: "900.00", key: fixture.integration)
            let reviewId = try #require((held.json["outcome"] as? [String: Any])?["review_id"] as? String)
            // Admin only, and only the program's own reviews.
            #expect(try await api.get("/v1/reviews", key: fixture.integration).status == 403)
            #expect(try await api.post("/v1/reviews/\(reviewId)/approve", "", key: fixture.integration).status == 403)
            #expect(try await api.get("/v1/reviews/\(reviewId)", key: fixture.otherAdmin).status == 404)
            #expect(try await api.post("/v1/reviews/\(reviewId)/approve", "", key: fixture.otherAdmin).status == 404)
            let bad = try await api.get("/v1/reviews?status=maybe", key: fixture.admin)
            #expect(bad.status == 400 && bad.field == "status")
            #expect(try await api.get("/v1/reviews?limit=0", key: fixture.admin).field == "limit")
            #expect(try await api.post("/v1/reviews/rev_nope/reject", "", key: fixture.admin).status == 404)

            let rejected = try await api.post("/v1/reviews/\(reviewId)/reject", "", key: fixture.admin, idempotencyKey: "rej-1")
            #expect(rejected.status == 200 && rejected.json["status"] as? String == "rejected", "\(rejected.text)")
            let replayed = try await api.post("/v1/reviews/\(reviewId)/reject", "", key: fixture.admin, idempotencyKey: "rej-1")
            #expect(replayed.status == 200 && replayed.text == rejected.text)
            let again = try await api.post("/v1/reviews/\(reviewId)/approve", "", key: fixture.admin)
            #expect(again.status == 409 && again.code == "review_decided")
            #expect(try await api.points(member)["pending"] as? Int == 0)
            #expect(try await api.get("/v1/reviews?status=rejected", key: fixture.admin).json["data"].map { ($0 as? [Any])?.count } == 1)
        }
    }

    @Test(arguments: TestBackend.available)
    func capsTripPerKeyAndRefuseRedemptions(backend: TestBackend) async throws {
        let fixture = try await Self.make(backend)
        try await fixture.withServer { api in
            let member = try await api.member("r3")
            for _ in 0..<3 { #expect(try await api.purchase(member, total: "10.00", key: fixture.integration).status == 201) }
            let fourth = try await api.purchase(member, total: "10.00", key: fixture.integration)
            #expect(fourth.status == 202 && fourth.json["status"] as? String == "held")
            // Another key has its own count.
            #expect(try await api.purchase(member, total: "10.00", key: fixture.admin).status == 201)

            _ = try await api.post("/v1/members/\(member)/adjustments", #"{"points":500,"reason":"seed"}"#, key: fixture.admin)
            let reward = try await api.post("/v1/rewards", #"{"id":"cup","name":"Cup","type":"experience","cost":10,"stock":10}"#, key: fixture.admin)
            #expect(reward.status == 201, "\(reward.text)")
            let body = #"{"member_id":"\#(member)","reward_id":"cup"}"#
            #expect(try await api.post("/v1/redemptions", body, key: fixture.integration).status == 201)
            let refused = try await api.post("/v1/redemptions", body, key: fixture.integration)
            #expect(refused.status == 422 && refused.code == "velocity_cap_exceeded", "\(refused.text)")
            #expect(refused.text.contains("member-day"))
            let caps = try #require(refused.json["caps"] as? [[String: String]])
            #expect(caps == [["cap_id": "member-day", "measure": "count", "value": "2", "limit": "1", "window": "day"]])
        }
    }
}
