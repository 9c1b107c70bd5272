import Foundation
import LaurelTestSupport
import Testing

@Suite struct EventRouteTests {
    @Test(arguments: TestBackend.available)
    func purchaseEarnsWithExplanations(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let member = try await api.member("e1")
            let answer = try await api.post("/v1/events", #"""
                {"member_id":"\#(member)","type":"purchase","occurred_at":"2026-03-03T09:00:00Z","channel":"app","purchase":{"currency":"EUR","lines":[
                  {"sku":"SNEAK-1","category":"shoes","quantity":2,"unit_price":"30.50"},
                  {"sku":"SOCKS","category":"accessories","unit_price":"5.00"},
                  {"sku":"SHIP","unit_price":"4.95","delivery":true}]}}
                """#, key: fixture.integration)
            #expect(answer.status == 201, "\(answer.text)")
            #expect(answer.json["points"] as? Int == 127) // 66 base (61 + 5) + 61 from ×2 on shoes
            let outcome = try #require(answer.json["outcome"] as? [String: Any])
            let rules = try #require(outcome["rules"] as? [[String: Any]])
            #expect(rules.map { $0["points"] as? Int } == [66, 61])
            #expect(rules.allSatisfy { !(($0["explanation"] as? String) ?? "").isEmpty })
            #expect(outcome["pending"] as? Bool == true)
            #expect(outcome["available_at"] as? String == "2026-03-17T09:00:00.000Z")
            let id = try #require(answer.json["id"] as? String)
            let stored = try await api.get("/v1/events/\(id)")
            #expect(stored.status == 200 && stored.json["points"] as? Int == 127 && stored.json["program_version"] as? Int == 1)
            // Events are written by hand (EventView): the bytes must be canonical JSON, sorted keys, and the same when read back.
            let canonical = try JSONSerialization.data(withJSONObject: answer.json, options: [.sortedKeys, .withoutEscapingSlashes])
            #expect(answer.text == String(decoding: canonical, as: UTF8.self))
            #expect(stored.text == answer.text)
            #expect(try await api.points(member)["pending"] as? Int == 127)
            #expect(try await api.get("/v1/events/evt_nothing").status == 404)
        }
    }

    @Test(arguments: TestBackend.available)
    func namedEventsAndLimits(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let member = try await api.member("e2")
            var earned: [Int] = []
            for _ in 0..<3 {
                earned.append(try await api.post("/v1/events", #"{"external_id":"e2","type":"review"}"#).json["points"] as? Int ?? -1)
            }
            #expect(earned == [50, 50, 0])
            #expect(try await api.points(member)["available"] as? Int == 100)
            let other = try await api.post("/v1/events", #"{"member_id":"\#(member)","type":"social_share","attributes":{"network":"x"}}"#)
            #expect(other.status == 201 && other.json["points"] as? Int == 0)
        }
    }

    @Test(arguments: TestBackend.available)
    func returnsReverseInProportion(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let member = try await api.member("e3")
            let purchase = try #require(try await api.purchase(member, total: "200.00").json["id"] as? String)
            let first = try await api.post("/v1/events", #"{"member_id":"\#(member)","type":"return","return":{"purchase_event_id":"\#(purchase)","amount":"50.00"}}"#)
            #expect(first.status == 201 && first.json["points"] as? Int == 50)
            let second = try await api.post("/v1/events", #"{"member_id":"\#(member)","type":"return","return":{"purchase_event_id":"\#(purchase)","amount":"150.00"}}"#)
            #expect(second.json["points"] as? Int == 150)
            let tooMuch = try await api.post("/v1/events", #"{"member_id":"\#(member)","type":"return","return":{"purchase_event_id":"\#(purchase)","amount":"0.01"}}"#)
            #expect(tooMuch.status == 422 && tooMuch.code == "refund_exceeds_purchase")
            let unknown = try await api.post("/v1/events", #"{"member_id":"\#(member)","type":"return","return":{"purchase_event_id":"evt_nope","amount":"1.00"}}"#)
            #expect(unknown.status == 422 && unknown.code == "unknown_purchase")
            let points = try await api.points(member)
            #expect(points["pending"] as? Int == 0 && points["available"] as? Int == 0)
        }
    }

    @Test(arguments: TestBackend.available)
    func badEventsChangeNothing(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let member = try await api.member("e4")
            _ = try await api.purchase(member)
            let before = try await api.ledgerCount(member)
            let cases: [(String, Int, String?)] = [
                (#"{"member_id":"\#(member)","type":"purchase","purchase":{"currency":"USD","total":"10.00"}}"#, 422, "purchase.currency"),
                (#"{"member_id":"\#(member)","type":"purchase","purchase":{"currency":"EUR","lines":[{"sku":"A","quantity":-1,"unit_price":"1.00"}]}}"#, 422, "purchase.lines[0].quantity"),
                (#"{"member_id":"\#(member)","type":"purchase","purchase":{"currency":"EUR","lines":[{"sku":"A","unit_price":"-1.00"}]}}"#, 422, "purchase.lines[0].unit_price"),
                (#"{"member_id":"\#(member)","type":"purchase","purchase":{"currency":"EUR","lines":[{"sku":"A","unit_price":"1.23456"}]}}"#, 422, "purchase.lines[0].unit_price"),
                (#"{"member_id":"\#(member)","type":"purchase","purchase":{"currency":"EUR","lines":[{"sku":"A","quantity":"two","unit_price":"1"}]}}"#, 422, "purchase.lines[0].quantity"),
                (#"{"member_id":"\#(member)","type":"purchase"}"#, 422, "purchase"),
                (#"{"member_id":"\#(member)","type":"Bad Type!"}"#, 422, "type"),
                (#"{"member_id":"\#(member)","type":"review","occurred_at":"yesterday"}"#, 422, "occurred_at"),
                (#"{"member_id":"\#(member)","type":"review","occurred_at":"2099-01-01T00:00:00Z"}"#, 422, "occurred_at"),
                (#"{"member_id":"\#(member)","external_id":"e4","type":"review"}"#, 422, "member_id"),
                (#"{"type":"review"}"#, 422, "member_id"),
                (#"{"member_id":"\#(member)","type":"review","purchase":{"currency":"EUR","total":"1"}}"#, 422, "purchase"),
                (#"{"member_id":"\#(member)","type":"return"}"#, 422, "return"),
                (#"{"member_id":"\#(member)","type":"return","return":{"purchase_event_id":"x","amount":"0"}}"#, 422, "return.amount"),
                (#"not json"#, 400, nil),
            ]
            for (body, status, field) in cases {
                let answer = try await api.post("/v1/events", body)
                #expect(answer.status == status, "\(body) -> \(answer.text)")
                if let field { #expect(answer.field == field, "\(body) -> \(answer.text)") }
            }
            let unknownMember = try await api.post("/v1/events", #"{"member_id":"mem_nobody","type":"review"}"#)
            #expect(unknownMember.status == 404 && unknownMember.code == "not_found")
            #expect(try await api.post("/v1/events", #"{"external_id":"nobody","type":"review"}"#).status == 404)
            #expect(try await api.ledgerCount(member) == before)
            #expect(try await api.post("/v1/events", #"{"member_id":"\#(member)","type":"review"}"#, key: fixture.read).status == 403)
        }
    }
}
