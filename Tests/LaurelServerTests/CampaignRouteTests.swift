import Foundation
import LaurelCore
import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// `GET /v1/campaigns` and `GET /v1/campaigns/{id}`, and campaign points in an event's explanation.
struct CampaignRouteTests {
    static let program = """
        name: HTTP campaigns
        currency: EUR
        earning_rules:
          - {id: spend, event: purchase, effect: {type: points_per_amount, points: 1, per: 1}}
        campaigns:
          - id: app-week
            name: App week
            start: 2026-03-01
            end: 2026-03-08
            audience: {channels: [app], holdout: 0.5, seed: app-week}
            effects:
              rules:
                - {id: app-double, event: purchase, effect: {type: multiplier, factor: 2}}
          - id: later
            name: Later
            start: 2026-04-01
            end: 2026-05-01
            effects: {points_gift: 10}
        """

    static func fixture(_ backend: TestBackend) async throws -> HTTPFixture {
        let fixture = try await HTTPFixture.make(backend)
        _ = try await fixture.store.applyProgram(id: "prg_a", definition: try ProgramDefinition.parse(program), source: program,
                                                 now: HTTPFixture.start, idempotency: nil)
        return fixture
    }

    @Test(arguments: TestBackend.available)
    func campaignsAreListedWithTheirStatusAndReportWhatTheyDid(backend: TestBackend) async throws {
        let fixture = try await Self.fixture(backend)
        try await fixture.withServer { client in
            let list = try await client.get("/v1/campaigns")
            #expect(list.status == 200, "\(list.text)")
            let data = try #require(list.json["data"] as? [[String: Any]])
            #expect(data.map { $0["id"] as? String } == ["app-week", "later"])
            #expect(data.map { $0["status"] as? String } == ["active", "scheduled"])
            #expect(data[0]["object"] as? String == "campaign" && data[0]["figures"] == nil)
            let page = try await client.get("/v1/campaigns?limit=1")
            #expect(page.json["has_more"] as? Bool == true && page.json["next_cursor"] as? String == "app-week")
            let rest = try await client.get("/v1/campaigns?limit=1&starting_after=app-week")
            #expect(((rest.json["data"] as? [[String: Any]])?.map { $0["id"] as? String }) == ["later"] && rest.json["has_more"] as? Bool == false)
            let afterAll = try await client.get("/v1/campaigns?starting_after=nope")
            #expect(afterAll.status == 200 && (afterAll.json["data"] as? [Any])?.isEmpty == true)
            #expect((try await client.get("/v1/campaigns?starting_after=b").json["data"] as? [[String: Any]])?.map { $0["id"] as? String } == ["later"])

            // Find one member in the audience and one in the holdout.
            let audience = CampaignAudience(holdout: Amount("0.5"), seed: "app-week")
            var treated: String?, held: String?
            var index = 0
            while treated == nil || held == nil {
                let id = try await client.member("m-\(index)")
                index += 1
                switch audience.placement(memberId: id, campaignId: "app-week") {
                case .audience where treated == nil: treated = id
                case .holdout where held == nil: held = id
                default: break
                }
            }
            func buy(_ member: String, channel: String, at time: String) async throws -> HTTPFixture.Client.Answer {
                try await client.post("/v1/events", #"""
                    {"member_id":"\#(member)","type":"purchase","occurred_at":"\#(time)","channel":"\#(channel)","purchase":{"currency":"EUR","total":"40.00"}}
                    """#, key: fixture.integration)
            }
            let bought = try await buy(try #require(treated), channel: "app", at: "2026-03-02T09:00:00Z")
            #expect(bought.status == 201, "\(bought.text)")
            let rules = try #require((bought.json["outcome"] as? [String: Any])?["rules"] as? [[String: Any]])
            #expect(rules.map { $0["points"] as? Int } == [40, 40])
            #expect(rules[0]["campaign"] == nil && rules[1]["campaign"] as? String == "app-week")
            #expect(try await buy(try #require(held), channel: "app", at: "2026-03-02T10:00:00Z").json["points"] as? Int == 40)
            #expect(try await buy(try #require(treated), channel: "store", at: "2026-03-02T11:00:00Z").json["points"] as? Int == 40)
            #expect(try await buy(try #require(treated), channel: "app", at: "2026-02-27T11:00:00Z").json["points"] as? Int == 40)

            let detail = try await client.get("/v1/campaigns/app-week")
            #expect(detail.status == 200, "\(detail.text)")
            #expect(detail.json["status"] as? String == "active")
            let figures = try #require(detail.json["figures"] as? [String: Any])
            #expect(figures["members_reached"] as? Int == 1 && figures["points_from_rules"] as? Int == 40 && figures["points_from_gifts"] as? Int == 0)
            let treatedGroup = try #require(figures["audience"] as? [String: Any]), heldGroup = try #require(figures["holdout"] as? [String: Any])
            #expect(treatedGroup["purchases"] as? Int == 2 && treatedGroup["spend"] as? String == "80.00" && treatedGroup["buyers"] as? Int == 1)
            #expect(heldGroup["purchases"] as? Int == 1 && heldGroup["spend"] as? String == "40.00" && heldGroup["buyers"] as? Int == 1)
            #expect((treatedGroup["members"] as? Int ?? 0) + (heldGroup["members"] as? Int ?? 0) == index)
        }
    }

    @Test(arguments: TestBackend.available)
    func anUnknownCampaignOrAnotherProgramsIsNotFound(backend: TestBackend) async throws {
        let fixture = try await Self.fixture(backend)
        try await fixture.withServer { client in
            let unknown = try await client.get("/v1/campaigns/nope")
            #expect(unknown.status == 404 && unknown.code == "not_found")
            // Program B has no campaigns: A's campaign is not B's.
            let other = try await client.get("/v1/campaigns/app-week", key: fixture.otherAdmin)
            #expect(other.status == 404 && other.code == "not_found")
            #expect((try await client.get("/v1/campaigns", key: fixture.otherAdmin).json["data"] as? [Any])?.count == 0)
            #expect(try await client.get("/v1/campaigns", key: "lk_nope").status == 401)
        }
    }

    @Test(arguments: TestBackend.available)
    func aProgramWithAnUnknownCampaignRewardIsRefusedWithItsPath(backend: TestBackend) async throws {
        let fixture = try await Self.fixture(backend)
        let text = """
            name: Unknown rewards
            currency: EUR
            campaigns:
              - {id: c, start: 2026-03-01, end: 2026-03-08, effects: {reward_gift: tote-bag}}
            birthday: {reward: cake}
            """
        let definition = try ProgramDefinition.parse(text)
        let error = try await #require(throws: ProgramValidationError.self) {
            _ = try await fixture.store.applyProgram(id: "prg_a", definition: definition, source: text, now: HTTPFixture.start, idempotency: nil)
        }
        #expect(error.issues.map(\.path) == ["campaigns[0].effects.reward_gift", "birthday.reward"])
    }
}
