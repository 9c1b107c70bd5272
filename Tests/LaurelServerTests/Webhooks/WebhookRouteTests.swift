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

/// The webhook endpoint routes: what they accept and refuse, the secret shown only on creation
/// and rotation, programs kept apart, and the SSRF guard with and without `--allow-private-webhooks`.
@Suite struct WebhookRouteTests {
    /// A public address (TEST-NET-3) as an IP literal, so that no test depends on DNS.
    static let publicURL = "https://203.0.113.7/hooks"

    @Test(arguments: TestBackend.available)
    func endpointsAreCreatedListedChangedAndDeleted(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let created = try await api.post("/v1/webhook_endpoints", #"{"url":"\#(Self.publicURL)","types":["tier.changed","tier.changed","club.joined"],"description":"CRM"}"#)
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.json["id"] as? String)
            #expect(id.hasPrefix("whe_"))
            let secret = try #require(created.json["secret"] as? String)
            #expect(secret.hasPrefix("whsec_") && (Data(base64Encoded: String(secret.dropFirst(6)))?.count ?? 0) >= 24)
            #expect(created.json["types"] as? [String] == ["tier.changed", "club.joined"])
            #expect(created.json["enabled"] as? Bool == true && created.json["object"] as? String == "webhook_endpoint")

            let fetched = try await api.get("/v1/webhook_endpoints/\(id)", key: fixture.admin)
            #expect(fetched.status == 200 && fetched.json["secret"] == nil && fetched.json["description"] as? String == "CRM")
            #expect(try await api.get("/v1/webhook_endpoints/\(id)", key: fixture.read).status == 403, "admin scope")
            #expect(try await api.get("/v1/webhook_endpoints/\(id)", key: fixture.otherAdmin).status == 404, "another program's endpoint")
            #expect(try await api.call(.patch, "/v1/webhook_endpoints/\(id)", key: fixture.otherAdmin, body: #"{"enabled":false}"#).status == 404)
            #expect(try await api.call(.delete, "/v1/webhook_endpoints/\(id)", key: fixture.otherAdmin).status == 404)
            #expect(try await api.get("/v1/webhook_endpoints/\(id)/deliveries", key: fixture.otherAdmin).status == 404)
            #expect(try await api.post("/v1/webhook_endpoints/\(id)/test", "", key: fixture.otherAdmin).status == 404)
            #expect(try await api.post("/v1/webhook_endpoints/\(id)/rotate_secret", "", key: fixture.otherAdmin).status == 404)

            let second = try await api.post("/v1/webhook_endpoints", #"{"url":"https://203.0.113.8/x","requires_consent":"marketing"}"#)
            #expect(second.status == 201 && second.json["types"] as? [String] == [] && second.json["requires_consent"] as? String == "marketing")
            #expect(created.json["requires_consent"] == nil, "no requirement unless asked")
            let page = try await api.get("/v1/webhook_endpoints?limit=1", key: fixture.admin)
            #expect(page.json["has_more"] as? Bool == true && page.json["next_cursor"] as? String == id)
            #expect(((page.json["data"] as? [[String: Any]])?.first)?["secret"] == nil)
            let rest = try await api.get("/v1/webhook_endpoints?starting_after=\(id)", key: fixture.admin)
            #expect((rest.json["data"] as? [[String: Any]])?.map { $0["id"] as? String } == [second.json["id"] as? String])

            let disabled = try await api.call(.patch, "/v1/webhook_endpoints/\(id)", key: fixture.admin, body: #"{"enabled":false,"description":null}"#)
            #expect(disabled.status == 200 && disabled.json["enabled"] as? Bool == false && disabled.json["disabled_reason"] is String)
            #expect(disabled.json["description"] == nil && disabled.json["secret"] == nil)
            let enabled = try await api.call(.patch, "/v1/webhook_endpoints/\(id)", key: fixture.admin, body: #"{"enabled":true,"types":[]}"#)
            #expect(enabled.json["enabled"] as? Bool == true && enabled.json["disabled_reason"] == nil && enabled.json["types"] as? [String] == [])
            let secondId = try #require(second.json["id"] as? String)
            let cleared = try await api.call(.patch, "/v1/webhook_endpoints/\(secondId)", key: fixture.admin, body: #"{"requires_consent":null}"#)
            #expect(cleared.status == 200 && cleared.json["requires_consent"] == nil)
            #expect(try await fixture.store.webhookEndpoint(programId: "prg_a", id: secondId)?.requiresConsent == nil)
            let required = try await api.call(.patch, "/v1/webhook_endpoints/\(secondId)", key: fixture.admin, body: #"{"requires_consent":"sms_offers"}"#)
            #expect(required.json["requires_consent"] as? String == "sms_offers")
            #expect(try await fixture.store.webhookEndpoint(programId: "prg_a", id: secondId)?.requiresConsent == "sms_offers")

            let rotated = try await api.post("/v1/webhook_endpoints/\(id)/rotate_secret", #"{"overlap_hours":2}"#)
            #expect(rotated.status == 200, "\(rotated.text)")
            let newSecret = try #require(rotated.json["secret"] as? String)
            #expect(newSecret != secret && rotated.json["previous_secret_expires_at"] as? String == "2026-03-03T12:00:00.000Z")
            let noOverlap = try await api.post("/v1/webhook_endpoints/\(id)/rotate_secret", "")
            #expect(noOverlap.status == 200 && noOverlap.json["previous_secret_expires_at"] as? String == "2026-03-04T10:00:00.000Z", "24 h by default")

            let test = try await api.post("/v1/webhook_endpoints/\(id)/test", "")
            #expect(test.status == 202, "\(test.text)")
            #expect(test.json["type"] as? String == "webhook.test" && test.json["status"] as? String == "pending")
            let deliveryId = try #require(test.json["id"] as? String)
            let deliveries = try await api.get("/v1/webhook_endpoints/\(id)/deliveries?status=pending", key: fixture.admin)
            #expect((deliveries.json["data"] as? [[String: Any]])?.map { $0["id"] as? String } == [deliveryId])
            #expect(((try await api.get("/v1/webhook_endpoints/\(id)/deliveries?status=succeeded", key: fixture.admin)).json["data"] as? [Any])?.isEmpty == true)
            let replayed = try await api.post("/v1/webhook_endpoints/\(id)/deliveries/\(deliveryId)/replay", "")
            #expect(replayed.status == 202 && replayed.json["message_id"] as? String == test.json["message_id"] as? String)
            #expect(try await api.post("/v1/webhook_endpoints/\(id)/deliveries/whd_none/replay", "").status == 404)
            #expect(try await fixture.store.outbox(programId: "prg_a", limit: 10, startingAfter: nil).items.isEmpty, "a test message is not in the outbox")

            let deleted = try await api.call(.delete, "/v1/webhook_endpoints/\(id)", key: fixture.admin)
            #expect(deleted.status == 200 && deleted.json["id"] as? String == id)
            #expect(try await api.get("/v1/webhook_endpoints/\(id)", key: fixture.admin).status == 404)
            #expect(try await api.call(.delete, "/v1/webhook_endpoints/\(id)", key: fixture.admin).status == 404)
        }
    }

    @Test(arguments: TestBackend.available)
    func badInputsAreRefusedWithClearCodes(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            func create(_ body: String) async throws -> HTTPFixture.Client.Answer { try await api.post("/v1/webhook_endpoints", body) }
            for (url, code) in [
                ("not a url", "invalid_url"), ("ftp://203.0.113.7/x", "invalid_url"), ("/relative", "invalid_url"),
                ("http://203.0.113.7/x", "invalid_url"), ("https://user:pass@203.0.113.7/x", "invalid_url"),
                ("https://203.0.113.7/" + String(repeating: "a", count: 2048), "invalid_url"),
                ("https://localhost/x", "url_not_public"), ("https://api.localhost/x", "url_not_public"),
                ("https://127.0.0.1/x", "url_not_public"), ("https://10.1.2.3/x", "url_not_public"), ("https://172.16.0.1/x", "url_not_public"),
                ("https://192.168.1.1/x", "url_not_public"), ("https://100.64.0.1/x", "url_not_public"),
                ("https://169.254.169.254/latest/meta-data", "url_not_public"), ("https://0.0.0.0/x", "url_not_public"),
                ("https://224.0.0.1/x", "url_not_public"), ("https://255.255.255.255/x", "url_not_public"),
                ("https://[::1]/x", "url_not_public"), ("https://[fe80::1]/x", "url_not_public"), ("https://[fd00::1]/x", "url_not_public"),
                ("https://[::ffff:127.0.0.1]/x", "url_not_public"), ("https://[::ffff:a9fe:a9fe]/x", "url_not_public"),
                ("https://[ff02::1]/x", "url_not_public"),
            ] {
                let answer = try await create(#"{"url":"\#(url)"}"#)
                #expect(answer.status == 422 && answer.code == code && answer.field == "url", "\(url): \(answer.text)")
            }
            let types = try await create(#"{"url":"\#(Self.publicURL)","types":["tier.changed","nope","webhook.test",7]}"#)
            #expect(types.status == 422 && types.code == "unknown_message_type", "\(types.text)")
            let errors = try #require(types.json["errors"] as? [[String: String]])
            #expect(errors.map { $0["path"] } == ["types[1]", "types[2]", "types[3]"])
            #expect(try await create(#"{"url":"\#(Self.publicURL)","types":"tier.changed"}"#).field == "types")
            for consent in [#""Marketing""#, #""""#, "7", #"["marketing"]"#] {
                let answer = try await create(#"{"url":"\#(Self.publicURL)","requires_consent":\#(consent)}"#)
                #expect(answer.status == 422 && answer.field == "requires_consent", "\(consent): \(answer.text)")
            }
            let unknown = try await create(#"{"url":"\#(Self.publicURL)","secret":"whsec_mine"}"#)
            #expect(unknown.status == 422 && unknown.code == "invalid_field" && unknown.field == "secret", "\(unknown.text)")
            #expect(try await create(#"{"types":[]}"#).field == "url")
            #expect(try await create(#"{"url":7}"#).field == "url")
            #expect(try await create(#"{"url":"\#(Self.publicURL)","description":"\#(String(repeating: "d", count: 501))"}"#).field == "description")
            #expect(try await create("[]").code == "invalid_json")
            #expect(try await api.post("/v1/webhook_endpoints", #"{"url":"\#(Self.publicURL)"}"#, key: fixture.integration).status == 403)
            #expect(try await fixture.store.webhookEndpoints(programId: "prg_a", limit: 10, startingAfter: nil).items.isEmpty, "nothing was created")

            let id = try #require(try await create(#"{"url":"\#(Self.publicURL)"}"#).json["id"] as? String)
            func patch(_ body: String) async throws -> HTTPFixture.Client.Answer {
                try await api.call(.patch, "/v1/webhook_endpoints/\(id)", key: fixture.admin, body: body)
            }
            #expect(try await patch(#"{"url":"https://10.0.0.1/x"}"#).code == "url_not_public")
            #expect(try await patch(#"{"types":["x"]}"#).code == "unknown_message_type")
            #expect(try await patch(#"{"enabled":"yes"}"#).field == "enabled")
            #expect(try await patch(#"{"enabled":null}"#).field == "enabled")
            #expect(try await patch(#"{"colour":"red"}"#).field == "colour")
            #expect(try await api.call(.patch, "/v1/webhook_endpoints/whe_none", key: fixture.admin, body: "{}").status == 404)
            #expect(try await api.get("/v1/webhook_endpoints/whe_none", key: fixture.admin).status == 404)
            #expect(try await api.get("/v1/webhook_endpoints/whe_none/deliveries", key: fixture.admin).status == 404)
            #expect(try await api.post("/v1/webhook_endpoints/whe_none/test", "").status == 404)
            #expect(try await api.post("/v1/webhook_endpoints/whe_none/rotate_secret", "").status == 404)
            #expect(try await api.post("/v1/webhook_endpoints/whe_none/deliveries/whd_none/replay", "").status == 404)
            for body in [#"{"overlap_hours":-1}"#, #"{"overlap_hours":721}"#, #"{"overlap_hours":1.5}"#, #"{"overlap":1}"#] {
                let answer = try await api.post("/v1/webhook_endpoints/\(id)/rotate_secret", body)
                #expect(answer.status == 422, "\(body): \(answer.text)")
            }
            #expect(try await api.get("/v1/webhook_endpoints/\(id)/deliveries?status=lost", key: fixture.admin).status == 400)
            #expect(try await api.get("/v1/webhook_endpoints?limit=0", key: fixture.admin).status == 400)
            #expect(try await fixture.store.webhookEndpoint(programId: "prg_a", id: id)?.url == Self.publicURL, "nothing was changed")
        }
    }

    @Test func theAllowPrivateWebhooksFlagAcceptsHTTPAndPrivateAddresses() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        let router = LaurelApplication.router(store: fixture.store, clock: fixture.clock, allowPrivateWebhooks: true).0
        let app = Application(router: router)
        try await app.test(.router) { client in
            for url in ["http://127.0.0.1:9/x", "https://localhost/x", "http://10.0.0.1/x", "http://[::1]:8080/x"] {
                let response = try await client.execute(uri: "/v1/webhook_endpoints", method: .post,
                                                        headers: [.authorization: "Bearer \(fixture.admin)", .contentType: "application/json"],
                                                        body: ByteBuffer(string: #"{"url":"\#(url)"}"#))
                #expect(response.status == .created, "\(url): \(String(buffer: response.body))")
            }
            let refused = try await client.execute(uri: "/v1/webhook_endpoints", method: .post,
                                                   headers: [.authorization: "Bearer \(fixture.admin)", .contentType: "application/json"],
                                                   body: ByteBuffer(string: #"{"url":"http://user:pw@10.0.0.1/x"}"#))
            #expect(refused.status == .unprocessableContent, "credentials stay refused")
        }
    }
}
