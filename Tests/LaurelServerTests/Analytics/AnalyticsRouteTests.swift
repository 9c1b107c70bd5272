import Foundation
import LaurelCore
import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// `GET /v1/analytics/…`: the dashboard's figures over HTTP for read keys and up (never member
/// tokens), per program, with a validated date range.
struct AnalyticsRouteTests {
    static let range = "from=2026-03-01&to=2026-03-31"

    @Test(arguments: TestBackend.available)
    func theDashboardAnswersEveryFigureOfTheRange(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        let definition = try #require(try await fixture.store.programVersion(programId: "prg_a", version: nil)).definition
        _ = try await fixture.store.putReward(programId: "prg_a", reward: try Reward.read(try ProgramSourceParser.parse(
            #"{"id": "mug", "name": "Mug <b>", "type": "experience", "cost": 500}"#), program: definition), now: HTTPFixture.start)
        try await fixture.withServer { api in
            let ana = try await api.member("ana")
            #expect(try await api.purchase(ana, total: "100.00").status == 201)
            #expect(try await api.post("/v1/events", #"{"member_id":"\#(ana)","type":"review"}"#).status == 201)
            let answer = try await api.get("/v1/analytics/dashboard?\(Self.range)")
            #expect(answer.status == 200, "\(answer.text)")
            let json = answer.json
            #expect(json["from"] as? String == "2026-03-01" && json["to"] as? String == "2026-03-31" && json["time_zone"] as? String == "UTC")
            let members = try #require(json["members"] as? [String: Int])
            #expect(members == ["total": 1, "new": 1, "active": 1, "active_days": 30])
            let points = try #require(json["points"] as? [String: Any])
            let days = try #require(points["days"] as? [[String: Any]])
            #expect(days.count == 31 && days.first?["date"] as? String == "2026-03-01" && days.last?["date"] as? String == "2026-03-31")
            let third = try #require(days.first { $0["date"] as? String == "2026-03-03" })
            #expect(third["issued"] as? Int == 150 && third["earned"] as? Int == 150 && third["spent"] as? Int == 0)
            #expect((points["totals"] as? [String: Int])?["issued"] == 150)
            let outstanding = try #require(points["outstanding"] as? [String: Any])
            #expect(outstanding["available"] as? Int == 50 && outstanding["pending"] as? Int == 100 && outstanding["total"] as? Int == 150)
            #expect(outstanding["liability"] as? String == "1.50" && outstanding["currency"] as? String == "EUR" && outstanding["point_value"] as? String == "0.01")
            #expect(points["redemption_rate"] as? String == "0.0000" && points["breakage_rate"] as? String == "0.0000")
            let tiers = try #require(json["tiers"] as? [String: Any])
            #expect((tiers["distribution"] as? [[String: Any]])?.map { $0["members"] as? Int } == [1], "one member, in no tier")
            #expect((tiers["distribution"] as? [[String: Any]])?.first?["tier"] is NSNull)
            let rewards = try #require(json["rewards"] as? [String: Any])
            #expect((rewards["unredeemed"] as? [[String: String]]) == [["reward_id": "mug", "name": "Mug <b>"]])
            #expect((rewards["top"] as? [Any])?.isEmpty == true && rewards["redemptions"] as? Int == 0)
            let purchases = try #require(json["purchases"] as? [String: Any])
            #expect(purchases["purchases"] as? Int == 1 && purchases["buyers"] as? Int == 1 && purchases["repeat_buyers"] as? Int == 0)
            #expect(purchases["repeat_rate"] as? String == "0.0000")

            // The other program's figures are its own; an integration key may read them too.
            let other = try await api.get("/v1/analytics/members?\(Self.range)", key: fixture.otherAdmin)
            #expect((other.json["members"] as? [String: Int])?["total"] == 0)
            #expect(try await api.get("/v1/analytics/dashboard", key: fixture.integration).status == 200)
        }
    }

    @Test func eachSectionRouteAnswersOnlyItsSection() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer { api in
            for section in AnalyticsSection.allCases.map(\.rawValue) {
                let answer = try await api.get("/v1/analytics/\(section)?\(Self.range)")
                #expect(answer.status == 200, "\(answer.text)")
                #expect(Set(answer.json.keys) == ["from", "to", "time_zone", section])
            }
        }
    }

    @Test func withoutDatesTheRangeIsTheThirtyDaysEndingToday() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer { api in
            let answer = try await api.get("/v1/analytics/members")
            #expect(answer.json["from"] as? String == "2026-02-02" && answer.json["to"] as? String == "2026-03-03")
        }
    }

    @Test(arguments: [
        ("from=2026-02-30&to=2026-03-31", "from"), ("from=2026-03-01&to=31.03.2026", "to"), ("from=2026-03-01T00:00:00Z", "from"),
        ("from=2026-04-01&to=2026-03-01", "from"), ("from=2023-01-01&to=2026-01-01", "from"), ("to=1969-12-31", "to"), ("from=", "from"),
    ])
    func aBadRangeIsA400NamingItsParameter(query: String, field: String) async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer { api in
            let answer = try await api.get("/v1/analytics/dashboard?\(query)")
            #expect(answer.status == 400, "\(answer.text)")
            #expect(answer.code == "invalid_request" && answer.field == field, "\(answer.text)")
        }
    }

    @Test func memberTokensAndMissingKeysAreRefused() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer(rateLimits: RateLimitSettings(failedAuthenticationsPerMinute: nil)) { api in
            let ana = try await api.member("ana")
            let token = try await MemberTokenRouteTests.token(api, ana)
            let refused = try await api.call(.get, "/v1/analytics/dashboard", key: token)
            #expect(refused.status == 403 && refused.code == "forbidden", "\(refused.text)")
            #expect(try await api.call(.get, "/v1/analytics/points", key: nil).status == 401)
        }
    }

    @Test func aProgramWithoutADefinitionAnswers409() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        _ = try await fixture.store.createProgram(id: "prg_c", name: "c", now: HTTPFixture.start)
        let key = try await APIKeyAuthenticator.create(store: fixture.store, programId: "prg_c", scope: .read, name: nil, now: HTTPFixture.start).1
        try await fixture.withServer { api in
            let answer = try await api.get("/v1/analytics/dashboard", key: key)
            #expect(answer.status == 409 && answer.code == "program_not_configured", "\(answer.text)")
        }
    }
}
