import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LaurelCore
import LaurelServer
import LaurelStore
import LaurelTestSupport
import NIOCore
import Testing

/// A store on one backend with two programs, keys of every scope, and a live HTTP server to call.
struct HTTPFixture {
    static let program = """
        name: HTTP tests
        currency: EUR
        points:
          expiry: {policy: after_days, days: 30}
          pending_days: 14
          returns: {when_spent: debt, debt_limit: 100}
        earning_rules:
          - id: spend
            event: purchase
            effect: {type: points_per_amount, points: 1, per: 1, exclude_delivery: true}
          - id: shoes-double
            event: purchase
            effect: {type: multiplier, factor: 2, match: {categories: [shoes]}}
          - id: review
            event: review
            effect: {type: fixed_points, points: 50}
            limit: {max_times: 2, period: day}
        """

    /// Referrals and a punch card, appended to `program` by the tests of the play mechanics.
    static let playSections = """
        referrals:
          link: "https://brand.example/join?ref={code}"
          fingerprints: [device_id]
          cap: {max_referrals: 2, period: month}
          rewards:
            - {id: welcome, on: enrolled, friend: {points: 100}}
            - {id: first, on: first_purchase, min_amount: "20.00", referrer: {points: 500}}
        punch_cards:
          - {id: coffee, name: Every 3rd coffee, stamps: 3, products: {categories: [coffee]}, stamp_expiry_days: 30, points: 50}
        """

    let store: any LaurelStore
    let clock: ManualClock
    /// Keys of program A by scope, and program B's admin key.
    let admin: String
    let integration: String
    let read: String
    let otherAdmin: String

    static let start = Timestamps.parse("2026-03-03T10:00:00Z")!

    static func make(_ backend: TestBackend) async throws -> HTTPFixture {
        try await make(on: try await backend.makeStore())
    }

    /// The fixture on a fresh, migrated store made by the caller (one recording metrics, say).
    static func make(on store: any LaurelStore) async throws -> HTTPFixture {
        let definition = try ProgramDefinition.parse(program)
        for id in ["prg_a", "prg_b"] {
            _ = try await store.createProgram(id: id, name: id, now: start)
            _ = try await store.applyProgram(id: id, definition: definition, source: program, now: start, idempotency: nil)
        }
        func key(_ program: String, _ scope: APIScope) async throws -> String {
            try await APIKeyAuthenticator.create(store: store, programId: program, scope: scope, name: nil, now: start).1
        }
        return HTTPFixture(store: store, clock: ManualClock(start), admin: try await key("prg_a", .admin),
                           integration: try await key("prg_a", .integration), read: try await key("prg_a", .read),
                           otherAdmin: try await key("prg_b", .admin))
    }

    /// Runs `body` against a live server on loopback, with the HTTP channel `laurel serve` uses and its
    /// default rate limits unless told otherwise.
    /// The server's limits but a longer idle timeout: a test may work on the store for minutes between two
    /// requests on its one keep-alive connection (a bulk award job on a loaded CI machine took over the 60 s
    /// default, and the next request met a closed connection). ConnectionTimeoutTests test the timeouts themselves.
    static let connectionLimits = ConnectionLimits(idleTimeout: 900)

    func withServer(rateLimits: RateLimitSettings = .defaults, _ body: @escaping @Sendable (Client) async throws -> Void) async throws {
        let app = Application(router: LaurelApplication.router(store: store, clock: clock, rateLimits: rateLimits).0,
                              server: LaurelApplication.server(Self.connectionLimits))
        try await app.test(.live) { client in try await body(Client(client: client, fixture: self)) }
    }

    struct Client: Sendable {
        let client: any TestClientProtocol
        let fixture: HTTPFixture

        struct Answer: Sendable {
            let status: Int
            let headers: HTTPFields
            let body: Data
            var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
            var code: String? { json["code"] as? String }
            var field: String? { json["field"] as? String }
            var text: String { String(decoding: body, as: UTF8.self) }
        }

        func call(_ method: HTTPRequest.Method, _ path: String, key: String?, body: String? = nil, idempotencyKey: String? = nil) async throws -> Answer {
            var headers: HTTPFields = [.contentType: "application/json"]
            if let key { headers[.authorization] = "Bearer \(key)" }
            if let idempotencyKey { headers[HTTPField.Name("Idempotency-Key")!] = idempotencyKey }
            let response = try await client.execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
            return Answer(status: Int(response.status.code), headers: response.headers, body: Data(buffer: response.body))
        }

        func get(_ path: String, key: String? = nil) async throws -> Answer { try await call(.get, path, key: key ?? fixture.read) }
        func post(_ path: String, _ body: String, key: String? = nil, idempotencyKey: String? = nil) async throws -> Answer {
            try await call(.post, path, key: key ?? fixture.admin, body: body, idempotencyKey: idempotencyKey)
        }

        /// Enrols a member and returns their id.
        func member(_ externalId: String, key: String? = nil) async throws -> String {
            let answer = try await post("/v1/members", #"{"external_id":"\#(externalId)"}"#, key: key)
            #expect(answer.status == 201, "\(answer.text)")
            return try #require(answer.json["id"] as? String)
        }

        func purchase(_ memberId: String, total: String = "100.00", key: String? = nil, idempotencyKey: String? = nil) async throws -> Answer {
            try await post("/v1/events", #"{"member_id":"\#(memberId)","type":"purchase","purchase":{"currency":"EUR","total":"\#(total)"}}"#,
                           key: key, idempotencyKey: idempotencyKey)
        }

        /// The member's points object.
        func points(_ memberId: String) async throws -> [String: Any] {
            try #require(try await get("/v1/members/\(memberId)").json["points"] as? [String: Any])
        }

        func ledgerCount(_ memberId: String) async throws -> Int {
            ((try await get("/v1/members/\(memberId)/ledger?limit=500").json["data"] as? [Any]) ?? []).count
        }
    }
}
