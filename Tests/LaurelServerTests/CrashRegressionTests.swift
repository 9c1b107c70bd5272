import Foundation
import HTTPTypes
import LaurelCore
import LaurelTestSupport
import Testing

/// Issue 27's reproductions of requests that ended the process (or stored something other than
/// what was acknowledged), over real HTTP on both databases: each now answers 4xx, nothing is
/// written, and the server keeps answering.
@Suite struct CrashRegressionTests {
    static let tierProgram = """
        name: Big spenders
        currency: EUR
        earning_rules:
          - {id: spend, event: purchase, effect: {type: points_per_amount, points: 1, per: 1000}}
        tiers:
          basis: amount_spent
          levels:
            - {id: silver, name: Silver, threshold: 0}
            - {id: gold, name: Gold, threshold: 1000}
        """

    @Test(arguments: TestBackend.available)
    func hugePurchasesAreRefusedAndTheTierWindowNeverOverflows(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            #expect(try await api.call(.put, "/v1/program", key: fixture.admin, body: Self.tierProgram).status == 200)
            let member = try await api.member("whale")
            // The issue's reproduction: two purchases of 500000000000000 (the second one overflowed the tier window's sum).
            for _ in 0..<2 {
                let answer = try await api.purchase(member, total: "500000000000000", key: fixture.integration)
                #expect(answer.status == 422 && answer.code == "invalid_field" && answer.field == "purchase.total", "\(answer.text)")
            }
            let lines = try await api.post("/v1/events", """
                {"member_id":"\(member)","type":"purchase","purchase":{"currency":"EUR","lines":[
                 {"sku":"A","unit_price":"600000000000"},{"sku":"B","unit_price":"600000000000"}]}}
                """)
            #expect(lines.status == 422 && lines.field == "purchase.lines", "\(lines.text)")
            // At the largest purchase accepted, the window's money total (10^14) fills after 100 of them; the 101st is refused whole.
            for index in 0..<100 {
                let answer = try await api.purchase(member, total: "1000000000000", key: fixture.integration)
                #expect(answer.status == 201, "purchase \(index): \(answer.text)")
            }
            let before = try await api.points(member)
            let refused = try await api.purchase(member, total: "1000000000000", key: fixture.integration)
            #expect(refused.status == 422 && refused.code == "total_out_of_range", "\(refused.text)")
            #expect(try await api.points(member)["lifetime_earned"] as? Int == before["lifetime_earned"] as? Int)
            #expect(try await api.get("/healthz").status == 200)
        }
    }

    @Test(arguments: TestBackend.available)
    func programsThatCouldOverflowAreRefusedWhole(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let programs = [
                "name: X\ncurrency: EUR\nearning_rules:\n  - {id: r, event: purchase, effect: {type: points_per_amount, points: 900000000000000, per: 0.0001}}\n",
                "name: X\ncurrency: EUR\nearning_rules:\n  - {id: a, event: review, effect: {type: fixed_points, points: 4611686018427387904}}\n"
                    + "  - {id: b, event: review, effect: {type: fixed_points, points: 4611686018427387904}}\n",
                "name: X\ncurrency: EUR\nearning_rules:\n  - {id: a, event: review, effect: {type: fixed_points, points: 4000000000000000000}}\n",
                "name: X\ncurrency: EUR\nearning_rules:\n  - {id: a, event: review, effect: {type: fixed_points, points: 600000000000000}}\n"
                    + "  - {id: b, event: review, effect: {type: fixed_points, points: 600000000000000}}\n",
                // 447 bytes of aliases that expanded to 10^8 nodes.
                "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                    + "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
                    + "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n",
            ]
            for program in programs {
                let answer = try await api.call(.put, "/v1/program", key: fixture.admin, body: program)
                #expect(answer.status == 422 && answer.code == "invalid_program", "\(answer.text)")
            }
            #expect(try await api.get("/v1/program").json["version"] as? Int == 1)
        }
    }

    @Test(arguments: TestBackend.available)
    func aNULCharacterIsRefusedNotTruncated(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let answer = try await api.post("/v1/members", #"{"external_id":"a\u0000b"}"#)
            #expect(answer.status == 422 && answer.code == "invalid_field", "\(answer.text)")
            let control = try await api.post("/v1/members", #"{"external_id":"a\u0007b"}"#)
            #expect(control.status == 422 && control.field == "external_id", "\(control.text)")
            // Nothing was stored: "a" is free, and a body with an escaped backslash before u0000 is plain text.
            #expect(try await api.post("/v1/members", #"{"external_id":"a"}"#).status == 201)
            let escaped = try await api.post("/v1/members", #"{"external_id":"a\\u0000c"}"#)
            #expect(escaped.status == 201 && escaped.json["external_id"] as? String == #"a\u0000c"#, "\(escaped.text)")
            let member = try await api.member("nul-event")
            let event = try await api.post("/v1/events", #"{"member_id":"\#(member)","type":"review","store":"x\u0000y"}"#)
            #expect(event.status == 422, "\(event.text)")
            #expect(try await api.ledgerCount(member) == 0)
            // In a query too: PostgreSQL refused the text (500), SQLite would have looked up "a".
            for path in ["/v1/members?external_id=a%00b", "/v1/members?starting_after=mem_%00"] {
                let lookup = try await api.get(path)
                #expect(lookup.status == 400 && lookup.code == "invalid_request", "\(path): \(lookup.text)")
            }
        }
    }
}
