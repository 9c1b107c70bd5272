import Foundation
import LaurelCore
import LaurelServer
import LaurelTestSupport
import Testing

/// `GET /v1/members/{id}/points-activity`: what moved a member's points in a period, summed from
/// the ledger, with `net` equal to the change of available plus pending points.
struct PointsActivityTests {
    @Test(arguments: TestBackend.available)
    func everyKindOfMovementIsSummedAndNetIsTheBalanceChange(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let ana = try await api.member("activity-ana")
            let ben = try await api.member("activity-ben")
            let purchase = try #require(try await api.purchase(ana, total: "100.00").json["id"] as? String)
            #expect(try await api.post("/v1/events", #"{"member_id":"\#(ana)","type":"review"}"#).status == 201)
            #expect(try await api.post("/v1/members/\(ana)/adjustments", #"{"points":100,"reason":"gift"}"#).status == 201)
            #expect(try await api.post("/v1/members/\(ana)/adjustments", #"{"points":-30,"reason":"fix"}"#).status == 201)
            #expect(try await api.post("/v1/transfers", #"{"from_member_id":"\#(ana)","to_member_id":"\#(ben)","points":20}"#).status == 201)
            let back = try await api.post("/v1/events", #"{"member_id":"\#(ana)","type":"return","return":{"purchase_event_id":"\#(purchase)","amount":"40.00"}}"#)
            #expect(back.status == 201, "\(back.text)")
            let start = HTTPFixture.start
            fixture.clock.advance(by: 3600)
            #expect(try await api.post("/v1/members/\(ana)/adjustments", #"{"points":5,"reason":"later"}"#).status == 201)

            let all = try await api.get("/v1/members/\(ana)/points-activity")
            #expect(all.status == 200, "\(all.text)")
            #expect(all.json["object"] as? String == "points_activity" && all.json["member_id"] as? String == ana)
            #expect(all.json["from"] is NSNull && all.json["until"] is NSNull)
            let figures = ["earned": 150, "spent": 0, "restored": 0, "expired": 0, "reversed": 40, "adjusted_in": 105, "adjusted_out": 30,
                           "transferred_in": 0, "transferred_out": 20, "net": 165]
            for (name, value) in figures { #expect(all.json[name] as? Int == value, "\(name): \(all.json[name] ?? "missing")") }
            let points = try await api.points(ana)
            #expect((points["available"] as? Int ?? 0) + (points["pending"] as? Int ?? 0) == 165, "net is the balance change from 0")

            let received = try await api.get("/v1/members/\(ben)/points-activity")
            #expect(received.json["transferred_in"] as? Int == 20 && received.json["net"] as? Int == 20 && received.json["transferred_out"] as? Int == 0)

            let from = Timestamps.format(start.addingTimeInterval(60))
            let later = try await api.get("/v1/members/\(ana)/points-activity?from=\(from)")
            #expect(later.json["adjusted_in"] as? Int == 5 && later.json["net"] as? Int == 5 && later.json["earned"] as? Int == 0)
            #expect(later.json["from"] as? String == from)
            let until = Timestamps.format(start.addingTimeInterval(60))
            let earlier = try await api.get("/v1/members/\(ana)/points-activity?until=\(until)")
            #expect(earlier.json["net"] as? Int == 160 && earlier.json["adjusted_in"] as? Int == 100)
            let empty = try await api.get("/v1/members/\(ana)/points-activity?from=\(from)&until=\(until)")
            #expect(empty.status == 200 && empty.json["net"] as? Int == 0, "from = until is an empty period")
        }
    }

    @Test(arguments: TestBackend.available)
    func badRequestsAreRefused(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let ana = try await api.member("activity-bad")
            let bad = try await api.get("/v1/members/\(ana)/points-activity?from=yesterday")
            #expect(bad.status == 400 && bad.field == "from")
            #expect(try await api.get("/v1/members/\(ana)/points-activity?until=2026-13-01T00:00:00Z").field == "until")
            #expect(try await api.get("/v1/members/mem_nobody/points-activity").status == 404)
            #expect(try await api.get("/v1/members/\(ana)/points-activity", key: fixture.otherAdmin).status == 404, "another program's member")
        }
    }
}
