import Foundation
import LaurelCore
import LaurelStore
import LaurelTestSupport
import Testing

/// `/v1/members/{id}/games…`: a spin pays, draws and credits in one write; the per-member limit
/// follows the (injected) clock; a retry with the same key pays once; a member who cannot pay gets
/// 422 and nothing is written.
@Suite struct GameRouteTests {
    static let program = HTTPFixture.program + """

        games:
          wheels:
            - id: lucky
              name: Lucky wheel
              cost: {points: 10}
              plays:
                earned_by: {event: review, plays: 1}
                per_member: {max: 2, period: day}
              prizes:
                - {id: bonus, weight: 1, points: 25}
                - {id: nothing, weight: 1}
            - id: gifts
              name: Gift wheel
              cost: {points: 1}
              prizes:
                - {id: mug, weight: 1, reward: mug}
          raffles:
            - id: summer
              name: Summer draw
              entries: {cost_points: 1, earned_by: {event: review, entries: 1}}
              draw_at: "2030-01-01T00:00:00Z"
              winners: 2
              prize: {points: 100}
            - id: spring
              name: Spring draw
              entries: {cost_points: 1}
              draw_at: "2026-01-01T00:00:00Z"
              winners: 1
            - id: winter
              name: Winter draw
              entries: {cost_points: 1}
              draw_at: "2026-01-01T00:00:00Z"
              winners: 1
        """

    static func make(_ backend: TestBackend) async throws -> HTTPFixture {
        let fixture = try await HTTPFixture.make(backend)
        _ = try await fixture.store.applyProgram(id: "prg_a", definition: try ProgramDefinition.parse(program), source: program,
                                                 now: HTTPFixture.start, idempotency: nil)
        return fixture
    }

    static func fund(_ api: HTTPFixture.Client, _ member: String, _ points: Int) async throws {
        #expect(try await api.post("/v1/members/\(member)/adjustments", #"{"points":\#(points),"reason":"setup"}"#).status == 201)
    }

