import Foundation
import HTTPTypes
import LaurelCore
import LaurelTestSupport
import Testing

/// Points summaries as the clock moves, returns that never take back more than was earned,
/// and inputs at the edges of the integer and money ranges (which must answer 422, not crash).
@Suite struct EdgeCaseTests {
    @Test(arguments: TestBackend.available)
    func pointsSummaryFollowsTheClock(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let member = try await api.member("clock-1")
            #expect(try await api.purchase(member, total: "80.00").status == 201)
            // Earned now (2026-03-03T10:00Z): pending for 14 days, expiring 30 days after it was earned.
            var points = try await api.points(member)
            #expect(points["available"] as? Int == 0 && points["pending"] as? Int == 80 && points["lifetime_earned"] as? Int == 80)
            let release = try #require(points["pending_release"] as? [[String: Any]])
            #expect(release.count == 1 && release.first?["date"] as? String == "2026-03-17T10:00:00.000Z" && release.first?["points"] as? Int == 80)
            let expiringAtStart = try #require(points["expiring_soon"] as? [[String: Any]])
            #expect(expiringAtStart.count == 1 && expiringAtStart.first?["date"] as? String == "2026-04-02T10:00:00.000Z")

            // 15 days later the points are available (shown settled even before the job runs).
            fixture.clock.advance(by: 15 * 86_400)
            points = try await api.points(member)
            #expect(points["available"] as? Int == 80 && points["pending"] as? Int == 0)
            #expect((points["pending_release"] as? [Any])?.isEmpty == true)
            let expiring = try #require(points["expiring_soon"] as? [[String: Any]])
            #expect(expiring.count == 1 && expiring.first?["points"] as? Int == 80 && expiring.first?["date"] as? String == "2026-04-02T10:00:00.000Z")

            // After the expiry date nothing is left.
            fixture.clock.advance(by: 16 * 86_400)
            points = try await api.points(member)
            #expect(points["available"] as? Int == 0 && points["pending"] as? Int == 0 && points["lifetime_earned"] as? Int == 80)
            #expect((points["expiring_soon"] as? [Any])?.isEmpty == true)
        }
    }

    @Test(arguments: TestBackend.available)
    func returnsNeverTakeBackMoreThanEarned(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let member = try await api.member("ret-1")
            // 30.00 of shoes (30 + 30 from ×2) and 10.00 of socks: 70 points on 40.00.
            let purchase = try await api.post("/v1/events", #"""
                {"member_id":"\#(member)","type":"purchase","purchase":{"currency":"EUR","lines":[
                  {"sku":"SHOE","category":"shoes","unit_price":"30.00"},{"sku":"SOCK","category":"socks","unit_price":"10.00"}]}}
                """#)
            #expect(purchase.status == 201 && purchase.json["points"] as? Int == 70, "\(purchase.text)")
            let purchaseId = try #require(purchase.json["id"] as? String)
            func refund(_ amount: String) async throws -> HTTPFixture.Client.Answer {
                try await api.post("/v1/events", #"{"member_id":"\#(member)","type":"return","return":{"purchase_event_id":"\#(purchaseId)","amount":"\#(amount)"}}"#)
            }
            // Three refunds of a third each: rounding never lets their sum pass the 70 earned.
            var reversed: [Int] = []
            for amount in ["13.33", "13.33", "13.34"] {
                let answer = try await refund(amount)
                #expect(answer.status == 201, "\(answer.text)")
                reversed.append(answer.json["points"] as? Int ?? -1)
            }
            #expect(reversed.reduce(0, +) == 70, "reversed \(reversed)")
            #expect(reversed.allSatisfy { (23...24).contains($0) }, "in proportion: \(reversed)")
            let before = try await api.ledgerCount(member)
            let tooMuch = try await refund("0.01")
            #expect(tooMuch.status == 422 && tooMuch.code == "refund_exceeds_purchase" && tooMuch.field == "return.amount")
            let unknown = try await api.post("/v1/events", #"{"member_id":"\#(member)","type":"return","return":{"purchase_event_id":"evt_nope","amount":"1.00"}}"#)
            #expect(unknown.status == 422 && unknown.code == "unknown_purchase")
            #expect(try await api.ledgerCount(member) == before, "a refused return writes nothing")
            let points = try await api.points(member)
            #expect(points["pending"] as? Int == 0 && points["available"] as? Int == 0 && points["debt"] as? Int == 0)
        }
    }

    @Test(arguments: TestBackend.available)
    func integerAndMoneyExtremesAreRefused(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let member = try await api.member("edge-1")
            let before = try await api.ledgerCount(member)
            // |Int.min| does not fit in an Int: this used to trap in abs() and take the server down.
            let minimum = try await api.post("/v1/members/\(member)/adjustments", #"{"points":-9223372036854775808,"reason":"x"}"#)
            #expect(minimum.status == 422 && minimum.field == "points", "\(minimum.text)")
            let tooBig = try await api.post("/v1/members/\(member)/adjustments", #"{"points":100000001,"reason":"x"}"#)
            #expect(tooBig.status == 422 && tooBig.field == "points")
            let notAnInt = try await api.post("/v1/members/\(member)/adjustments", #"{"points":1.5,"reason":"x"}"#)
            #expect(notAnInt.status == 422 && notAnInt.field == "points", "\(notAnInt.text)")
            let quantity = try await api.post("/v1/events", #"""
                {"member_id":"\#(member)","type":"purchase","purchase":{"currency":"EUR","lines":[{"sku":"A","quantity":2.5,"unit_price":"1.50"}]}}
                """#)
            #expect(quantity.status == 422 && quantity.field == "purchase.lines[0].quantity", "\(quantity.text)")
            let overflow = try await api.post("/v1/transfers", #"{"from_member_id":"\#(member)","to_member_id":"x","points":99999999999999999999}"#)
            #expect(overflow.status == 422 && overflow.field == "points", "\(overflow.text)")
            #expect(try await api.post("/v1/members", #"{"external_id": "#).code == "invalid_json", "malformed JSON stays a 400")

            // unit_price × quantity beyond the range of money: used to overflow and trap in the core.
            let line = try await api.post("/v1/events", #"""
                {"member_id":"\#(member)","type":"purchase","purchase":{"currency":"EUR","lines":[{"sku":"A","quantity":1000000,"unit_price":"900000000000000"}]}}
                """#)
            #expect(line.status == 422 && line.field == "purchase.lines[0]", "\(line.text)")
            let sum = try await api.post("/v1/events", #"""
                {"member_id":"\#(member)","type":"purchase","purchase":{"currency":"EUR","lines":[
                  {"sku":"A","unit_price":"900000000000"},{"sku":"B","unit_price":"900000000000"}]}}
                """#)
            #expect(sum.status == 422 && sum.field == "purchase.lines", "\(sum.text)")
            let wrongType = try await api.post("/v1/events", #"""
                {"member_id":"\#(member)","type":"purchase","purchase":{"currency":"EUR","lines":[{"sku":"A","unit_price":true}]}}
                """#)
            #expect(wrongType.status == 422 && wrongType.field == "purchase.lines[0].unit_price", "\(wrongType.text)")
            #expect(try await api.ledgerCount(member) == before)
            #expect(try await api.points(member)["available"] as? Int == 0)
            // The server is still answering.
            #expect(try await api.call(.get, "/healthz", key: nil).status == 200)
        }
    }

    /// `Amount("999999999999999")` used to multiply 15 digits by 10 000 in an Int64 and trap,
    /// so one such amount in any request body ended the server process.
    @Test(arguments: TestBackend.available)
    func hugeAmountTextIsRefused(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let member = try await api.member("edge-2")
            let answer = try await api.purchase(member, total: "999999999999999")
            #expect(answer.status == 422 && answer.field == "purchase.total", "\(answer.text)")
        }
    }

    @Test(arguments: TestBackend.available)
    func programWritesReplayAndKeysAreChecked(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let yaml = HTTPFixture.program.replacingOccurrences(of: "points: 50", with: "points: 60")
            let first = try await api.call(.put, "/v1/program", key: fixture.admin, body: yaml, idempotencyKey: "program-2")
            let again = try await api.call(.put, "/v1/program", key: fixture.admin, body: yaml, idempotencyKey: "program-2")
            #expect(first.status == 200 && first.json["version"] as? Int == 2)
            #expect(again.status == 200 && again.body == first.body && again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect((try await api.get("/v1/program/versions").json["data"] as? [Any])?.count == 2, "the replay made no version")
            let other = try await api.call(.put, "/v1/program", key: fixture.admin, body: HTTPFixture.program, idempotencyKey: "program-2")
            #expect(other.status == 422 && other.code == "idempotency_key_reused")

            let member = try await api.member("key-1")
            let longKey = String(repeating: "k", count: 256)
            let refused = try await api.post("/v1/events", #"{"member_id":"\#(member)","type":"review"}"#, idempotencyKey: longKey)
            #expect(refused.status == 400 && refused.code == "invalid_idempotency_key")
            #expect(try await api.ledgerCount(member) == 0)
            // The same key on another route is another request, so it is refused.
            let review = try await api.post("/v1/events", #"{"member_id":"\#(member)","type":"review"}"#, idempotencyKey: "k-1")
            let enrol = try await api.post("/v1/members", #"{"external_id":"key-2"}"#, idempotencyKey: "k-1")
            #expect(review.status == 201 && enrol.status == 422 && enrol.code == "idempotency_key_reused")
        }
    }
}
