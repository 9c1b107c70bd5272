import Foundation
import LaurelCore
import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// `GET /v1/audit`: admin only, newest first, filtered and paged; an admin action over HTTP is
/// recorded once with the key that did it and its idempotency key.
struct AuditRouteTests {
    @Test(arguments: TestBackend.available)
    func anAdminActionIsListedOnceWithItsKeyAndIdempotencyKey(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        let adminId = try #require(try await fixture.store.apiKeys(programId: "prg_a").first { $0.scope == .admin }?.id)
        try await fixture.withServer { client in
            let member = try await client.member("ana")
            for _ in 0..<2 {
                let answer = try await client.post("/v1/members/\(member)/adjustments", #"{"points": 25, "reason": "goodwill"}"#,
                                                   idempotencyKey: "adjust-ana-1")
                #expect(answer.status == 201, "\(answer.text)")
            }
            let list = try await client.get("/v1/audit?action=member.points_adjusted", key: fixture.admin)
            #expect(list.status == 200, "\(list.text)")
            let data = try #require(list.json["data"] as? [[String: Any]])
            #expect(data.count == 1, "the replay wrote no second entry")
            let entry = try #require(data.first)
            #expect(entry["object"] as? String == "audit_entry")
            #expect((entry["id"] as? String)?.hasPrefix("aud_") == true)
            #expect(entry["actor"] as? String == "api_key:\(adminId)")
            #expect(entry["idempotency_key"] as? String == "adjust-ana-1")
            #expect(entry["target"] as? [String: String] == ["type": "member", "id": member])
            #expect((entry["before"] as? [String: Any])?["available"] as? Int == 0)
            #expect((entry["after"] as? [String: Any])?["available"] as? Int == 25)
            #expect(entry["created_at"] as? String == Timestamps.format(HTTPFixture.start))

            // The other program sees none of it; integration and read keys may not look.
            let other = try await client.get("/v1/audit", key: fixture.otherAdmin).json["data"] as? [[String: Any]]
            #expect(other?.map { $0["action"] as? String } == ["api_key.created", "program.applied"], "only program B's own setup")
            #expect((other?.last?["target"] as? [String: String])?["id"] == "prg_b")
            #expect(try await client.get("/v1/audit", key: fixture.read).status == 403)
            #expect(try await client.get("/v1/audit", key: fixture.integration).status == 403)
        }
    }

    @Test func filtersAndPagesWithACursor() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer { client in
            let member = try await client.member("ana")
            for points in 1...5 {
                #expect(try await client.post("/v1/members/\(member)/adjustments", #"{"points": \#(points), "reason": "r"}"#).status == 201)
                fixture.clock.advance(by: 60)
            }
            var seen: [Int] = []
            var path = "/v1/audit?target_type=member&target_id=\(member)&limit=2"
            for _ in 0..<5 {
                let page = try await client.get(path, key: fixture.admin)
                #expect(page.status == 200, "\(page.text)")
                let data = try #require(page.json["data"] as? [[String: Any]])
                seen += data.compactMap { ($0["after"] as? [String: Any])?["points"] as? Int }
                guard page.json["has_more"] as? Bool == true, let cursor = page.json["next_cursor"] as? String else { break }
                path = "/v1/audit?target_type=member&target_id=\(member)&limit=2&starting_after=\(cursor)"
            }
            #expect(seen == [5, 4, 3, 2, 1], "newest first, every entry once")

            let from = Timestamps.format(HTTPFixture.start.addingTimeInterval(60))
            let until = Timestamps.format(HTTPFixture.start.addingTimeInterval(180))
            let window = try await client.get("/v1/audit?from=\(from)&until=\(until)", key: fixture.admin)
            #expect((window.json["data"] as? [[String: Any]])?.compactMap { ($0["after"] as? [String: Any])?["points"] as? Int } == [3, 2])
            #expect((try await client.get("/v1/audit?actor=api_key:key_nobody", key: fixture.admin).json["data"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func badQueriesAreRefusedByField() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer { client in
            for (query, field) in [("action=member.deleted", "action"), ("from=yesterday", "from"), ("until=2026-13-01T00:00:00Z", "until"),
                                   ("limit=0", "limit"), ("starting_after=le_4", "starting_after"), ("actor=", "actor")] {
                let answer = try await client.get("/v1/audit?\(query)", key: fixture.admin)
                #expect(answer.status == 400 && answer.code == "invalid_request" && answer.field == field, "\(query): \(answer.text)")
            }
            #expect(try await client.call(.delete, "/v1/audit", key: fixture.admin).status == 405, "entries cannot be deleted")
        }
    }
}
