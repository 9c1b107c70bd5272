import Foundation
import LaurelTestSupport
import Testing

/// Edge values where the server once disagreed with the OpenAPI document (found by Schemathesis):
/// what the document's patterns and bounds refuse, the server refuses, and what they allow, it takes.
@Suite struct DocumentedLimitsTests {
    @Test func cursorsLimitsAndEmailsFollowTheDocumentsPatterns() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer { api in
            let member = try await api.member("limits-1")
            // Cursors are the prefix and 1 to 18 digits: no sign, no 19-digit number, no empty one.
            for cursor in ["", "le_", "le_+5", "le_-5", "le_1234567890123456789"] {
                let page = try await api.get("/v1/members/\(member)/ledger?starting_after=\(cursor)")
                #expect(page.status == 400 && page.field == "starting_after", "\(cursor)")
            }
            #expect(try await api.get("/v1/members/\(member)/ledger?starting_after=le_123456789012345678").status == 200)
            for cursor in ["", "-1", "+1"] {
                #expect(try await api.get("/v1/messages?starting_after=\(cursor)", key: fixture.admin).status == 400, "\(cursor)")
            }
            // limit is checked even when external_id makes it unused.
            #expect(try await api.get("/v1/members?external_id=limits-1&limit=0").status == 400)
            // One @ after a non-empty local part, a dot after it, no space; counted in code points.
            for email in ["", "@b.c", "a@@b.c", "a@b.c@", "a@bc", "a b@c.d"] {
                let answer = try await api.post("/v1/members", #"{"external_id":"limits-\#(email.count)","email":"\#(email)"}"#)
                #expect(answer.status == 422 && answer.field == "email", "\(email)")
            }
            #expect(try await api.post("/v1/members", #"{"external_id":"limits-ok","email":"a@.","name":null}"#).status == 201)
        }
    }

    @Test func reasonsPointsAndAttributeNumbersFollowTheDocument() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer { api in
            let ana = try await api.member("limits-ana"), ben = try await api.member("limits-ben")
            // A reason needs something other than spaces, tabs and line breaks; it is kept without them at either end.
            let blank = try await api.post("/v1/members/\(ana)/adjustments", #"{"points":5,"reason":" \t\r\n"}"#)
            #expect(blank.status == 422 && blank.field == "reason")
            let credit = try await api.post("/v1/members/\(ana)/adjustments", #"{"points":500,"reason":"  welcome \n"}"#)
            #expect(credit.status == 201 && credit.json["reason"] as? String == "welcome")
            let long = String(repeating: "é", count: 250) + String(repeating: "e\u{301}", count: 126)
            #expect(try await api.post("/v1/members/\(ana)/adjustments", #"{"points":5,"reason":"\#(long)"}"#).status == 422,
                    "502 code points are more than 500, however few characters they make")
            // Transfers are bounded like adjustments.
            let huge = try await api.post("/v1/transfers", #"{"from_member_id":"\#(ana)","to_member_id":"\#(ben)","points":100000001}"#)
            #expect(huge.status == 422 && huge.field == "points")
            // A number beyond a decimal's range is still a JSON number: kept, not refused as bad JSON.
            let tiny = try await api.call(.patch, "/v1/members/\(ana)", key: fixture.integration, body: #"{"attributes":{"ratio":1e-300}}"#)
            #expect(tiny.status == 200, "\(tiny.text)")
            #expect((tiny.json["attributes"] as? [String: Any])?["ratio"] as? Double == 1e-300)
        }
    }
}