    @Test(arguments: TestBackend.available)
    func theLimitPerDayReopensWhenTheClockReachesTheNextDay(backend: TestBackend) async throws {
        let fixture = try await Self.make(backend)
        try await fixture.withServer { api in
            let member = try await api.member("g1")
            try await Self.fund(api, member, 100)
            for _ in 0..<2 { #expect(try await api.post("/v1/members/\(member)/games/lucky/spins", "").status == 201) }
            let third = try await api.post("/v1/members/\(member)/games/lucky/spins", "")
            #expect(third.status == 422 && third.code == "play_limit_reached", "\(third.text)")
            #expect(third.json["next_play_at"] as? String == "2026-03-04T00:00:00.000Z")
            let wheels = try #require(try await api.get("/v1/members/\(member)/games").json["data"] as? [[String: Any]])
            #expect(wheels.first?["spins_left_in_period"] as? Int == 0)
            fixture.clock.advance(by: 14 * 3_600)
            let nextDay = try await api.post("/v1/members/\(member)/games/lucky/spins", "")
            #expect(nextDay.status == 201, "\(nextDay.text)")
            let spins = try #require(try await api.get("/v1/members/\(member)/games/spins").json["data"] as? [[String: Any]])
            #expect(spins.count == 3)
        }
    }

    @Test(arguments: TestBackend.available)
    func aRetryWithTheSameKeyPaysOnce(backend: TestBackend) async throws {
        let fixture = try await Self.make(backend)
        try await fixture.withServer { api in
            let member = try await api.member("g2")
            try await Self.fund(api, member, 30)
            let first = try await api.post("/v1/members/\(member)/games/lucky/spins", "", key: fixture.integration, idempotencyKey: "spin-1")
            #expect(first.status == 201, "\(first.text)")
            let replay = try await api.post("/v1/members/\(member)/games/lucky/spins", "", key: fixture.integration, idempotencyKey: "spin-1")
            #expect(replay.status == 201 && replay.text == first.text && replay.headers[.init("Idempotent-Replayed")!] == "true")
            let prize = try #require((first.json["prize"] as? [String: Any])?["points"] as? Int)
            #expect(first.json["paid_with"] as? String == "points" && first.json["cost_points"] as? Int == 10)
            #expect((first.json["balance"] as? [String: Any])?["available"] as? Int == 30 - 10 + prize)
            #expect(try await api.points(member)["available"] as? Int == 30 - 10 + prize)
            let spins = try #require(try await api.get("/v1/games/spins", key: fixture.admin).json["data"] as? [[String: Any]])
            #expect(spins.count == 1)
        }
    }

    @Test(arguments: TestBackend.available)
    func aRewardPrizeIsIssuedUntilItsStockIsOutThenSaysWhy(backend: TestBackend) async throws {
        let fixture = try await Self.make(backend)
        try await fixture.withServer { api in
            #expect(try await api.post("/v1/rewards", #"{"id":"mug","name":"Mug","type":"free_product","sku":"M","cost":50,"stock":1}"#,
                                       key: fixture.admin).status == 201)
            let member = try await api.member("g-gift")
            try await Self.fund(api, member, 2)
            let first = try await api.post("/v1/members/\(member)/games/gifts/spins", "", key: fixture.integration)
            #expect(first.status == 201, "\(first.text)")
            let prize = try #require(first.json["prize"] as? [String: Any])
            let reward = try #require(prize["reward"] as? [String: Any])
            #expect(prize["id"] as? String == "mug" && prize["points"] as? Int == 0)
            #expect(reward["id"] as? String == "mug" && reward["status"] as? String == "issued")
            let redemptionId = try #require(reward["redemption_id"] as? String)
            let redemption = try await api.get("/v1/redemptions/\(redemptionId)", key: fixture.admin)
            #expect(redemption.status == 200 && redemption.json["member_id"] as? String == member && redemption.json["points"] as? Int == 0,
                    "\(redemption.text)")
            // The one mug is gone: the next spin on the slice stands, gives nothing and says why.
            let second = try await api.post("/v1/members/\(member)/games/gifts/spins", "", key: fixture.integration)
            #expect(second.status == 201, "\(second.text)")
            let empty = try #require((second.json["prize"] as? [String: Any])?["reward"] as? [String: Any])
            #expect(empty["status"] as? String == "out_of_stock" && empty["redemption_id"] == nil)
            let wheels = try #require(try await api.get("/v1/members/\(member)/games").json["data"] as? [[String: Any]])
            let gifts = try #require(wheels.first { $0["id"] as? String == "gifts" }?["prizes"] as? [[String: Any]])
            #expect(gifts.first?["reward"] as? String == "mug")
            let won = try #require(try await api.get("/v1/messages", key: fixture.admin).json["data"] as? [[String: Any]])
                .filter { $0["type"] as? String == "game.won" }
            #expect(won.count == 1)
        }
    }

    @Test(arguments: TestBackend.available)
    func aMemberWhoCannotPayGets422AndNothingIsWritten(backend: TestBackend) async throws {
        let fixture = try await Self.make(backend)
        try await fixture.withServer { api in
            let member = try await api.member("g3")
            try await Self.fund(api, member, 9)
            let ledgerBefore = try await api.ledgerCount(member)
            let refused = try await api.post("/v1/members/\(member)/games/lucky/spins", "", key: fixture.integration)
            #expect(refused.status == 422 && refused.code == "insufficient_points", "\(refused.text)")
            #expect(try await api.ledgerCount(member) == ledgerBefore)
            #expect(try await api.points(member)["available"] as? Int == 9)
            #expect((try await api.get("/v1/members/\(member)/games/spins").json["data"] as? [Any])?.isEmpty == true)
            // A review earns a free play: the same spin now goes through without touching the points.
            #expect(try await api.post("/v1/events", #"{"member_id":"\#(member)","type":"review"}"#, key: fixture.integration).status == 201)
            let played = try await api.post("/v1/members/\(member)/games/lucky/spins", "", key: fixture.integration)
            #expect(played.status == 201 && played.json["paid_with"] as? String == "play", "\(played.text)")
            // Unknown wheel, and a grant of no plays.
            #expect(try await api.post("/v1/members/\(member)/games/nope/spins", "", key: fixture.integration).status == 404)
            #expect(try await api.post("/v1/members/\(member)/games/lucky/plays", #"{"plays":0,"reason":"x"}"#).code == "invalid_field")
        }
    }
}
