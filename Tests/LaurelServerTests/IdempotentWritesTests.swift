import Foundation
import HTTPTypes
import LaurelServer
import LaurelTestSupport
import Testing

/// Every write operation of the OpenAPI document (read from the document, so a new route cannot be
/// forgotten) honours `Idempotency-Key`: the same key with the same request answers the first
/// response again with `Idempotent-Replayed: true`; with another request, 422 `idempotency_key_reused`.
@Suite struct IdempotentWritesTests {
    /// The HTTP tests' program with a tier ladder and a club, so that every write has something to act on.
    static let program = HTTPFixture.program + """

        tiers:
          basis: points_earned
          levels:
            - {id: bronze, name: Bronze, threshold: 0}
            - {id: gold, name: Gold, threshold: 1000}
        clubs:
          - {id: lounge, name: Lounge, join: {points: 10, invitations: staff}}
        fraud:
          hold: {amount_over: "1000.00"}
        games:
          wheels:
            - id: lucky
              name: Lucky wheel
              cost: {points: 10}
              prizes:
                - {id: ten, weight: 1, points: 10}
          raffles:
            - id: summer
              name: Summer draw
              entries: {cost_points: 1, earned_by: {event: review, entries: 1}}
              draw_at: "2030-01-01T00:00:00Z"
              winners: 2
              prize: {points: 100}
            - id: spring
              name: Spring draw
              entries: {cost_points: 1}
              draw_at: "2026-01-01T00:00:00Z"
              winners: 1
            - id: winter
              name: Winter draw
              entries: {cost_points: 1}
              draw_at: "2026-01-01T00:00:00Z"
              winners: 1
        challenges:
          - {id: idem-walk, name: Walk, event: steps, measure: count, target: 5, opt_in: true, points: 1}
        """

    /// A request: its path and body (nil: none).
    struct Call { var path: String; var body: String? }

    /// How to exercise one write: prepares what it needs (without keys), then gives a request that
    /// succeeds and another request (a different body, or a different path when the route reads no body).
    typealias Case = @Sendable (HTTPFixture.Client) async throws -> (first: Call, other: Call)

