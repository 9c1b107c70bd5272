import Foundation
import LaurelTestSupport
import Testing

@Suite struct MemberRouteTests {
    @Test(arguments: TestBackend.available)
    func enrolAndLookUp(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let created = try await api.post("/v1/members", #"{"external_id":"c1","email":"ana@example.com","name":"Ana","birthday":"1990-04-27","attributes":{"segment":"vip"}}"#,
                                             key: fixture.integration)
            #expect(created.status == 201)
            #expect(created.json["object"] as? String == "member" && created.json["status"] as? String == "active")
            let id = try #require(created.json["id"] as? String)
            let fetched = try await api.get("/v1/members/\(id)")
            #expect(fetched.status == 200 && fetched.json["email"] as? String == "ana@example.com")
            #expect((fetched.json["attributes"] as? [String: Any])?["segment"] as? String == "vip")
            let points = try await api.points(id)
            #expect(points["available"] as? Int == 0 && points["pending"] as? Int == 0 && points["expiring_soon"] != nil)
            let byExternal = try await api.get("/v1/members?external_id=c1")
            #expect((byExternal.json["data"] as? [[String: Any]])?.first?["id"] as? String == id)
            #expect((try await api.get("/v1/members?external_id=nobody").json["data"] as? [Any])?.isEmpty == true)
            #expect(try await api.get("/v1/members/mem_unknown").status == 404)
        }
    }

    @Test(arguments: TestBackend.available)
    func enrolmentRefusesBadInput(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            _ = try await api.member("dup")
            let duplicate = try await api.post("/v1/members", #"{"external_id":"dup"}"#)
            #expect(duplicate.status == 409 && duplicate.code == "duplicate_external_id")
            let email = try await api.post("/v1/members", #"{"external_id":"x","email":"not-an-email"}"#)
            #expect(email.status == 422 && email.field == "email")
            let missing = try await api.post("/v1/members", #"{"email":"a@b.co"}"#)
            #expect(missing.status == 422 && missing.field == "external_id")
            let malformed = try await api.post("/v1/members", #"{"external_id": "#)
            #expect(malformed.status == 400 && malformed.code == "invalid_json")
            let wrongType = try await api.post("/v1/members", #"{"external_id": 42}"#)
            #expect(wrongType.status == 422 && wrongType.field == "external_id")
            let birthday = try await api.post("/v1/members", #"{"external_id":"y","birthday":"1990-02-30"}"#)
            #expect(birthday.status == 422 && birthday.field == "birthday")
            let huge = try await api.post("/v1/members", #"{"external_id":"z","name":""# + String(repeating: "a", count: 1_100_000) + #""}"#)
            #expect(huge.status == 413 && huge.code == "payload_too_large")
            let noKey = try await api.call(.post, "/v1/members", key: nil, body: #"{"external_id":"k"}"#)
            #expect(noKey.status == 401 && noKey.code == "unauthorized")
            let badKey = try await api.call(.post, "/v1/members", key: "lk_admin_nope", body: #"{"external_id":"k"}"#)
            #expect(badKey.status == 401)
            let readOnly = try await api.post("/v1/members", #"{"external_id":"k"}"#, key: fixture.read)
            #expect(readOnly.status == 403 && readOnly.code == "forbidden")
            #expect(readOnly.headers[.contentType] == "application/problem+json")
            let list = try await api.get("/v1/members?limit=500")
            #expect((list.json["data"] as? [Any])?.count == 1, "nothing but the first member was created")
        }
    }

    @Test(arguments: TestBackend.available)
    func pagination(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            var ids: [String] = []
            for index in 0..<5 { ids.append(try await api.member("p\(index)")) }
            let first = try await api.get("/v1/members?limit=2")
            #expect((first.json["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == Array(ids[0..<2]))
            #expect(first.json["has_more"] as? Bool == true)
            let cursor = try #require(first.json["next_cursor"] as? String)
            let second = try await api.get("/v1/members?limit=2&starting_after=\(cursor)")
            #expect((second.json["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == Array(ids[2..<4]))
            let last = try await api.get("/v1/members?limit=2&starting_after=\(ids[3])")
            #expect((last.json["data"] as? [Any])?.count == 1 && last.json["has_more"] as? Bool == false)
            #expect(try await api.get("/v1/members?limit=0").status == 400)
            #expect(try await api.get("/v1/members?limit=501").status == 400)
            #expect(try await api.get("/v1/members?limit=abc").status == 400)
        }
    }

    @Test(arguments: TestBackend.available)
    func updateAndBlock(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let created = try await api.post("/v1/members", #"{"external_id":"u1","name":"Ana","attributes":{"a":1,"b":2}}"#)
            let id = try #require(created.json["id"] as? String)
            let patched = try await api.call(.patch, "/v1/members/\(id)", key: fixture.integration, body: #"{"name":null,"email":"ana@example.com","attributes":{"a":null,"c":"x"}}"#)
            #expect(patched.status == 200)
            #expect(patched.json["name"] == nil && patched.json["email"] as? String == "ana@example.com")
            #expect((patched.json["attributes"] as? [String: Any]).map { Set($0.keys) } == ["b", "c"])
            #expect(try await api.call(.patch, "/v1/members/\(id)", key: fixture.integration, body: #"{"external_id":"other"}"#).status == 422)
            #expect(try await api.call(.patch, "/v1/members/\(id)", key: fixture.integration, body: #"{"status":"sleeping"}"#).status == 422)
            #expect(try await api.call(.patch, "/v1/members/\(id)", key: fixture.read, body: #"{"name":"x"}"#).status == 403)
            #expect(try await api.call(.patch, "/v1/members/mem_nobody", key: fixture.admin, body: #"{"name":"x"}"#).status == 404)

            // Blocked: the event is stored, rejected, and earns nothing.
            #expect(try await api.call(.patch, "/v1/members/\(id)", key: fixture.admin, body: #"{"status":"blocked"}"#).json["status"] as? String == "blocked")
            let rejected = try await api.purchase(id)
            #expect(rejected.status == 201 && rejected.json["status"] as? String == "rejected" && rejected.json["points"] as? Int == 0)
            #expect((rejected.json["outcome"] as? [String: Any])?["reason"] as? String == "member_blocked")
            #expect(try await api.get("/v1/events/\(try #require(rejected.json["id"] as? String))").status == 200)
            #expect(try await api.points(id)["pending"] as? Int == 0)
            _ = try await api.call(.patch, "/v1/members/\(id)", key: fixture.admin, body: #"{"status":"active"}"#)
            #expect(try await api.purchase(id).json["points"] as? Int == 100)
        }
    }
}
