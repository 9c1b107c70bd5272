import Foundation
import LaurelCore
import LaurelTestSupport
import Testing

/// A tier kept by the points balance, over HTTP: the member view shows the balance as the basis
/// and what the next tier still needs; a redemption lowers the tier with its own source; a window
/// on such a basis is refused with its path.
@Suite struct TierBalanceRouteTests {
    static let program = """
        name: Balance tiers
        currency: EUR
        earning_rules:
          - id: spend
            event: purchase
            effect: {type: points_per_amount, points: 10, per: 1}
        tiers:
          basis: points_balance
          downgrade: {policy: automatic}
          levels:
            - {id: member, name: Member, threshold: 0}
            - {id: silver, name: Silver, threshold: 100}
            - {id: gold, name: Gold, threshold: 300}
        """

    @Test(arguments: TestBackend.available)
    func theMemberViewShowsTheBalanceAndSpendingLowersTheTier(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let applied = try await api.call(.put, "/v1/program", key: fixture.admin, body: Self.program)
            #expect(applied.status == 200, "\(applied.text)")
            let member = try await api.member("b1")
            let bought = try await api.purchase(member, total: "35.00")
            #expect((bought.json["outcome"] as? [String: Any])?["tier"] as? String == "gold", "\(bought.text)")
            var view = try await api.get("/v1/members/\(member)")
            var tier = try #require(view.json["tier"] as? [String: Any], "\(view.text)")
            #expect(tier["id"] as? String == "gold" && tier["next_tier"] == nil)
            #expect(tier["basis"] as? [String: String] == ["type": "points_balance", "value": "350"])
            #expect((tier["keep"] as? [String: Any])?["missing"] as? String == "0")

            let reward = try await api.post("/v1/rewards", #"{"id":"mug","name":"Mug","type":"free_product","sku":"MUG","cost":300}"#)
            #expect(reward.status == 201, "\(reward.text)")
            let redeemed = try await api.post("/v1/redemptions", #"{"member_id":"\#(member)","reward_id":"mug"}"#, key: fixture.integration,
                                           idempotencyKey: "mug-1")
            #expect(redeemed.status == 201, "\(redeemed.text)")
            let redemptionId = try #require(redeemed.json["id"] as? String)

            view = try await api.get("/v1/members/\(member)")
            tier = try #require(view.json["tier"] as? [String: Any], "\(view.text)")
            #expect(tier["id"] as? String == "member" && view.json["tier_id"] as? String == "member")
            #expect(tier["basis"] as? [String: String] == ["type": "points_balance", "value": "50"])
            #expect((tier["next_tier"] as? [String: Any])?["id"] as? String == "silver")
            #expect((tier["next_tier"] as? [String: Any])?["missing"] as? String == "50")
            #expect(tier["keep"] == nil, "the first level cannot be lost")
            let history = try #require(try await api.get("/v1/members/\(member)/tier-history").json["data"] as? [[String: Any]])
            #expect(history.first?["reason"] as? String == "basis_fell" && history.first?["source_id"] as? String == redemptionId)
            #expect(history.first?["from"] as? String == "gold" && history.first?["to"] as? String == "member")
        }
    }

    @Test(arguments: TestBackend.available)
    func aWindowOnTheBalanceIsRefused(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let program = Self.program.replacingOccurrences(of: "  basis: points_balance\n", with: "  basis: points_balance\n  window: calendar_year\n")
            let answer = try await api.call(.put, "/v1/program", key: fixture.admin, body: program)
            #expect(answer.status == 422 && answer.code == "invalid_program", "\(answer.text)")
            let paths = (answer.json["errors"] as? [[String: Any]])?.compactMap { $0["path"] as? String } ?? []
            #expect(paths == ["tiers.window"], "\(answer.text)")
        }
    }
}