    static let cases: [String: Case] = [
        "PUT /v1/program": { _ in
            (Call(path: "/v1/program", body: program), Call(path: "/v1/program", body: program + "\n# another version\n"))
        },
        "POST /v1/members": { _ in
            (Call(path: "/v1/members", body: #"{"external_id":"idem-new"}"#), Call(path: "/v1/members", body: #"{"external_id":"idem-other"}"#))
        },
        "PATCH /v1/members/{id}": { api in
            let member = try await api.member("idem-patch")
            return (Call(path: "/v1/members/\(member)", body: #"{"name":"Ana"}"#), Call(path: "/v1/members/\(member)", body: #"{"name":"Bea"}"#))
        },
        "POST /v1/members/{id}/adjustments": { api in
            let member = try await api.member("idem-adjust")
            return (Call(path: "/v1/members/\(member)/adjustments", body: #"{"points":5,"reason":"welcome"}"#),
                    Call(path: "/v1/members/\(member)/adjustments", body: #"{"points":6,"reason":"welcome"}"#))
        },
        "POST /v1/members/{id}/adjustments/{adjustment_id}/cancel": { api in
            let member = try await api.member("idem-adjust-cancel")
            let credit = try #require(try await api.post("/v1/members/\(member)/adjustments", #"{"points":5,"reason":"welcome"}"#).json["id"] as? String)
            return (Call(path: "/v1/members/\(member)/adjustments/\(credit)/cancel", body: #"{"reason":"by mistake"}"#),
                    Call(path: "/v1/members/\(member)/adjustments/\(credit)/cancel", body: #"{"reason":"another reason"}"#))
        },
        "POST /v1/events": { api in
            let member = try await api.member("idem-event")
            return (Call(path: "/v1/events", body: #"{"member_id":"\#(member)","type":"review"}"#),
                    Call(path: "/v1/events", body: #"{"member_id":"\#(member)","type":"purchase","purchase":{"currency":"EUR","total":"5"}}"#))
        },
        "POST /v1/transfers": { api in
            let from = try await funded(api, "idem-transfer-from")
            let to = try await api.member("idem-transfer-to")
            return (Call(path: "/v1/transfers", body: #"{"from_member_id":"\#(from)","to_member_id":"\#(to)","points":10}"#),
                    Call(path: "/v1/transfers", body: #"{"from_member_id":"\#(from)","to_member_id":"\#(to)","points":11}"#))
        },
        "POST /v1/members/{id}/tokens": { api in
            let member = try await api.member("idem-token")
            return (Call(path: "/v1/members/\(member)/tokens", body: #"{"expires_in":600}"#),
                    Call(path: "/v1/members/\(member)/tokens", body: #"{"expires_in":700}"#))
        },
        "POST /v1/token-keys/rotate": { _ in
            (Call(path: "/v1/token-keys/rotate", body: "{}"), Call(path: "/v1/token-keys/rotate", body: #"{"revoke_previous":false}"#))
        },
        "PUT /v1/members/{id}/tier": { api in
            let member = try await api.member("idem-floor")
            return (Call(path: "/v1/members/\(member)/tier", body: #"{"tier":"gold","reason":"influencer"}"#),
                    Call(path: "/v1/members/\(member)/tier", body: #"{"tier":"bronze","reason":"influencer"}"#))
        },
        "DELETE /v1/members/{id}/tier": { api in
            let member = try await api.member("idem-unfloor")
            let other = try await api.member("idem-unfloor-2")
            return (Call(path: "/v1/members/\(member)/tier", body: nil), Call(path: "/v1/members/\(other)/tier", body: nil))
        },
        "POST /v1/rewards": { _ in
            (Call(path: "/v1/rewards", body: #"{"id":"idem-mug","name":"Mug","type":"experience","cost":10}"#),
             Call(path: "/v1/rewards", body: #"{"id":"idem-mug","name":"Big mug","type":"experience","cost":10}"#))
        },
        "PUT /v1/rewards/{id}": { _ in
            (Call(path: "/v1/rewards/idem-cap", body: #"{"name":"Cap","type":"experience","cost":10,"stock":3}"#),
             Call(path: "/v1/rewards/idem-cap", body: #"{"name":"Cap","type":"experience","cost":10,"stock":4}"#))
        },
        "POST /v1/rewards/{id}/codes": { api in
            try await reward(api, #"{"id":"idem-card","name":"Card","type":"gift_card","value":"5","cost":10,"codes":"pool"}"#)
            return (Call(path: "/v1/rewards/idem-card/codes", body: #"{"codes":["C1","C2"]}"#),
                    Call(path: "/v1/rewards/idem-card/codes", body: #"{"codes":["C3"]}"#))
        },
        "POST /v1/redemptions": { api in
            let member = try await funded(api, "idem-redeem")
            try await reward(api, #"{"id":"idem-tea","name":"Tea","type":"experience","cost":10}"#)
            return (Call(path: "/v1/redemptions", body: #"{"member_id":"\#(member)","reward_id":"idem-tea"}"#),
                    Call(path: "/v1/redemptions", body: #"{"member_id":"\#(member)","reward_id":"idem-tea","points":10}"#))
        },
        "POST /v1/redemptions/{id}/cancel": { api in
            let member = try await funded(api, "idem-cancel")
            let first = try await redemption(api, member), other = try await redemption(api, member)
            return (Call(path: "/v1/redemptions/\(first)/cancel", body: nil), Call(path: "/v1/redemptions/\(other)/cancel", body: nil))
        },
        "POST /v1/redemptions/{id}/fulfil": { api in
            let member = try await funded(api, "idem-fulfil")
            let first = try await redemption(api, member), other = try await redemption(api, member)
            return (Call(path: "/v1/redemptions/\(first)/fulfil", body: nil), Call(path: "/v1/redemptions/\(other)/fulfil", body: nil))
        },
        "POST /v1/clubs/{id}/members": { api in
            let member = try await api.member("idem-invite"), other = try await api.member("idem-invite-2")
            return (Call(path: "/v1/clubs/lounge/members", body: #"{"member_id":"\#(member)"}"#),
                    Call(path: "/v1/clubs/lounge/members", body: #"{"member_id":"\#(other)"}"#))
        },
        "POST /v1/clubs/{id}/join": { api in
            let member = try await funded(api, "idem-join"), other = try await funded(api, "idem-join-2")
            return (Call(path: "/v1/clubs/lounge/join", body: #"{"member_id":"\#(member)"}"#),
                    Call(path: "/v1/clubs/lounge/join", body: #"{"member_id":"\#(other)"}"#))
        },
        "DELETE /v1/clubs/{id}/members/{member_id}": { api in
            var members: [String] = []
            for name in ["idem-leave", "idem-leave-2"] {
                let member = try await api.member(name)
                #expect(try await api.post("/v1/clubs/lounge/members", #"{"member_id":"\#(member)"}"#).status == 201)
                members.append(member)
            }
            return (Call(path: "/v1/clubs/lounge/members/\(members[0])", body: nil), Call(path: "/v1/clubs/lounge/members/\(members[1])", body: nil))
        },
        "POST /v1/members/{id}/challenges/{challenge_id}/join": { api in
            let member = try await api.member("idem-challenge"), other = try await api.member("idem-challenge-2")
            return (Call(path: "/v1/members/\(member)/challenges/idem-walk/join", body: nil), Call(path: "/v1/members/\(other)/challenges/idem-walk/join", body: nil))
        },
        "POST /v1/reviews/{id}/approve": { api in
            let first = try await heldReview(api, "idem-approve"), other = try await heldReview(api, "idem-approve-2")
            return (Call(path: "/v1/reviews/\(first)/approve", body: nil), Call(path: "/v1/reviews/\(other)/approve", body: nil))
        },
        "POST /v1/reviews/{id}/reject": { api in
            let first = try await heldReview(api, "idem-reject"), other = try await heldReview(api, "idem-reject-2")
            return (Call(path: "/v1/reviews/\(first)/reject", body: nil), Call(path: "/v1/reviews/\(other)/reject", body: nil))
        },
        "POST /v1/members/{id}/games/{wheel_id}/spins": { api in
            let first = try await funded(api, "idem-spin"), other = try await funded(api, "idem-spin-2")
            return (Call(path: "/v1/members/\(first)/games/lucky/spins", body: nil), Call(path: "/v1/members/\(other)/games/lucky/spins", body: nil))
        },
        "POST /v1/members/{id}/games/{wheel_id}/plays": { api in
            let member = try await api.member("idem-plays")
            return (Call(path: "/v1/members/\(member)/games/lucky/plays", body: #"{"plays":1,"reason":"contest"}"#),
                    Call(path: "/v1/members/\(member)/games/lucky/plays", body: #"{"plays":2,"reason":"contest"}"#))
        },
        "POST /v1/raffles/{id}/entries": { api in
            let first = try await funded(api, "idem-raffle"), other = try await funded(api, "idem-raffle-2")
            return (Call(path: "/v1/raffles/summer/entries", body: #"{"member_id":"\#(first)"}"#),
                    Call(path: "/v1/raffles/summer/entries", body: #"{"member_id":"\#(other)"}"#))
        },
        "POST /v1/raffles/{id}/draw": { _ in
            (Call(path: "/v1/raffles/spring/draw", body: nil), Call(path: "/v1/raffles/winter/draw", body: nil))
        },
        "POST /v1/imports": { _ in
            (Call(path: "/v1/imports?kind=members&format=csv", body: "external_id\nidem-1"),
             Call(path: "/v1/imports?kind=members&format=csv&on_error=refuse", body: "external_id\nidem-1"))
        },
        "POST /v1/webhook_endpoints": { _ in
            (Call(path: "/v1/webhook_endpoints", body: #"{"url":"https://203.0.113.7/idem"}"#),
             Call(path: "/v1/webhook_endpoints", body: #"{"url":"https://203.0.113.7/idem-other"}"#))
        },
        "PATCH /v1/webhook_endpoints/{id}": { api in
            let endpoint = try await webhookEndpoint(api)
            return (Call(path: "/v1/webhook_endpoints/\(endpoint)", body: #"{"description":"a"}"#),
                    Call(path: "/v1/webhook_endpoints/\(endpoint)", body: #"{"description":"b"}"#))
        },
        "DELETE /v1/webhook_endpoints/{id}": { api in
            let first = try await webhookEndpoint(api), other = try await webhookEndpoint(api)
            return (Call(path: "/v1/webhook_endpoints/\(first)", body: nil), Call(path: "/v1/webhook_endpoints/\(other)", body: nil))
        },
        "POST /v1/webhook_endpoints/{id}/rotate_secret": { api in
            let endpoint = try await webhookEndpoint(api)
            return (Call(path: "/v1/webhook_endpoints/\(endpoint)/rotate_secret", body: #"{"overlap_hours":1}"#),
                    Call(path: "/v1/webhook_endpoints/\(endpoint)/rotate_secret", body: #"{"overlap_hours":2}"#))
        },
        "POST /v1/webhook_endpoints/{id}/test": { api in
            let first = try await webhookEndpoint(api), other = try await webhookEndpoint(api)
            return (Call(path: "/v1/webhook_endpoints/\(first)/test", body: nil), Call(path: "/v1/webhook_endpoints/\(other)/test", body: nil))
        },
        "POST /v1/webhook_endpoints/{id}/deliveries/{delivery_id}/replay": { api in
            let endpoint = try await webhookEndpoint(api)
            var deliveries: [String] = []
            for _ in 0..<2 {
                let test = try await api.post("/v1/webhook_endpoints/\(endpoint)/test", "")
                #expect(test.status == 202, "\(test.text)")
                deliveries.append(try #require(test.json["id"] as? String))
            }
            return (Call(path: "/v1/webhook_endpoints/\(endpoint)/deliveries/\(deliveries[0])/replay", body: nil),
                    Call(path: "/v1/webhook_endpoints/\(endpoint)/deliveries/\(deliveries[1])/replay", body: nil))
        },
        "POST /v1/members/{id}/erase": { api in
            let member = try await api.member("idem-erase")
            return (Call(path: "/v1/members/\(member)/erase", body: #"{"reason":"GDPR request"}"#),
                    Call(path: "/v1/members/\(member)/erase", body: #"{"reason":"another request"}"#))
        },
        "POST /v1/simulations": { _ in
            (Call(path: "/v1/simulations", body: #"{"from":"2026-01-01T00:00:00Z","to":"2026-03-01T00:00:00Z"}"#),
             Call(path: "/v1/simulations", body: #"{"from":"2026-02-01T00:00:00Z","to":"2026-03-01T00:00:00Z"}"#))
        },
        "POST /v1/bulk-awards": { api in
            let member = try await api.member("idem-bulk")
            return (Call(path: "/v1/bulk-awards", body: #"{"points":5,"reason":"storm","member_ids":["\#(member)"]}"#),
                    Call(path: "/v1/bulk-awards", body: #"{"points":6,"reason":"storm","member_ids":["\#(member)"]}"#))
        },
        "PUT /v1/members/{id}/consents": { api in
            let member = try await api.member("idem-consents")
            return (Call(path: "/v1/members/\(member)/consents", body: #"{"consents":{"marketing":true}}"#),
                    Call(path: "/v1/members/\(member)/consents", body: #"{"consents":{"marketing":false}}"#))
        },
    ]

    /// A new webhook endpoint's id.
    static func webhookEndpoint(_ api: HTTPFixture.Client) async throws -> String {
        let created = try await api.post("/v1/webhook_endpoints", #"{"url":"https://203.0.113.7/idem-setup"}"#)
        #expect(created.status == 201, "\(created.text)")
        return try #require(created.json["id"] as? String)
    }

    /// The review of a new member's purchase above the program's hold threshold.
    static func heldReview(_ api: HTTPFixture.Client, _ externalId: String) async throws -> String {
        let held = try await api.purchase(try await api.member(externalId), total: "2000.00")
        #expect(held.status == 202, "\(held.text)")
        return try #require((held.json["outcome"] as? [String: Any])?["review_id"] as? String)
    }

    /// A member with 100 available points.
    static func funded(_ api: HTTPFixture.Client, _ externalId: String) async throws -> String {
        let member = try await api.member(externalId)
        let credit = try await api.post("/v1/members/\(member)/adjustments", #"{"points":100,"reason":"setup"}"#)
        #expect(credit.status == 201, "\(credit.text)")
        return member
    }

    static func reward(_ api: HTTPFixture.Client, _ json: String) async throws {
        let created = try await api.post("/v1/rewards", json)
        #expect(created.status == 201, "\(created.text)")
    }

    /// A fresh redemption of a 10-point reward by `member`.
    static func redemption(_ api: HTTPFixture.Client, _ member: String) async throws -> String {
        if try await api.get("/v1/rewards/idem-pen").status == 404 {
            try await reward(api, #"{"id":"idem-pen","name":"Pen","type":"experience","cost":10}"#)
        }
        let redeemed = try await api.post("/v1/redemptions", #"{"member_id":"\#(member)","reward_id":"idem-pen"}"#)
        #expect(redeemed.status == 201, "\(redeemed.text)")
        return try #require(redeemed.json["id"] as? String)
    }

    /// `METHOD /path` of every write operation in the OpenAPI document.
    static func documentedWrites() throws -> [(method: HTTPRequest.Method, path: String)] {
        let root = try #require(try JSONSerialization.jsonObject(with: OpenAPIDocument.data) as? [String: Any])
        let paths = try #require(root["paths"] as? [String: [String: Any]])
        return paths.flatMap { path, operations in
            operations.keys.compactMap { method -> (HTTPRequest.Method, String)? in
                guard ["post", "put", "patch", "delete"].contains(method) else { return nil }
                return (HTTPRequest.Method(rawValue: method.uppercased())!, path)
            }
        }.sorted { ($0.1, $0.0.rawValue) < ($1.1, $1.0.rawValue) }
    }

    @Test func everyDocumentedWriteHasACase() throws {
        let writes = try Self.documentedWrites()
        #expect(writes.count >= 17)
        for (method, path) in writes { #expect(Self.cases["\(method.rawValue) \(path)"] != nil, "no idempotency case for \(method) \(path)") }
    }

    @Test(arguments: TestBackend.available)
    func everyDocumentedWriteReplaysItsFirstAnswerAndRefusesAnotherRequest(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        let writes = try Self.documentedWrites()
        try await fixture.withServer { api in
            let applied = try await api.call(.put, "/v1/program", key: fixture.admin, body: Self.program)
            #expect(applied.status == 200, "\(applied.text)")
            let replayed = HTTPField.Name("Idempotent-Replayed")!
            for (method, path) in writes {
                let name = "\(method.rawValue) \(path)"
                guard let make = Self.cases[name] else { continue }
                let (first, other) = try await make(api)
                let key = "idem \(name)"
                let answer = try await api.call(method, first.path, key: fixture.admin, body: first.body, idempotencyKey: key)
                #expect((200..<300).contains(answer.status), "\(name): \(answer.text)")
                #expect(answer.headers[replayed] == nil, "\(name)")
                let again = try await api.call(method, first.path, key: fixture.admin, body: first.body, idempotencyKey: key)
                #expect(again.status == answer.status && again.body == answer.body, "\(name): \(again.text) vs \(answer.text)")
                #expect(again.headers[replayed] == "true", "\(name)")
                let refused = try await api.call(method, other.path, key: fixture.admin, body: other.body, idempotencyKey: key)
                #expect(refused.status == 422 && refused.code == "idempotency_key_reused", "\(name): \(refused.text)")
            }
        }
    }
}
