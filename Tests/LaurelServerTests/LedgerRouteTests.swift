import Foundation
import LaurelTestSupport
import Testing

@Suite struct LedgerRouteTests {
    @Test(arguments: TestBackend.available)
    func ledgerNewestFirstWithCursors(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let member = try await api.member("l1")
            for _ in 0..<2 { _ = try await api.post("/v1/events", #"{"member_id":"\#(member)","type":"review"}"#) }
            _ = try await api.purchase(member, total: "10.00")
            let page = try await api.get("/v1/members/\(member)/ledger?limit=2")
            let entries = try #require(page.json["data"] as? [[String: Any]])
            #expect(entries.count == 2 && page.json["has_more"] as? Bool == true)
            #expect(entries[0]["pending_change"] as? Int == 10 && entries[0]["kind"] as? String == "earn")
            #expect(entries[1]["available_change"] as? Int == 50)
            let cursor = try #require(page.json["next_cursor"] as? String)
            let rest = try await api.get("/v1/members/\(member)/ledger?limit=2&starting_after=\(cursor)")
            #expect((rest.json["data"] as? [Any])?.count == 1 && rest.json["has_more"] as? Bool == false)
            #expect(try await api.get("/v1/members/\(member)/ledger?starting_after=42").status == 400)
            #expect(try await api.get("/v1/members/mem_nobody/ledger").status == 404)
        }
    }

    @Test(arguments: TestBackend.available)
    func adjustments(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let member = try await api.member("l2")
            let credit = try await api.post("/v1/members/\(member)/adjustments", #"{"points":300,"reason":"welcome gift","actor":"jane"}"#)
            #expect(credit.status == 201 && (credit.json["balance_after"] as? [String: Any])?["available"] as? Int == 300)
            let debit = try await api.post("/v1/members/\(member)/adjustments", #"{"points":-100,"reason":"correction"}"#)
            #expect(debit.status == 201)
            let tooMuch = try await api.post("/v1/members/\(member)/adjustments", #"{"points":-500,"reason":"oops"}"#)
            #expect(tooMuch.status == 422 && tooMuch.code == "insufficient_points")
            #expect(tooMuch.json["missing_points"] as? Int == 300 && tooMuch.json["available_points"] as? Int == 200)
            #expect(try await api.post("/v1/members/\(member)/adjustments", #"{"points":10}"#).field == "reason")
            #expect(try await api.post("/v1/members/\(member)/adjustments", #"{"points":10,"reason":"  "}"#).field == "reason")
            #expect(try await api.post("/v1/members/\(member)/adjustments", #"{"points":0,"reason":"x"}"#).field == "points")
            #expect(try await api.post("/v1/members/\(member)/adjustments", #"{"points":10,"reason":"x"}"#, key: fixture.integration).status == 403)
            #expect(try await api.post("/v1/members/mem_nobody/adjustments", #"{"points":10,"reason":"x"}"#).status == 404)
            let entries = try #require(try await api.get("/v1/members/\(member)/ledger").json["data"] as? [[String: Any]])
            #expect(entries.count == 2)
            #expect(entries[1]["reason"] as? String == "welcome gift" && (entries[1]["actor"] as? String)?.hasPrefix("jane via key_") == true)
            #expect(try await api.points(member)["available"] as? Int == 200)
        }
    }

    @Test(arguments: TestBackend.available)
    func transfers(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let ana = try await api.member("l3"), ben = try await api.member("l4")
            _ = try await api.post("/v1/members/\(ana)/adjustments", #"{"points":100,"reason":"seed"}"#)
            let moved = try await api.post("/v1/transfers", #"{"from_member_id":"\#(ana)","to_member_id":"\#(ben)","points":60}"#, key: fixture.integration)
            #expect(moved.status == 201 && moved.json["points"] as? Int == 60)
            #expect(try await api.points(ana)["available"] as? Int == 40)
            #expect(try await api.points(ben)["available"] as? Int == 60)
            #expect((try await api.points(ben)["expiring_soon"] as? [Any])?.count == 1, "the moved points keep their 30-day expiry")
            let same = try await api.post("/v1/transfers", #"{"from_member_id":"\#(ana)","to_member_id":"\#(ana)","points":1}"#)
            #expect(same.status == 422 && same.code == "same_member")
            let short = try await api.post("/v1/transfers", #"{"from_member_id":"\#(ana)","to_member_id":"\#(ben)","points":41}"#)
            #expect(short.status == 422 && short.code == "insufficient_points")
            #expect(try await api.post("/v1/transfers", #"{"from_member_id":"\#(ana)","to_member_id":"\#(ben)","points":0}"#).field == "points")
            #expect(try await api.post("/v1/transfers", #"{"from_member_id":"\#(ana)","to_member_id":"mem_x","points":1}"#).status == 404)
            #expect(try await api.points(ana)["available"] as? Int == 40)
        }
    }
}
