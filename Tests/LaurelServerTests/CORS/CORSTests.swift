import Foundation
import HTTPTypes
import HummingbirdTesting
import LaurelCore
import LaurelServer
import LaurelStore
import LaurelTestSupport
import NIOCore
import Testing

/// Browsers: each program's `cors.allowed_origins` decides which pages may read its answers;
/// preflights (no credentials) are answered for an origin some program lists.
@Suite struct CORSTests {
    static func program(_ origins: [String]) -> String {
        HTTPFixture.program + "\ncors:\n  allowed_origins: [\(origins.map { "\"\($0)\"" }.joined(separator: ", "))]\n"
    }

    /// A request with `Origin` (and any other headers), its answer's status and headers.
    static func call(_ api: HTTPFixture.Client, _ method: HTTPRequest.Method, _ path: String, origin: String?, key: String?,
                     extra: HTTPFields = [:]) async throws -> (status: Int, headers: HTTPFields) {
        var headers = extra
        if let origin { headers[.origin] = origin }
        if let key { headers[.authorization] = "Bearer \(key)" }
        let response = try await api.client.execute(uri: path, method: method, headers: headers, body: nil)
        return (Int(response.status.code), response.headers)
    }

    static func configure(_ fixture: HTTPFixture) async throws {
        for (program, origins) in [("prg_a", ["https://shop.example", "http://localhost:3000"]), ("prg_b", ["https://other.example"])] {
            let text = Self.program(origins)
            _ = try await fixture.store.applyProgram(id: program, definition: try ProgramDefinition.parse(text), source: text,
                                                     now: HTTPFixture.start, idempotency: nil)
        }
    }

    @Test(arguments: TestBackend.available)
    func answersCarryTheOriginOnlyForTheCallersProgram(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await Self.configure(fixture)
        try await fixture.withServer(rateLimits: RateLimitSettings(failedAuthenticationsPerMinute: nil)) { api in
            let member = try await api.member("cors-1")
            let own = try await Self.call(api, .get, "/v1/members/\(member)", origin: "https://shop.example", key: fixture.read)
            #expect(own.status == 200 && own.headers[.accessControlAllowOrigin] == "https://shop.example")
            #expect(own.headers[.accessControlExposeHeaders]?.contains("Idempotent-Replayed") == true)
            #expect(own.headers[values: .vary].contains("Origin"))
            // Program B lists other.example, program A does not: A's answers stay unreadable there.
            let foreign = try await Self.call(api, .get, "/v1/members/\(member)", origin: "https://other.example", key: fixture.read)
            #expect(foreign.status == 200 && foreign.headers[.accessControlAllowOrigin] == nil && foreign.headers[values: .vary].contains("Origin"))
            let theirs = try await Self.call(api, .get, "/v1/members", origin: "https://other.example", key: fixture.otherAdmin)
            #expect(theirs.headers[.accessControlAllowOrigin] == "https://other.example")
            // Errors of a known caller follow the same rule.
            let missing = try await Self.call(api, .get, "/v1/members/mem_none", origin: "https://shop.example", key: fixture.read)
            #expect(missing.status == 404 && missing.headers[.accessControlAllowOrigin] == "https://shop.example")
            // Before the caller is known (a 401, a public or unknown route), any program's origin may read it.
            for (path, key, status) in [("/v1/members", nil as String?, 401), ("/healthz", nil, 200), ("/v1/nothing", fixture.read, 404)] {
                let answer = try await Self.call(api, .get, path, origin: "https://other.example", key: key)
                #expect(answer.status == status && answer.headers[.accessControlAllowOrigin] == "https://other.example", "\(path)")
                #expect(answer.headers[values: .vary].contains("Origin"), "\(path)")
                let unlisted = try await Self.call(api, .get, path, origin: "https://evil.example", key: key)
                #expect(unlisted.headers[.accessControlAllowOrigin] == nil, "\(path)")
            }
            // No Origin: no CORS header, but the answer still varies by it (for caches).
            let plain = try await Self.call(api, .get, "/v1/members/\(member)", origin: nil, key: fixture.read)
            #expect(plain.headers[.accessControlAllowOrigin] == nil && plain.headers[values: .vary].contains("Origin"))
            #expect(try await Self.call(api, .get, "/v1/members", origin: "null", key: fixture.read).headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test(arguments: TestBackend.available)
    func preflightsAreAnsweredForListedOriginsAndServedMethods(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await Self.configure(fixture)
        try await fixture.withServer(rateLimits: RateLimitSettings(failedAuthenticationsPerMinute: nil)) { api in
            func preflight(_ path: String, origin: String, method: String) async throws -> (status: Int, headers: HTTPFields) {
                try await Self.call(api, .options, path, origin: origin, key: nil,
                                    extra: [.accessControlRequestMethod: method, .accessControlRequestHeaders: "authorization, content-type"])
            }
            let allowed = try await preflight("/v1/members/mem_x", origin: "http://localhost:3000", method: "PATCH")
            #expect(allowed.status == 204)
            #expect(allowed.headers[.accessControlAllowOrigin] == "http://localhost:3000")
            #expect(allowed.headers[.accessControlAllowMethods] == "GET, PATCH")
            #expect(allowed.headers[.accessControlAllowHeaders] == "Authorization, Content-Type, Idempotency-Key")
            #expect(allowed.headers[.accessControlMaxAge] == "600" && allowed.headers[.accessControlAllowCredentials] == nil)
            #expect(allowed.headers[values: .vary].contains { $0.contains("Origin") })
            // Any program's origin: the preflight carries no key, so the program is not known.
            #expect(try await preflight("/v1/events", origin: "https://other.example", method: "POST").headers[.accessControlAllowOrigin] != nil)
            for (path, origin, method) in [("/v1/members/mem_x", "https://evil.example", "GET"), ("/v1/members/mem_x", "https://shop.example", "PUT"),
                                           ("/v1/nothing", "https://shop.example", "GET")] {
                let refused = try await preflight(path, origin: origin, method: method)
                #expect(refused.status == 204 && refused.headers[.accessControlAllowOrigin] == nil && refused.headers[.accessControlAllowMethods] == nil,
                        "\(path) \(origin) \(method)")
            }
            // An OPTIONS that is not a preflight is a request like any other: no such method.
            #expect(try await Self.call(api, .options, "/v1/members", origin: "https://shop.example", key: fixture.read).status == 405)
        }
    }

    @Test(arguments: TestBackend.available)
    func aNewProgramVersionsOriginsApplyWithinSeconds(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await Self.configure(fixture)
        try await fixture.withServer(rateLimits: RateLimitSettings(failedAuthenticationsPerMinute: nil)) { api in
            #expect(try await Self.call(api, .get, "/v1/program", origin: "https://new.example", key: fixture.read).headers[.accessControlAllowOrigin] == nil)
            let put = try await api.call(.put, "/v1/program", key: fixture.admin, body: Self.program(["https://new.example"]))
            #expect(put.status == 200, "\(put.text)")
            fixture.clock.advance(by: 6)
            #expect(try await Self.call(api, .get, "/v1/program", origin: "https://new.example", key: fixture.read).headers[.accessControlAllowOrigin]
                    == "https://new.example")
            #expect(try await Self.call(api, .get, "/v1/program", origin: "https://shop.example", key: fixture.read).headers[.accessControlAllowOrigin] == nil)
            let refused = try await api.call(.put, "/v1/program", key: fixture.admin, body: Self.program(["https://*.example"]))
            #expect(refused.status == 422 && refused.text.contains("cors.allowed_origins[0]"))
        }
    }
}
