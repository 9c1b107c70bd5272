import Foundation
import HTTPTypes
import LaurelCore
import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// The data-rights routes over HTTP: a member exports their own data with their token, an admin
/// erases with a reason (replayed by its key, refused without one), nothing more is recorded after,
/// and consents are set over the API and in the portal with the portal's form rules.
struct MemberDataRightsRouteTests {
    @Test(arguments: TestBackend.available)
    func exportEraseAndWhatFollows(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let created = try await api.post("/v1/members", #"{"external_id":"cust-eve","email":"eve@example.com","name":"Eve","attributes":{"phone":"+44 7700 900123"}}"#)
            let eve = try #require(created.json["id"] as? String)
            let other = try await api.member("cust-other")
            #expect(try await api.purchase(eve, total: "30.00").status == 201)
            // Points available at once (the purchase's wait out the pending days), for the write-off below.
            #expect(try await api.post("/v1/members/\(eve)/adjustments", #"{"points":25,"reason":"welcome"}"#).status == 201)

            // Her own token reads her export; not another member's; a read key may not.
            let token = try await MemberTokenRouteTests.token(api, eve)
            let own = try await api.get("/v1/members/\(eve)/export", key: token)
            #expect(own.status == 200 && own.json["object"] as? String == "member_export", "\(own.text)")
            let data = try #require(own.json["data"] as? [String: Any])
            #expect((data["events"] as? [Any])?.count == 1 && (data["outbox"] as? [Any])?.isEmpty == false)
            #expect(((own.json["member"] as? [String: Any])?["email"] as? String) == "eve@example.com")
            #expect(try await api.get("/v1/members/\(other)/export", key: token).status == 404)
            #expect(try await api.get("/v1/members/\(eve)/export").status == 403)

            let pointsBefore = try await api.points(eve)
            // Erasure needs a reason; the key replays the answer.
            let blank = try await api.post("/v1/members/\(eve)/erase", #"{"reason":"  "}"#)
            #expect(blank.status == 422 && blank.json["field"] as? String == "reason")
            let erased = try await api.post("/v1/members/\(eve)/erase", #"{"reason":"request 17 by email"}"#, idempotencyKey: "erase-eve")
            #expect(erased.status == 200 && erased.json["already_erased"] as? Bool == false, "\(erased.text)")
            let replay = try await api.post("/v1/members/\(eve)/erase", #"{"reason":"request 17 by email"}"#, idempotencyKey: "erase-eve")
            #expect(replay.body == erased.body && replay.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            let again = try await api.post("/v1/members/\(eve)/erase", #"{"reason":"again"}"#)
            #expect(again.status == 200 && again.json["already_erased"] as? Bool == true && again.json["erased_at"] as? String == erased.json["erased_at"] as? String)

            // Gone from look-ups; the member shows as erased with their points.
            #expect((try await api.get("/v1/members?external_id=cust-eve").json["data"] as? [Any])?.isEmpty == true)
            let view = try await api.get("/v1/members/\(eve)")
            #expect(view.json["status"] as? String == "erased" && view.json["email"] == nil && view.json["name"] == nil)
            let pointsAfter = try await api.points(eve)
            #expect(pointsAfter["available"] as? Int == pointsBefore["available"] as? Int && pointsAfter["pending"] as? Int == pointsBefore["pending"] as? Int)
            #expect((pointsAfter["available"] as? Int ?? 0) + (pointsAfter["pending"] as? Int ?? 0) > 0)
            // Nothing more is recorded: events, updates, consents; her token stops working.
            let event = try await api.post("/v1/events", #"{"member_id":"\#(eve)","type":"review"}"#)
            #expect(event.status == 422 && event.code == "member_erased", "\(event.text)")
            #expect(try await api.call(.patch, "/v1/members/\(eve)", key: fixture.admin, body: #"{"status":"active"}"#).code == "member_erased")
            #expect(try await api.call(.patch, "/v1/members/\(other)", key: fixture.admin, body: #"{"status":"erased"}"#).json["field"] as? String == "status")
            #expect(try await api.call(.put, "/v1/members/\(eve)/consents", key: fixture.admin, body: #"{"consents":{"marketing":true}}"#).code == "member_erased")
            #expect(try await api.get("/v1/members/\(eve)", key: token).status == 401)
            // Her points can be written off by staff, not added to.
            let credit = try await api.post("/v1/members/\(eve)/adjustments", #"{"points":10,"reason":"goodwill"}"#)
            #expect(credit.status == 422 && credit.code == "member_erased", "\(credit.text)")
            let available = try #require(pointsAfter["available"] as? Int)
            #expect(available == 25)
            let writeOff = try await api.post("/v1/members/\(eve)/adjustments", #"{"points":-\#(available),"reason":"written off after erasure"}"#)
            #expect(writeOff.status == 201, "\(writeOff.text)")
            #expect(try await api.points(eve)["available"] as? Int == 0)
            // Who and why, in the audit trail.
            let trail = try await api.get("/v1/audit?action=member.erased", key: fixture.admin)
            let entry = try #require((trail.json["data"] as? [[String: Any]])?.first)
            #expect((entry["actor"] as? String)?.hasPrefix("api_key:") == true)
            #expect(((entry["after"] as? [String: Any])?["reason"] as? String) == "request 17 by email")
            #expect(try await api.post("/v1/members/mem_none/erase", #"{"reason":"x"}"#).status == 404)
        }
    }

    @Test(arguments: TestBackend.available)
    func consentsOverTheAPI(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let member = try await api.member("cust-c")
            let put = try await api.call(.put, "/v1/members/\(member)/consents", key: fixture.integration,
                                         body: #"{"consents":{"marketing":true,"profiling":false},"source":"import"}"#)
            #expect(put.status == 200, "\(put.text)")
            let states = try #require(put.json["data"] as? [[String: Any]])
            #expect(states.map { $0["name"] as? String } == ["marketing", "profiling"])
            #expect(states.map { $0["granted"] as? Bool } == [true, false] && states.allSatisfy { $0["source"] as? String == "import" })
            // Her own token may change her consents.
            let token = try await MemberTokenRouteTests.token(api, member)
            #expect(try await api.call(.put, "/v1/members/\(member)/consents", key: token, body: #"{"consents":{"marketing":false}}"#).status == 200)
            let read = try await api.get("/v1/members/\(member)/consents")
            #expect((read.json["history"] as? [Any])?.count == 3)
            for body in [#"{"consents":{}}"#, #"{"consents":{"Marketing":true}}"#, #"{"consents":{"marketing":true},"source":"portal"}"#,
                         #"{"consents":{"marketing":"yes"}}"#] {
                let refused = try await api.call(.put, "/v1/members/\(member)/consents", key: fixture.integration, body: body)
                #expect(refused.status == 422 || refused.status == 400, "\(body): \(refused.text)")
            }
        }
    }

    @Test func thePortalPrivacyPageGrantsAndWithdrawsWithItsFormRules() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer { api in
            var visitor = PortalVisitor(api)
            let ana = try await api.member("cust-1", email: "ana@example.com")
            try await visitor.signIn("ana@example.com", memberId: ana)
            let page = try await visitor.get("/privacy")
            #expect(page.status == 200 && page.text.contains("Your privacy") && page.text.contains("consent_marketing"), "\(page.text)")
            #expect(!page.text.contains(#"value="yes" checked"#))
            let csrf = try #require(PortalVisitor.hidden("_csrf", in: page))
            let token = try #require(PortalVisitor.hidden("token", in: page))
            // Marketing ticked, profiling not: one grant, one refusal, from the portal.
            let form = [("_csrf", csrf), ("token", token), ("consent_marketing", "yes")]
            let saved = try await visitor.post("/privacy", form)
            #expect(saved.status == 303 && saved.headers[.location] == "/p/prg_a/privacy?saved=1")
            // The same form again replays; a forged one is refused.
            #expect(try await visitor.post("/privacy", form).status == 303)
            #expect(try await visitor.post("/privacy", [("token", "t2"), ("consent_profiling", "yes")]).status == 403)
            let consents = try await api.get("/v1/members/\(ana)/consents")
            let history = try #require(consents.json["history"] as? [[String: Any]])
            #expect(history.map { "\($0["name"] as? String ?? "")=\($0["granted"] as? Bool ?? false)/\($0["source"] as? String ?? "")" }
                    == ["marketing=true/portal", "profiling=false/portal"])
            let after = try await visitor.get("/privacy?saved=1")
            #expect(after.text.contains("Your choices are saved.") && after.text.contains(#"id="consent_marketing" name="consent_marketing" value="yes" checked"#))
        }
    }
}
