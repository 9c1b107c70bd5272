import Foundation
import HTTPTypes
import LaurelCore
import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// Rate limits over HTTP: 429 with `Retry-After` and `RateLimit-*`, the headers on admitted answers too,
/// per key (its own limit or the server's), per address on public routes, and failed authentications.
/// The limits live in memory and do not depend on the database, so these run on SQLite.
struct RateLimitRouteTests {
    static func header(_ answer: HTTPFixture.Client.Answer, _ name: String) -> String? { answer.headers[HTTPField.Name(name)!] }

    static func quota(_ answer: HTTPFixture.Client.Answer) -> [String?] {
        ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"].map { header(answer, $0) }
    }

    @Test func aKeysOwnLimitAnswers429WithRetryAfterAndWritesNothing() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        let limited = try await APIKeyAuthenticator.create(store: fixture.store, programId: "prg_a", scope: .integration, name: nil, rateLimit: 2,
                                                           now: HTTPFixture.start).1
        try await fixture.withServer { client in
            let first = try await client.get("/v1/program", key: limited)
            #expect(first.status == 200 && Self.quota(first) == ["2", "1", "1", nil])
            #expect(Self.quota(try await client.get("/v1/program", key: limited)) == ["2", "0", "1", nil])
            let refused = try await client.post("/v1/members", #"{"external_id":"over-the-limit"}"#, key: limited)
            #expect(refused.status == 429 && refused.code == "rate_limited", "\(refused.text)")
            #expect(refused.headers[.contentType] == "application/problem+json")
            #expect(Self.quota(refused) == ["2", "0", "1", "1"])
            // The answer is the one the OpenAPI document describes, headers included.
            let document = try OpenAPIConformanceTests.Document()
            let schema = try #require(document.responseSchema("POST", "/v1/members", 429))
            #expect(schema.0 == "application/problem+json")
            #expect(document.problems(try JSONSerialization.jsonObject(with: refused.body), schema.1).isEmpty)
            let documented = document.resolve(["$ref": "#/components/responses/TooManyRequests"])["headers"] as? [String: Any]
            #expect(Set(documented?.keys.map { $0 } ?? []) == ["Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"])
            #expect((try await client.get("/v1/members").json["data"] as? [Any])?.isEmpty == true, "a refused write changes nothing")
            // Another key has its own bucket, under the server's default.
            let other = try await client.get("/v1/program", key: fixture.read)
            #expect(other.status == 200 && Self.header(other, "RateLimit-Limit") == String(RateLimitSettings.defaults.perKey!))
            fixture.clock.advance(by: 1)
            #expect(try await client.get("/v1/program", key: limited).status == 200, "two tokens back after a second")
        }
    }

    @Test func theServerDefaultAppliesToKeysWithoutALimitOfTheirOwnAndErrorsCarryTheHeaders() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer(rateLimits: RateLimitSettings(perKey: 3)) { client in
            let missing = try await client.get("/v1/members/mem_missing")
            #expect(missing.status == 404 && Self.quota(missing) == ["3", "2", "1", nil])
            for _ in 0..<2 { #expect(try await client.get("/v1/program").status == 200) }
            let refused = try await client.get("/v1/program")
            #expect(refused.status == 429 && Self.header(refused, "Retry-After") == "1")
        }
        try await fixture.withServer(rateLimits: .off) { client in
            let answer = try await client.get("/v1/program")
            #expect(answer.status == 200 && Self.quota(answer) == [nil, nil, nil, nil])
        }
    }

    @Test func publicRoutesAreLimitedPerSourceAddress() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer(rateLimits: RateLimitSettings(perAddress: 2)) { client in
            let health = try await client.call(.get, "/healthz", key: nil)
            #expect(health.status == 200 && Self.quota(health) == ["2", "1", "1", nil])
            #expect(try await client.call(.get, "/openapi.json", key: nil).status == 200)
            let refused = try await client.call(.get, "/healthz", key: nil)
            #expect(refused.status == 429 && refused.code == "rate_limited" && Self.header(refused, "Retry-After") == "1")
            #expect(try await client.get("/v1/program").status == 200, "keyed routes count per key, not per address")
        }
    }

    @Test func failedAuthenticationsLockTheAddressOutEvenForAGoodKey() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer(rateLimits: RateLimitSettings(failedAuthenticationsPerMinute: 3)) { client in
            #expect(try await client.get("/v1/program", key: fixture.read).status == 200)
            #expect(try await client.call(.put, "/v1/program", key: fixture.read, body: "{}").status == 403, "a wrong scope is not a failed authentication")
            for guess in 0..<3 {
                #expect(try await client.get("/v1/program", key: "lk_admin_guess\(guess)").status == 401)
            }
            let refused = try await client.get("/v1/program", key: "lk_admin_guess4")
            #expect(refused.status == 429 && refused.code == "rate_limited" && Self.header(refused, "Retry-After") == "20", "\(refused.text)")
            #expect(try await client.call(.get, "/v1/program", key: nil).status == 429, "no key at all is a failure too")
            let good = try await client.get("/v1/program", key: fixture.read)
            #expect(good.status == 429, "a locked-out address learns nothing, not even from a right guess")
            fixture.clock.advance(by: 20)
            #expect(try await client.get("/v1/program", key: fixture.read).status == 200, "one attempt back after 20 s")
        }
    }
}
