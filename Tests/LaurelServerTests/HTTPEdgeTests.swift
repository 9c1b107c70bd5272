import Foundation
import HTTPTypes
import LaurelTestSupport
import NIOCore
import Testing

/// The edges of HTTP itself: an oversized header gets a problem document like every other error,
/// the auth scheme is case-insensitive, `+` in a query is a space, and a JSON body that is not an
/// object is `invalid_json` on every route that takes one.
@Suite struct HTTPEdgeTests {
    @Test func oversizedHeaderGetsAProblemDocument() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer { api in
            let port = try #require(api.client.port)
            let padding = String(repeating: "a", count: 100 * 1024)
            let outcome = try await RawConnection.exchange(port: port) { writer in
                try await writer.write(ByteBuffer(string: "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Padding: \(padding)\r\n\r\n"))
            }
            #expect(outcome.statusLine == "HTTP/1.1 431 Request Header Fields Too Large")
            #expect(outcome.received.lowercased().contains("content-type: application/problem+json"))
            let problem = try #require(try JSONSerialization.jsonObject(with: Data(outcome.body.utf8)) as? [String: Any], "\(outcome.received.prefix(500))")
            #expect(problem["code"] as? String == "headers_too_large" && problem["status"] as? Int == 431)
            #expect(outcome.closedAfter != nil, "the connection is closed after the refusal")

            // The server is unharmed.
            #expect(try await api.get("/healthz").status == 200)
        }
    }

    @Test func malformedRequestGetsAProblemDocument() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer { api in
            let outcome = try await RawConnection.exchange(port: try #require(api.client.port)) { writer in
                try await writer.write(ByteBuffer(string: "GET /healthz HTTP/1.1\r\nHost: localhost\r\nBad Header\r\n\r\n"))
            }
            #expect(outcome.statusLine == "HTTP/1.1 400 Bad Request")
            let problem = try #require(try JSONSerialization.jsonObject(with: Data(outcome.body.utf8)) as? [String: Any], "\(outcome.received.prefix(500))")
            #expect(problem["code"] as? String == "invalid_http")
        }
    }

    @Test func bearerSchemeIsCaseInsensitive() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer { api in
            var cases: [(authorization: String, expected: Int)] = ["Bearer", "bearer", "BEARER", "bEaReR"].map { ("\($0) \(fixture.read)", 200) }
            cases.append(("bearer  \(fixture.read)", 200)) // several spaces after the scheme (RFC 9110: 1*SP)
            cases += [("Basic \(fixture.read)", 401), ("bearer", 401), ("bearer ", 401), ("Bearer\(fixture.read)", 401), ("bearer not-a-key", 401)]
            for (authorization, expected) in cases {
                let response = try await api.client.execute(uri: "/v1/members", method: .get, headers: [.authorization: authorization], body: nil)
                #expect(Int(response.status.code) == expected, "\(authorization.prefix(12))")
            }
        }
    }

    @Test(arguments: TestBackend.available)
    func plusInAQueryIsASpace(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let spaced = try await api.member("a b")
            let plussed = try await api.member("a+b")
            func found(_ query: String) async throws -> [String] {
                let answer = try await api.get("/v1/members?\(query)")
                #expect(answer.status == 200, "\(answer.text)")
                return ((answer.json["data"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
            }
            #expect(try await found("external_id=a+b") == [spaced])
            #expect(try await found("external_id=a%20b") == [spaced])
            #expect(try await found("external_id=a%2Bb") == [plussed])
            #expect(try await found("limit=1&external_id=a+b") == [spaced])
        }
    }

    /// Every route that takes a JSON body, with ids that exist where the route looks them up first.
    static func jsonRoutes(member: String) -> [(HTTPRequest.Method, String)] {
        [
            (.post, "/v1/members"), (.patch, "/v1/members/\(member)"), (.post, "/v1/events"),
            (.post, "/v1/members/\(member)/adjustments"), (.post, "/v1/transfers"), (.post, "/v1/redemptions"),
            (.post, "/v1/rewards"), (.put, "/v1/rewards/gift"), (.post, "/v1/rewards/gift/codes"),
            (.put, "/v1/members/\(member)/tier"), (.post, "/v1/clubs/insiders/members"), (.post, "/v1/clubs/insiders/join"),
        ]
    }

    @Test func nonObjectJSONBodyIsInvalidJSON() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer { api in
            let member = try await api.member("shape-1")
            let ledger = try await api.ledgerCount(member)
            for (method, path) in Self.jsonRoutes(member: member) {
                for body in ["null", "[]", "123", #""text""#, "true", " [ {} ] ", "{} []"] {
                    let answer = try await api.call(method, path, key: fixture.admin, body: body)
                    #expect(answer.status == 400 && answer.code == "invalid_json", "\(method) \(path) with \(body): \(answer.status) \(answer.text)")
                    #expect(answer.headers[.contentType] == "application/problem+json")
                }
            }
            #expect(try await api.ledgerCount(member) == ledger)
            #expect((try await api.get("/v1/members?limit=500").json["data"] as? [Any])?.count == 1, "nothing was created")
        }
    }
}
