import Foundation
import LaurelCore
import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// `GET /v1/segments…` and a member's `segments`, over HTTP on each backend.
struct SegmentRouteTests {
    static let program = HTTPFixture.program + """

        segments:
          - id: buyers
            name: Buyers
            description: Bought at least once
            conditions: [{purchases: {min: 1}}]
          - id: vip
            name: VIP
            conditions: [{spend: {min: "100.00"}}, {attribute: vip, op: eq, value: true}]
          - id: lapsed
            name: Lapsed
            conditions: [{last_purchase: {not_within_days: 30}}]
        """

    @Test(arguments: TestBackend.available)
    func segmentsTheirMembersAndAMembersSegments(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            #expect(try await api.call(.put, "/v1/program", key: fixture.admin, body: Self.program).status == 200)
            let list = try await api.get("/v1/segments")
            let data = try #require(list.json["data"] as? [[String: Any]])
            #expect(data.map { $0["id"] as? String } == ["buyers", "vip", "lapsed"] && list.json["has_more"] as? Bool == false)
            let buyers = try await api.get("/v1/segments/buyers")
            #expect(buyers.status == 200 && buyers.json["object"] as? String == "segment" && buyers.json["description"] as? String == "Bought at least once")
            let conditions = try #require(buyers.json["conditions"] as? [[String: Any]])
            #expect((conditions.first?["purchases"] as? [String: Any])?["min"] as? Int == 1, "\(buyers.text)")

            let ana = try await api.member("ana")
            let ben = try await api.member("ben")
            let cat = try await api.member("cat")
            #expect(try await api.call(.patch, "/v1/members/\(ana)", key: fixture.integration, body: #"{"attributes":{"vip":true}}"#).status == 200)
            #expect(try await api.purchase(ana, total: "150.00").status == 201)
            #expect(try await api.purchase(ben, total: "20.00").status == 201)

            let members = try await api.get("/v1/segments/buyers/members?limit=1")
            #expect(members.status == 200 && members.json["has_more"] as? Bool == true, "\(members.text)")
            let first = try #require((members.json["data"] as? [[String: Any]])?.first)
            #expect(first["member_id"] as? String == ana && first["external_id"] as? String == "ana" && first["object"] as? String == "segment_member")
            let cursor = try #require(members.json["next_cursor"] as? String)
            let rest = try await api.get("/v1/segments/buyers/members?starting_after=\(cursor)")
            #expect((rest.json["data"] as? [[String: Any]])?.map { $0["member_id"] as? String } == [ben] && rest.json["has_more"] as? Bool == false)
            #expect((try await api.get("/v1/segments/vip/members").json["data"] as? [[String: Any]])?.map { $0["member_id"] as? String } == [ana])

            // A member's view lists the segments they are in now.
            #expect(try await api.get("/v1/members/\(ana)").json["segments"] as? [String] == ["buyers", "vip"])
            #expect(try await api.get("/v1/members/\(ben)").json["segments"] as? [String] == ["buyers"])
            // Lapsed includes members who never bought.
            #expect(try await api.get("/v1/members/\(cat)").json["segments"] as? [String] == ["lapsed"])
            fixture.clock.advance(by: 31 * 86_400)
            #expect(try await api.get("/v1/members/\(ana)").json["segments"] as? [String] == ["buyers", "vip", "lapsed"])
        }
    }

    @Test(arguments: TestBackend.available)
    func unknownSegmentsOtherProgramsAndBadInputs(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            #expect(try await api.call(.put, "/v1/program", key: fixture.admin, body: Self.program).status == 200)
            let missing = try await api.get("/v1/segments/nope")
            #expect(missing.status == 404 && missing.code == "not_found")
            #expect(try await api.get("/v1/segments/nope/members").status == 404)
            // Program B has no segments: A's are not found with B's key.
            #expect(try await api.get("/v1/segments/buyers", key: fixture.otherAdmin).status == 404)
            #expect(try await api.get("/v1/segments/buyers/members", key: fixture.otherAdmin).status == 404)
            #expect((try await api.get("/v1/segments", key: fixture.otherAdmin).json["data"] as? [Any])?.isEmpty == true)
            let member = try await api.member("b1", key: fixture.otherAdmin)
            #expect(try await api.get("/v1/members/\(member)", key: fixture.otherAdmin).json["segments"] == nil)
            for limit in ["0", "501", "x"] {
                #expect(try await api.get("/v1/segments/buyers/members?limit=\(limit)").status == 400)
            }
            #expect(try await api.get("/v1/segments", key: "nope").status == 401)
            // A program whose segments name unknown tiers is refused with every problem listed.
            let bad = try await api.call(.put, "/v1/program", key: fixture.admin, body: HTTPFixture.program + """

                segments:
                  - {id: x, conditions: [{tier: [gold]}, {purchases: {min: 3, max: 1}}]}
                """)
            #expect(bad.status == 422 && bad.code == "invalid_program", "\(bad.text)")
            #expect(bad.text.contains("segments[0].conditions[0].tier[0]") && bad.text.contains("segments[0].conditions[1].purchases.min"))
        }
    }

    @Test(arguments: TestBackend.available)
    func theRefreshJobWritesOneMessagePerEntry(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            #expect(try await api.call(.put, "/v1/program", key: fixture.admin, body: Self.program).status == 200)
            let ana = try await api.member("ana")
            #expect(try await api.purchase(ana, total: "10.00").status == 201)
            // buyers for ana; lapsed for nobody (ana just bought); program B has no segments.
            #expect(try await SegmentRefreshJob.runOnce(store: fixture.store, now: fixture.clock.now()) == 1)
            #expect(try await SegmentRefreshJob.runOnce(store: fixture.store, now: fixture.clock.now()) == 0)
            let messages = try await api.get("/v1/messages", key: fixture.admin)
            let entered = ((messages.json["data"] as? [[String: Any]]) ?? []).filter { $0["type"] as? String == "segment.entered" }
            #expect(entered.count == 1 && entered.first?["member_id"] as? String == ana, "\(messages.text)")
        }
    }
}
