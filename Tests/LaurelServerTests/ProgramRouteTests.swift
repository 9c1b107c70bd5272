import HTTPTypes
import Foundation
import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

@Suite struct ProgramRouteTests {
    @Test(arguments: TestBackend.available)
    func applyAndReadVersions(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let current = try await api.get("/v1/program")
            #expect(current.status == 200 && current.json["version"] as? Int == 1)
            #expect((current.json["definition"] as? [String: Any])?["currency"] as? String == "EUR")
            let yaml = HTTPFixture.program.replacingOccurrences(of: "points: 50", with: "points: 75")
            let applied = try await api.call(.put, "/v1/program", key: fixture.admin, body: yaml)
            #expect(applied.status == 200 && applied.json["version"] as? Int == 2, "\(applied.text)")
            let member = try await api.member("p1")
            let review = try await api.post("/v1/events", #"{"member_id":"\#(member)","type":"review"}"#)
            #expect(review.json["points"] as? Int == 75 && review.json["program_version"] as? Int == 2)
            let versions = try await api.get("/v1/program/versions")
            #expect((versions.json["data"] as? [[String: Any]])?.compactMap { $0["version"] as? Int } == [2, 1])
            let first = try await api.get("/v1/program/versions/1")
            #expect(first.status == 200 && first.json["version"] as? Int == 1)
            #expect(try await api.get("/v1/program/versions/9").status == 404)
            #expect(try await api.get("/v1/program/versions/one").status == 400)
            let json = #"{"name":"JSON","currency":"EUR","earning_rules":[{"id":"r","event":"visit","effect":{"type":"fixed_points","points":1}}]}"#
            #expect(try await api.call(.put, "/v1/program", key: fixture.admin, body: json).json["version"] as? Int == 3)
        }
    }

    @Test(arguments: TestBackend.available)
    func invalidProgramsAreRefusedWithEveryProblem(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let broken = """
                name: Broken
                currency: EUR
                colour: red
                earning_rules:
                  - id: a
                    event: purchase
                    effect: {type: multiplier, factor: -1}
                """
            let answer = try await api.call(.put, "/v1/program", key: fixture.admin, body: broken)
            #expect(answer.status == 422 && answer.code == "invalid_program")
            let paths = (answer.json["errors"] as? [[String: String]])?.compactMap { $0["path"] } ?? []
            #expect(Set(paths) == ["colour", "earning_rules[0].effect.factor"])
            #expect(try await api.call(.put, "/v1/program", key: fixture.admin, body: "").status == 400)
            #expect(try await api.call(.put, "/v1/program", key: fixture.integration, body: HTTPFixture.program).status == 403)
            #expect(try await api.get("/v1/program").json["version"] as? Int == 1)
        }
    }

    @Test(arguments: TestBackend.available)
    func programNotConfigured(backend: TestBackend) async throws {
        let store = try await backend.makeStore()
        let now = HTTPFixture.start
        _ = try await store.createProgram(id: "empty", name: "Empty", now: now)
        let key = try await APIKeyAuthenticator.create(store: store, programId: "empty", scope: .admin, name: nil, now: now).1
        let fixture = HTTPFixture(store: store, clock: ManualClock(now), admin: key, integration: key, read: key, otherAdmin: key)
        try await fixture.withServer { api in
            #expect(try await api.get("/v1/program").code == "program_not_configured")
            let member = try await api.member("m")
            let event = try await api.post("/v1/events", #"{"member_id":"\#(member)","type":"review"}"#)
            #expect(event.status == 409 && event.code == "program_not_configured")
        }
    }

    @Test func healthAndOpenAPIDocument() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer { api in
            let health = try await api.call(.get, "/healthz", key: nil)
            #expect(health.status == 200 && health.json["status"] as? String == "ok")
            let document = try await api.call(.get, "/openapi.json", key: nil)
            #expect(document.status == 200 && (document.json["openapi"] as? String)?.hasPrefix("3.1") == true)
            let unknown = try await api.call(.get, "/v1/nothing", key: fixture.read)
            #expect(unknown.status == 404 && unknown.code == "not_found")
            #expect(unknown.headers[.contentType] == "application/problem+json")
            // A served path with another method: 405 and the methods it has (RFC 9110).
            for (method, path, allowed) in [(HTTPRequest.Method.delete, "/v1/members", "POST, GET"),
                                            (.put, "/v1/members/mem_x/ledger", "GET")] {
                let refused = try await api.call(method, path, key: fixture.read)
                #expect(refused.status == 405 && refused.code == "method_not_allowed", "\(method) \(path)")
                #expect(refused.headers[.allow] == allowed && refused.headers[.contentType] == "application/problem+json")
            }
        }
    }

    /// Every registered route is in the OpenAPI document and every documented operation is a route.
    @Test func openAPIDocumentMatchesTheRoutes() throws {
        let routes = LaurelApplication.router(store: try SQLiteStore(path: ":memory:"), clock: SystemClock()).1
        let document = try #require(try JSONSerialization.jsonObject(with: OpenAPIDocument.data) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let documented = Set(paths.flatMap { path, operations in
            operations.keys.filter { ["get", "put", "post", "patch", "delete"].contains($0) }.map { "\($0.uppercased()) \(path)" }
        })
        let registered = Set(routes.map { "\($0.method) \($0.path)" })
        #expect(registered == documented, "undocumented: \(registered.subtracting(documented)), not routes: \(documented.subtracting(registered))")
        #expect(registered.count >= 14)
    }
}
