import Foundation
import HTTPTypes
import LaurelCore
import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// Real answers of every route checked against the response schemas of the OpenAPI document:
/// each key the server sends is documented, each required key is sent, types and enums agree.
@Suite struct OpenAPIConformanceTests {
    struct Document {
        let root: [String: Any]

        init() throws {
            root = try #require(try JSONSerialization.jsonObject(with: OpenAPIDocument.data) as? [String: Any])
        }

        func resolve(_ schema: [String: Any]) -> [String: Any] {
            guard let ref = schema["$ref"] as? String else { return schema }
            var node: Any = root
            for part in ref.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(part)] ?? [:] }
            return resolve(node as? [String: Any] ?? [:])
        }

        /// The schema of the answer `status` of an operation, with its media type.
        /// `preferring`: of several media types, the one the answer has (an export answers CSV or JSON Lines).
        func responseSchema(_ method: String, _ path: String, _ status: Int, preferring: String? = nil) -> (String, [String: Any])? {
            guard let operation = ((root["paths"] as? [String: Any])?[path] as? [String: Any])?[method.lowercased()] as? [String: Any],
                  let response = (operation["responses"] as? [String: Any])?[String(status)] as? [String: Any],
                  let content = resolve(response)["content"] as? [String: Any],
                  let (type, media) = content.first(where: { $0.key == preferring }) ?? content.first,
                  let schema = (media as? [String: Any])?["schema"] as? [String: Any]
            else { return nil }
            return (type, resolve(schema))
        }

        /// Differences between `value` and `schema`, as readable paths.
        func problems(_ value: Any, _ schema: [String: Any], at path: String = "$") -> [String] {
            let schema = resolve(schema)
            if let options = schema["oneOf"] as? [[String: Any]], schema["type"] == nil, schema["properties"] == nil {
                return options.contains { problems(value, $0, at: path).isEmpty } ? [] : ["\(path): matches no oneOf option"]
            }
            if let constant = schema["const"] as? String, value as? String != constant { return ["\(path): expected \(constant)"] }
            if let options = schema["enum"] as? [String] {
                guard let text = value as? String, options.contains(text) else { return ["\(path): \(value) not in \(options)"] }
            }
            let types = (schema["type"] as? [String]) ?? (schema["type"] as? String).map { [$0] } ?? []
            if !types.isEmpty, !types.contains(where: { Self.value(value, is: $0) }) { return ["\(path): \(value) is not \(types)"] }
            var found: [String] = []
            if let object = value as? [String: Any], let properties = schema["properties"] as? [String: [String: Any]] {
                for key in (schema["required"] as? [String]) ?? [] where object[key] == nil { found.append("\(path).\(key): required, missing") }
                for (key, member) in object {
                    guard let property = properties[key] else {
                        if schema["additionalProperties"] as? Bool != true { found.append("\(path).\(key): not documented") }
                        continue
                    }
                    found += problems(member, property, at: "\(path).\(key)")
                }
            }
            if let list = value as? [Any], let items = schema["items"] as? [String: Any] {
                for (index, item) in list.enumerated() { found += problems(item, items, at: "\(path)[\(index)]") }
            }
            return found
        }

        /// JSON true and false; on Linux `1 as NSNumber is Bool` holds too, so look at the class.
        static func isBoolean(_ value: Any) -> Bool { value is Bool && "\(type(of: value))".contains("Bool") }

        static func value(_ value: Any, is type: String) -> Bool {
            switch type {
            case "object": value is [String: Any]
            case "array": value is [Any]
            case "string": value is String
            case "boolean": isBoolean(value)
            case "integer": !isBoolean(value) && (value as? NSNumber).map { Int(exactly: $0.doubleValue) != nil } == true
            case "number": value is NSNumber && !isBoolean(value)
            case "null": value is NSNull
            default: true
            }
        }
    }

    /// The document's list of message types is the one the server writes and subscriptions accept.
    @Test func messageTypesAreTheServers() throws {
        let schema = try Document().resolve(["$ref": "#/components/schemas/MessageType"])
        #expect(schema["enum"] as? [String] == MessageType.all)
    }

    @Test func everyAnswerMatchesItsDocumentedSchema() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer { api in
            let document = try Document()
            var checked = Set<String>()
            func check(_ method: HTTPRequest.Method, _ template: String, _ answer: HTTPFixture.Client.Answer,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
                let documented = try #require(document.responseSchema(method.rawValue, template, answer.status, preferring: answer.headers[.contentType]),
                                              "\(method) \(template) answers \(answer.status), which is not documented", sourceLocation: sourceLocation)
                #expect(answer.headers[.contentType] == documented.0, "\(method) \(template)", sourceLocation: sourceLocation)
                // Text documented as a string (an export's CSV or JSON Lines): its media type is what there is to check.
                if documented.1["type"] as? String == "string" {
                    checked.insert("\(method) \(template)")
                    return
                }
                let value = try JSONSerialization.jsonObject(with: answer.body)
                let problems = document.problems(value, documented.1)
                #expect(problems.isEmpty, "\(method) \(template) \(answer.status): \(problems) in \(answer.text)", sourceLocation: sourceLocation)
                checked.insert("\(method) \(template)")
            }
            try check(.get, "/healthz", try await api.call(.get, "/healthz", key: nil))
            try check(.get, "/openapi.json", try await api.call(.get, "/openapi.json", key: nil))
            try check(.get, "/v1/program", try await api.get("/v1/program"))
            try check(.put, "/v1/program", try await api.call(.put, "/v1/program", key: fixture.admin, body: HTTPFixture.program, idempotencyKey: "p"))
            try check(.put, "/v1/program", try await api.call(.put, "/v1/program", key: fixture.admin, body: "name: x\ncolour: red\n"))
            try check(.get, "/v1/program/versions", try await api.get("/v1/program/versions"))
            try check(.get, "/v1/program/versions/{version}", try await api.get("/v1/program/versions/1"))
            try check(.get, "/v1/program/versions/{version}", try await api.get("/v1/program/versions/x"))

            let created = try await api.post("/v1/members", #"{"external_id":"oa-1","email":"ana@example.com","name":"Ana","birthday":"1990-04-27","attributes":{"tier":"gold","n":[1,2]}}"#)
            try check(.post, "/v1/members", created)
            let member = try #require(created.json["id"] as? String)
            let other = try await api.member("oa-2")
            try check(.post, "/v1/members", try await api.post("/v1/members", #"{"external_id":"oa-1"}"#))
            try check(.post, "/v1/members", try await api.post("/v1/members", #"{"external_id":"oa-3"}"#, key: fixture.read))
            try check(.post, "/v1/members", try await api.call(.post, "/v1/members", key: nil, body: "{}"))
            try check(.get, "/v1/members", try await api.get("/v1/members?limit=1"))
            try check(.get, "/v1/members", try await api.get("/v1/members?external_id=oa-1"))
            try check(.get, "/v1/members", try await api.get("/v1/members?limit=0"))
            try check(.patch, "/v1/members/{id}", try await api.call(.patch, "/v1/members/\(member)", key: fixture.admin, body: #"{"name":null}"#))

            let purchase = try await api.post("/v1/events", #"""
                {"member_id":"\#(member)","type":"purchase","purchase":{"currency":"EUR","transaction_id":"t1","lines":[{"sku":"S","category":"shoes","labels":["new"],"quantity":2,"unit_price":"20.00"}]}}
                """#, idempotencyKey: "oa-purchase")
            try check(.post, "/v1/events", purchase)
            let purchaseId = try #require(purchase.json["id"] as? String)
            try check(.post, "/v1/events", try await api.post("/v1/events", #"""
                {"member_id":"\#(member)","type":"return","return":{"purchase_event_id":"\#(purchaseId)","amount":"10.00"}}
                """#))
            try check(.post, "/v1/events", try await api.post("/v1/events", #"{"external_id":"oa-1","type":"review","attributes":{"stars":5}}"#))
            try check(.post, "/v1/events", try await api.post("/v1/events", #"{"member_id":"\#(member)","type":"purchase","purchase":{"currency":"USD","total":"1"}}"#))
            try check(.get, "/v1/events/{id}", try await api.get("/v1/events/\(purchaseId)"))
            try check(.get, "/v1/events/{id}", try await api.get("/v1/events/evt_none"))

            try check(.post, "/v1/members/{id}/adjustments", try await api.post("/v1/members/\(member)/adjustments", #"{"points":500,"reason":"gift","actor":"jo"}"#))
            try check(.post, "/v1/members/{id}/adjustments", try await api.post("/v1/members/\(member)/adjustments", #"{"points":-5000,"reason":"x"}"#))
            try check(.get, "/v1/members/{id}/points-activity", try await api.get("/v1/members/\(member)/points-activity"))
            try check(.get, "/v1/members/{id}/points-activity", try await api.get("/v1/members/\(member)/points-activity?from=2026-01-01T00:00:00Z&until=2027-01-01T00:00:00Z"))
            try check(.get, "/v1/members/{id}/points-activity", try await api.get("/v1/members/\(member)/points-activity?from=yesterday"))
            try check(.get, "/v1/members/{id}/points-activity", try await api.get("/v1/members/mem_none/points-activity"))
            let credit = try await api.post("/v1/members/\(member)/adjustments", #"{"points":5,"reason":"to cancel"}"#)
            try check(.post, "/v1/members/{id}/adjustments", credit)
            let cancelPath = "/v1/members/\(member)/adjustments/\(credit.json["id"] as? String ?? "")/cancel"
            try check(.post, "/v1/members/{id}/adjustments/{adjustment_id}/cancel", try await api.post(cancelPath, #"{"reason":"mistake"}"#))
            try check(.post, "/v1/members/{id}/adjustments/{adjustment_id}/cancel", try await api.post(cancelPath, #"{"reason":"twice"}"#))
            try check(.post, "/v1/transfers", try await api.post("/v1/transfers", #"{"from_member_id":"\#(member)","to_member_id":"\#(other)","points":5}"#))
            // A blocked member's event, and the member with every points field.
            _ = try await api.call(.patch, "/v1/members/\(other)", key: fixture.admin, body: #"{"status":"blocked"}"#)
            try check(.post, "/v1/events", try await api.purchase(other))
            try check(.get, "/v1/members/{id}", try await api.get("/v1/members/\(member)"))
            try check(.get, "/v1/members/{id}", try await api.get("/v1/members/mem_none"))
            let ledger = try await api.get("/v1/members/\(member)/ledger?limit=3")
            try check(.get, "/v1/members/{id}/ledger", ledger)
            #expect(ledger.json["next_cursor"] is String)
            try check(.get, "/v1/members/{id}/ledger", try await api.get("/v1/members/\(member)/ledger?starting_after=x"))

            // Member tokens: issued, refused, used where members may and may not go, rotated.
            let issued = try await api.call(.post, "/v1/members/\(member)/tokens", key: fixture.integration, body: "")
            try check(.post, "/v1/members/{id}/tokens", issued)
            try check(.post, "/v1/members/{id}/tokens", try await api.call(.post, "/v1/members/\(member)/tokens", key: fixture.integration,
                                                                          body: #"{"expires_in":1}"#))
            try check(.post, "/v1/members/{id}/tokens", try await api.call(.post, "/v1/members/\(other)/tokens", key: fixture.integration, body: ""))
            let token = try #require(issued.json["token"] as? String)
            try check(.get, "/v1/members/{id}", try await api.get("/v1/members/\(other)", key: token))
            try check(.get, "/v1/program", try await api.get("/v1/program", key: token))
            try check(.get, "/v1/program", try await api.get("/v1/program", key: token + "x"))
            try check(.post, "/v1/events", try await api.post("/v1/events", #"{"member_id":"\#(member)","type":"review","points":5}"#))
            try check(.get, "/v1/token-keys", try await api.get("/v1/token-keys", key: fixture.admin))
            try check(.post, "/v1/token-keys/rotate", try await api.post("/v1/token-keys/rotate", ""))
            try check(.post, "/v1/token-keys/rotate", try await api.post("/v1/token-keys/rotate", #"{"revoke_previous":1}"#))
            try check(.get, "/v1/token-keys", try await api.get("/v1/token-keys", key: fixture.admin))

            // Tiers, rewards, redemptions, clubs and messages, on a program that has them.
            _ = try await api.call(.put, "/v1/program", key: fixture.admin, body: LoyaltyRouteTests.program)
            _ = try await api.purchase(member, total: "35.00")
            try check(.get, "/v1/members/{id}", try await api.get("/v1/members/\(member)"))
            try check(.put, "/v1/members/{id}/tier", try await api.call(.put, "/v1/members/\(member)/tier", key: fixture.admin,
                                                                         body: #"{"tier":"gold","until":"2030-01-01T00:00:00Z","reason":"vip"}"#))
            try check(.put, "/v1/members/{id}/tier", try await api.call(.put, "/v1/members/\(member)/tier", key: fixture.admin, body: #"{"tier":"x","reason":"vip"}"#))
            try check(.delete, "/v1/members/{id}/tier", try await api.call(.delete, "/v1/members/\(member)/tier", key: fixture.admin))
            try check(.get, "/v1/members/{id}/tier-history", try await api.get("/v1/members/\(member)/tier-history"))
            try check(.get, "/v1/members/{id}/tier-history", try await api.get("/v1/members/mem_none/tier-history"))
            try check(.post, "/v1/rewards", try await api.post("/v1/rewards", #"{"id":"mug","name":"Mug","type":"free_product","sku":"M","cost":50,"stock":3,"featured":true}"#))
            try check(.post, "/v1/rewards", try await api.post("/v1/rewards", #"{"id":"mug","name":"Mug","type":"free_product","sku":"M","cost":50}"#))
            try check(.post, "/v1/rewards", try await api.post("/v1/rewards", #"{"id":"bad","type":"gift_card"}"#))
            try check(.put, "/v1/rewards/{id}", try await api.call(.put, "/v1/rewards/pool", key: fixture.admin,
                                                                   body: #"{"name":"Voucher","type":"discount_code","discount":{"type":"fixed","value":5},"cost":10,"codes":"pool"}"#))
            try check(.get, "/v1/rewards", try await api.get("/v1/rewards"))
            try check(.get, "/v1/rewards/{id}", try await api.get("/v1/rewards/mug"))
            try check(.get, "/v1/rewards/{id}", try await api.get("/v1/rewards/none"))
            try check(.post, "/v1/rewards/{id}/codes", try await api.post("/v1/rewards/pool/codes", #"{"codes":["A","B"]}"#))
            try check(.post, "/v1/rewards/{id}/codes", try await api.post("/v1/rewards/mug/codes", #"{"codes":["A"]}"#))
            try check(.get, "/v1/members/{id}/rewards", try await api.get("/v1/members/\(member)/rewards"))
            let redemption = try await api.post("/v1/redemptions", #"{"member_id":"\#(member)","reward_id":"pool"}"#, key: fixture.integration, idempotencyKey: "oa-r")
            try check(.post, "/v1/redemptions", redemption)
            try check(.post, "/v1/redemptions", try await api.post("/v1/redemptions", #"{"member_id":"\#(member)","reward_id":"none"}"#, key: fixture.integration))
            try check(.post, "/v1/redemptions", try await api.post("/v1/redemptions", #"{"member_id":"\#(other)","reward_id":"mug"}"#, key: fixture.integration))
            let redemptionId = try #require(redemption.json["id"] as? String)
            try check(.get, "/v1/redemptions", try await api.get("/v1/redemptions?member_id=\(member)"))
            try check(.get, "/v1/redemptions/{id}", try await api.get("/v1/redemptions/\(redemptionId)"))
            try check(.get, "/v1/redemptions/{id}", try await api.get("/v1/redemptions/rdm_none"))
            try check(.post, "/v1/redemptions/{id}/fulfil", try await api.post("/v1/redemptions/\(redemptionId)/fulfil", "", key: fixture.integration))
            try check(.post, "/v1/redemptions/{id}/cancel", try await api.post("/v1/redemptions/\(redemptionId)/cancel", "", key: fixture.integration))
            try check(.post, "/v1/redemptions/{id}/cancel", try await api.post("/v1/redemptions/\(redemptionId)/cancel", "", key: fixture.integration))
            try check(.get, "/v1/clubs", try await api.get("/v1/clubs"))
            try check(.post, "/v1/clubs/{id}/members", try await api.post("/v1/clubs/inner/members", #"{"member_id":"\#(other)"}"#, key: fixture.integration))
            try check(.post, "/v1/clubs/{id}/members", try await api.post("/v1/clubs/inner/members", #"{"member_id":"\#(other)"}"#, key: fixture.integration))
            try check(.post, "/v1/clubs/{id}/join", try await api.post("/v1/clubs/sneakers/join", #"{"member_id":"\#(member)"}"#, key: fixture.integration))
            try check(.post, "/v1/clubs/{id}/join", try await api.post("/v1/clubs/inner/join", #"{"member_id":"\#(member)"}"#, key: fixture.integration))
            try check(.get, "/v1/clubs/{id}/members", try await api.get("/v1/clubs/inner/members"))
            try check(.delete, "/v1/clubs/{id}/members/{member_id}", try await api.call(.delete, "/v1/clubs/inner/members/\(other)", key: fixture.integration))
            try check(.delete, "/v1/clubs/{id}/members/{member_id}", try await api.call(.delete, "/v1/clubs/inner/members/\(other)", key: fixture.integration))
            try check(.get, "/v1/members/{id}", try await api.get("/v1/members/\(member)"))
            try check(.get, "/v1/messages", try await api.get("/v1/messages", key: fixture.admin))

            // Challenges and badges: a completion with its badge, the join and its refusals.
            _ = try await fixture.store.applyProgram(id: "prg_a", definition: try ProgramDefinition.parse(ChallengeRouteTests.program),
                                                     source: ChallengeRouteTests.program, now: HTTPFixture.start, idempotency: nil)
            let challenger = try await api.member("oa-challenges")
            for at in ["2026-03-03T08:00:00Z", "2026-03-03T09:00:00Z", "2026-03-04T09:00:00Z"] {
                try check(.post, "/v1/events", try await ChallengeRouteTests.review(api, challenger, at: at, key: fixture.integration))
            }
            try check(.get, "/v1/members/{id}/challenges", try await api.get("/v1/members/\(challenger)/challenges"))
            try check(.get, "/v1/members/{id}/challenges", try await api.get("/v1/members/mem_none/challenges"))
            try check(.get, "/v1/members/{id}/badges", try await api.get("/v1/members/\(challenger)/badges"))
            try check(.get, "/v1/members/{id}/badges", try await api.get("/v1/members/mem_none/badges"))
            let join = "/v1/members/{id}/challenges/{challenge_id}/join"
            try check(.post, join, try await api.call(.post, "/v1/members/\(challenger)/challenges/walk/join", key: fixture.integration, idempotencyKey: "j"))
            try check(.post, join, try await api.call(.post, "/v1/members/\(challenger)/challenges/walk/join", key: fixture.integration))
            try check(.post, join, try await api.call(.post, "/v1/members/\(challenger)/challenges/reviews/join", key: fixture.integration))
            try check(.post, join, try await api.call(.post, "/v1/members/\(challenger)/challenges/nope/join", key: fixture.integration))
            try check(.get, "/v1/messages", try await api.get("/v1/messages"))
            // Segments, with a program that defines them (and a member view that lists them).
            try check(.put, "/v1/program", try await api.call(.put, "/v1/program", key: fixture.admin, body: SegmentRouteTests.program))
            try check(.get, "/v1/segments", try await api.get("/v1/segments"))
            try check(.get, "/v1/segments/{id}", try await api.get("/v1/segments/vip"))
            try check(.get, "/v1/segments/{id}", try await api.get("/v1/segments/none"))
            try check(.get, "/v1/segments/{id}/members", try await api.get("/v1/segments/lapsed/members?limit=1"))
            try check(.get, "/v1/segments/{id}/members", try await api.get("/v1/segments/lapsed/members?limit=0"))
            try check(.get, "/v1/segments/{id}/members", try await api.get("/v1/segments/none/members"))
            try check(.get, "/v1/members/{id}", try await api.get("/v1/members/\(member)"))

            // Webhook endpoints (the URL is a public IP literal: no DNS involved).
            let endpoint = try await api.post("/v1/webhook_endpoints", #"{"url":"https://203.0.113.7/oa","types":["tier.changed"],"description":"CRM"}"#)
            try check(.post, "/v1/webhook_endpoints", endpoint)
            try check(.post, "/v1/webhook_endpoints", try await api.post("/v1/webhook_endpoints", #"{"url":"https://10.0.0.1/oa"}"#))
            try check(.post, "/v1/webhook_endpoints", try await api.post("/v1/webhook_endpoints", #"{"url":"https://203.0.113.7/oa","types":["x"]}"#))
            let endpointId = try #require(endpoint.json["id"] as? String)
            try check(.get, "/v1/webhook_endpoints", try await api.get("/v1/webhook_endpoints", key: fixture.admin))
            try check(.get, "/v1/webhook_endpoints", try await api.get("/v1/webhook_endpoints?limit=0", key: fixture.admin))
            try check(.get, "/v1/webhook_endpoints/{id}", try await api.get("/v1/webhook_endpoints/\(endpointId)", key: fixture.admin))
            try check(.get, "/v1/webhook_endpoints/{id}", try await api.get("/v1/webhook_endpoints/whe_none", key: fixture.admin))
            try check(.patch, "/v1/webhook_endpoints/{id}", try await api.call(.patch, "/v1/webhook_endpoints/\(endpointId)", key: fixture.admin,
                                                                               body: #"{"enabled":false}"#))
            try check(.patch, "/v1/webhook_endpoints/{id}", try await api.call(.patch, "/v1/webhook_endpoints/\(endpointId)", key: fixture.admin,
                                                                               body: #"{"enabled":1}"#))
            try check(.post, "/v1/webhook_endpoints/{id}/rotate_secret", try await api.post("/v1/webhook_endpoints/\(endpointId)/rotate_secret", "{}"))
            try check(.post, "/v1/webhook_endpoints/{id}/rotate_secret", try await api.post("/v1/webhook_endpoints/whe_none/rotate_secret", "{}"))
            let test = try await api.post("/v1/webhook_endpoints/\(endpointId)/test", "")
            try check(.post, "/v1/webhook_endpoints/{id}/test", test)
            try check(.post, "/v1/webhook_endpoints/{id}/test", try await api.post("/v1/webhook_endpoints/whe_none/test", ""))
            let deliveryId = try #require(test.json["id"] as? String)
            try check(.post, "/v1/webhook_endpoints/{id}/deliveries/{delivery_id}/replay",
                      try await api.post("/v1/webhook_endpoints/\(endpointId)/deliveries/\(deliveryId)/replay", ""))
            try check(.post, "/v1/webhook_endpoints/{id}/deliveries/{delivery_id}/replay",
                      try await api.post("/v1/webhook_endpoints/\(endpointId)/deliveries/whd_none/replay", ""))
            try check(.get, "/v1/webhook_endpoints/{id}/deliveries", try await api.get("/v1/webhook_endpoints/\(endpointId)/deliveries", key: fixture.admin))
            try check(.get, "/v1/webhook_endpoints/{id}/deliveries", try await api.get("/v1/webhook_endpoints/\(endpointId)/deliveries?status=x", key: fixture.admin))
            try check(.delete, "/v1/webhook_endpoints/{id}", try await api.call(.delete, "/v1/webhook_endpoints/\(endpointId)", key: fixture.admin))
            try check(.delete, "/v1/webhook_endpoints/{id}", try await api.call(.delete, "/v1/webhook_endpoints/\(endpointId)", key: fixture.admin))

            try check(.get, "/v1/campaigns", try await api.get("/v1/campaigns"))
            try check(.get, "/v1/campaigns", try await api.get("/v1/campaigns?starting_after=nope"))
            try check(.get, "/v1/campaigns/{id}", try await api.get("/v1/campaigns/nope"))
            _ = try await fixture.store.applyProgram(id: "prg_a", definition: try ProgramDefinition.parse(CampaignRouteTests.program),
                                                     source: CampaignRouteTests.program, now: HTTPFixture.start, idempotency: nil)
            try check(.post, "/v1/events", try await api.post("/v1/events", #"""
                {"member_id":"\#(member)","type":"purchase","occurred_at":"2026-03-02T09:00:00Z","channel":"app","purchase":{"currency":"EUR","total":"10"}}
                """#, key: fixture.integration))
            try check(.get, "/v1/campaigns", try await api.get("/v1/campaigns?limit=1"))
            try check(.get, "/v1/campaigns/{id}", try await api.get("/v1/campaigns/app-week"))

            let audit = try await api.get("/v1/audit?limit=3", key: fixture.admin)
            try check(.get, "/v1/audit", audit)
            #expect((audit.json["data"] as? [Any])?.count == 3 && audit.json["next_cursor"] is String)
            try check(.get, "/v1/audit", try await api.get("/v1/audit?action=nope", key: fixture.admin))
            try check(.get, "/v1/audit", try await api.get("/v1/audit", key: fixture.read))
            // Fraud controls: a held event (202) and its review, decided once; a redemption refused by a cap.
            _ = try await fixture.store.applyProgram(id: "prg_a", definition: try ProgramDefinition.parse(ReviewRouteTests.program),
                                                     source: ReviewRouteTests.program, now: HTTPFixture.start, idempotency: nil)
            let held = try await api.purchase(member, total: "600.00", key: fixture.integration)
            try check(.post, "/v1/events", held)
            let reviewId = try #require((held.json["outcome"] as? [String: Any])?["review_id"] as? String)
            try check(.get, "/v1/reviews", try await api.get("/v1/reviews?status=pending", key: fixture.admin))
            try check(.get, "/v1/reviews", try await api.get("/v1/reviews?status=x", key: fixture.admin))
            try check(.get, "/v1/reviews/{id}", try await api.get("/v1/reviews/\(reviewId)", key: fixture.admin))
            try check(.get, "/v1/reviews/{id}", try await api.get("/v1/reviews/rev_none", key: fixture.admin))
            try check(.post, "/v1/reviews/{id}/approve", try await api.post("/v1/reviews/\(reviewId)/approve", "", key: fixture.admin))
            try check(.post, "/v1/reviews/{id}/approve", try await api.post("/v1/reviews/\(reviewId)/approve", "", key: fixture.admin))
            try check(.get, "/v1/reviews", try await api.get("/v1/reviews", key: fixture.admin))
            try check(.post, "/v1/reviews/{id}/reject", try await api.post("/v1/reviews/\(reviewId)/reject", "", key: fixture.admin))
            try check(.post, "/v1/reviews/{id}/reject", try await api.post("/v1/reviews/rev_none/reject", "", key: fixture.admin))
            try check(.post, "/v1/redemptions", try await api.post("/v1/redemptions", #"{"member_id":"\#(member)","reward_id":"mug"}"#, key: fixture.integration))
            let capped = try await api.post("/v1/redemptions", #"{"member_id":"\#(member)","reward_id":"mug"}"#, key: fixture.integration)
            #expect(capped.code == "velocity_cap_exceeded", "\(capped.text)")
            try check(.post, "/v1/redemptions", capped)
            try check(.get, "/v1/messages", try await api.get("/v1/messages", key: fixture.admin))

            // Spin-the-wheel: plays granted, a spin paid with one, a spin without plays or points, a wheel unknown, the audit lists.
            _ = try await fixture.store.applyProgram(id: "prg_a", definition: try ProgramDefinition.parse(GameRouteTests.program),
                                                     source: GameRouteTests.program, now: HTTPFixture.start, idempotency: nil)
            let player = try await api.member("openapi-player")
            try check(.get, "/v1/members/{id}/games", try await api.get("/v1/members/\(player)/games"))
            try check(.post, "/v1/members/{id}/games/{wheel_id}/plays",
                      try await api.post("/v1/members/\(player)/games/lucky/plays", #"{"plays":1,"reason":"contest"}"#, key: fixture.admin))
            try check(.post, "/v1/members/{id}/games/{wheel_id}/plays",
                      try await api.post("/v1/members/\(player)/games/lucky/plays", #"{"plays":0,"reason":"contest"}"#, key: fixture.admin))
            try check(.post, "/v1/members/{id}/games/{wheel_id}/spins", try await api.post("/v1/members/\(player)/games/lucky/spins", "", key: fixture.integration))
            try check(.post, "/v1/members/{id}/games/{wheel_id}/spins", try await api.post("/v1/members/\(player)/games/lucky/spins", "", key: fixture.integration))
            try check(.post, "/v1/members/{id}/games/{wheel_id}/spins", try await api.post("/v1/members/\(player)/games/nope/spins", "", key: fixture.integration))
            try check(.get, "/v1/members/{id}/games/spins", try await api.get("/v1/members/\(player)/games/spins?limit=1"))
            try check(.get, "/v1/games/spins", try await api.get("/v1/games/spins", key: fixture.admin))
            // A reward prize (the mug of the catalogue above): issued while in stock, else out_of_stock.
            try check(.post, "/v1/members/{id}/adjustments", try await api.post("/v1/members/\(player)/adjustments", #"{"points":4,"reason":"gifts"}"#))
            for _ in 0..<4 {
                try check(.post, "/v1/members/{id}/games/{wheel_id}/spins", try await api.post("/v1/members/\(player)/games/gifts/spins", "", key: fixture.integration))
            }
            // Raffles: an entry (earned by nothing, paid with points), one refused, the raffle and its entries, draws.
            try check(.get, "/v1/raffles/{id}", try await api.get("/v1/raffles/summer"))
            try check(.get, "/v1/raffles/{id}", try await api.get("/v1/raffles/nope"))
            try check(.post, "/v1/members/{id}/adjustments", try await api.post("/v1/members/\(player)/adjustments", #"{"points":5,"reason":"raffle"}"#))
            try check(.post, "/v1/raffles/{id}/entries", try await api.post("/v1/raffles/summer/entries", #"{"member_id":"\#(player)"}"#, key: fixture.integration))
            try check(.post, "/v1/raffles/{id}/entries", try await api.post("/v1/raffles/spring/entries", #"{"member_id":"\#(player)"}"#, key: fixture.integration))
            try check(.get, "/v1/raffles/{id}/entries", try await api.get("/v1/raffles/summer/entries"))
            try check(.get, "/v1/raffles/{id}/entries", try await api.get("/v1/raffles/summer/entries?limit=1"))
            try check(.get, "/v1/raffles/{id}/entries", try await api.get("/v1/raffles/summer/entries?limit=0"))
            try check(.get, "/v1/raffles/{id}/entries", try await api.get("/v1/raffles/nope/entries"))
            try check(.get, "/v1/members/{id}/raffle-entries", try await api.get("/v1/members/\(player)/raffle-entries"))
            try check(.post, "/v1/raffles/{id}/draw", try await api.post("/v1/raffles/summer/draw", "", key: fixture.admin))
            try check(.post, "/v1/raffles/{id}/draw", try await api.post("/v1/raffles/spring/draw", "", key: fixture.admin))
            try check(.get, "/v1/raffles/{id}", try await api.get("/v1/raffles/spring"))

            for section in ["dashboard"] + AnalyticsSection.allCases.map(\.rawValue) {
                try check(.get, "/v1/analytics/\(section)", try await api.get("/v1/analytics/\(section)?from=2026-03-01&to=2026-03-31"))
            }
            try check(.get, "/v1/analytics/dashboard", try await api.get("/v1/analytics/dashboard?from=2026-04-01&to=2026-03-01"))
            try check(.get, "/v1/finance/liability", try await api.get("/v1/finance/liability"))
            try check(.get, "/v1/finance/liability", try await api.get("/v1/finance/liability?as_of=2026-02-30"))
            try check(.get, "/v1/finance/roll-forward", try await api.get("/v1/finance/roll-forward?from=2026-01&to=2026-03"))
            try check(.get, "/v1/finance/roll-forward", try await api.get("/v1/finance/roll-forward?from=2026-04&to=2026-03"))

            // Referrals and punch cards: a friend enrols with a code and buys; both views, and bad input.
            let play = HTTPFixture.program + "\n" + HTTPFixture.playSections
            try check(.put, "/v1/program", try await api.call(.put, "/v1/program", key: fixture.admin, body: play))
            let referrer = try await api.get("/v1/members/\(other)")
            try check(.get, "/v1/members/{id}", referrer)
            let code = try #require((referrer.json["referral"] as? [String: Any])?["code"] as? String)
            let friend = try await api.post("/v1/members", #"{"external_id":"oa-friend","referral_code":"\#(code)"}"#)
            try check(.post, "/v1/members", friend)
            try check(.post, "/v1/members", try await api.post("/v1/members", #"{"external_id":"oa-friend-2","referral_code":"ZZZZZZZZ"}"#))
            let friendId = try #require(friend.json["id"] as? String)
            _ = try await api.post("/v1/events", #"""
                {"member_id":"\#(friendId)","type":"purchase","purchase":{"currency":"EUR","lines":[{"sku":"ESP","category":"coffee","unit_price":"30.00"}]}}
                """#)
            try check(.get, "/v1/members/{id}/referrals", try await api.get("/v1/members/\(other)/referrals"))
            try check(.get, "/v1/members/{id}/referrals", try await api.get("/v1/members/mem_none/referrals"))
            try check(.get, "/v1/members/{id}/punch-cards", try await api.get("/v1/members/\(friendId)/punch-cards"))
            try check(.get, "/v1/members/{id}/punch-cards", try await api.get("/v1/members/mem_none/punch-cards"))
            try check(.get, "/v1/members/{id}", try await api.get("/v1/members/\(friendId)"))

            // Data rights: consents, the export, an erasure, its replay and refusals, and an event refused afterwards.
            let subject = try #require(try await api.post("/v1/members", #"{"external_id":"oa-erase","email":"eve@example.com","name":"Eve"}"#)
                .json["id"] as? String)
            _ = try await api.purchase(subject)
            let consents = "/v1/members/{id}/consents"
            try check(.put, consents, try await api.call(.put, "/v1/members/\(subject)/consents", key: fixture.integration,
                                                         body: #"{"consents":{"marketing":true,"profiling":false}}"#, idempotencyKey: "oa-consents"))
            try check(.put, consents, try await api.call(.put, "/v1/members/\(subject)/consents", key: fixture.integration, body: #"{"consents":{"Bad Name":true}}"#))
            try check(.put, consents, try await api.call(.put, "/v1/members/mem_none/consents", key: fixture.integration, body: #"{"consents":{"marketing":true}}"#))
            try check(.get, consents, try await api.get("/v1/members/\(subject)/consents"))
            try check(.get, consents, try await api.get("/v1/members/mem_none/consents"))
            try check(.get, "/v1/members/{id}/export", try await api.get("/v1/members/\(subject)/export", key: fixture.admin))
            try check(.get, "/v1/members/{id}/export", try await api.get("/v1/members/mem_none/export", key: fixture.admin))
            try check(.get, "/v1/members/{id}/export", try await api.get("/v1/members/\(subject)/export"))
            let erase = "/v1/members/{id}/erase"
            try check(.post, erase, try await api.post("/v1/members/\(subject)/erase", #"{"reason":"GDPR request 12"}"#, key: fixture.admin, idempotencyKey: "oa-erase"))
            try check(.post, erase, try await api.post("/v1/members/\(subject)/erase", #"{"reason":"GDPR request 12"}"#, key: fixture.admin, idempotencyKey: "oa-erase"))
            try check(.post, erase, try await api.post("/v1/members/\(subject)/erase", #"{"reason":"again"}"#, key: fixture.admin))
            try check(.post, erase, try await api.post("/v1/members/\(other)/erase", #"{"reason":""}"#, key: fixture.admin))
            try check(.post, erase, try await api.post("/v1/members/mem_none/erase", #"{"reason":"x"}"#, key: fixture.admin))
            try check(.get, "/v1/members/{id}", try await api.get("/v1/members/\(subject)"))
            try check(.get, "/v1/members/{id}/export", try await api.get("/v1/members/\(subject)/export", key: fixture.admin))
            try check(.post, "/v1/events", try await api.post("/v1/events", #"{"member_id":"\#(subject)","type":"review"}"#))
            try check(.put, consents, try await api.call(.put, "/v1/members/\(subject)/consents", key: fixture.integration, body: #"{"consents":{"marketing":true}}"#))

            // Simulations: queued, run by the job and read back with the report; bad bodies; an unknown one; the list.
            let window = #""from":"2026-01-01T00:00:00Z","to":"2026-03-01T00:00:00Z""#
            let simulation = try await api.post("/v1/simulations", "{\(window)}", key: fixture.admin, idempotencyKey: "oa-sim")
            try check(.post, "/v1/simulations", simulation)
            let simulationId = try #require(simulation.json["id"] as? String)
            try check(.post, "/v1/simulations", try await api.post("/v1/simulations", "{\(window)}", key: fixture.admin, idempotencyKey: "oa-sim"))
            try check(.get, "/v1/simulations/{id}", try await api.get("/v1/simulations/\(simulationId)", key: fixture.admin))
            try check(.post, "/v1/simulations", try await api.post("/v1/simulations", #"{"program":"name: x\ncolour: red\n",\#(window)}"#, key: fixture.admin))
            try check(.post, "/v1/simulations", try await api.post("/v1/simulations", #"{"from":"2026-03-01T00:00:00Z","to":"2026-01-01T00:00:00Z"}"#,
                                                                 key: fixture.admin))
            #expect(try await SimulationJob.runOnce(store: fixture.store, now: fixture.clock.now()) == 1)
            let completed = try await api.get("/v1/simulations/\(simulationId)", key: fixture.admin)
            #expect(completed.json["status"] as? String == "completed" && completed.json["result"] is [String: Any], "\(completed.text)")
            try check(.get, "/v1/simulations/{id}", completed)
            try check(.get, "/v1/simulations/{id}", try await api.get("/v1/simulations/sim_none", key: fixture.admin))
            try check(.get, "/v1/simulations", try await api.get("/v1/simulations", key: fixture.admin))
            try check(.get, "/v1/simulations", try await api.get("/v1/simulations?limit=0", key: fixture.admin))
            for _ in 0..<5 { _ = try await api.post("/v1/simulations", "{\(window)}", key: fixture.admin) }
            let full = try await api.post("/v1/simulations", "{\(window)}", key: fixture.admin)
            #expect(full.status == 409, "\(full.text)")
            try check(.post, "/v1/simulations", full)

            // Exports: each kind in each format, and an unknown kind and format.
            for kind in ExportKind.allCases {
                for format in ExportFormat.allCases {
                    try check(.get, "/v1/exports/{kind}", try await api.get("/v1/exports/\(kind.rawValue)?format=\(format.rawValue)", key: fixture.admin))
                }
            }
            try check(.get, "/v1/exports/{kind}", try await api.get("/v1/exports/nope", key: fixture.admin))
            try check(.get, "/v1/exports/{kind}", try await api.get("/v1/exports/ledger?format=xml", key: fixture.admin))
            try check(.get, "/v1/exports/{kind}", try await api.get("/v1/exports/ledger"))

            // Imports: queued, shown, listed; bad queries, a bad file, an unknown id.
            let queued = try await api.post("/v1/imports?kind=members&format=csv", "external_id,email\noa-i1,x@example.com\noa-i2,bad")
            try check(.post, "/v1/imports", queued)
            try check(.post, "/v1/imports", try await api.post("/v1/imports?kind=members", "external_id\nx"))
            try check(.post, "/v1/imports", try await api.post("/v1/imports?kind=members&format=csv", "colour\nred"))
            let importId = try #require(queued.json["id"] as? String)
            try check(.get, "/v1/imports/{id}", try await api.get("/v1/imports/\(importId)", key: fixture.admin))
            _ = try await ImportJob.runOnce(store: fixture.store)
            try check(.get, "/v1/imports/{id}", try await api.get("/v1/imports/\(importId)", key: fixture.admin))
            try check(.get, "/v1/imports/{id}", try await api.get("/v1/imports/imp_none", key: fixture.admin))
            try check(.get, "/v1/imports", try await api.get("/v1/imports?limit=1", key: fixture.admin))
            try check(.get, "/v1/imports", try await api.get("/v1/imports"))
            // Bulk awards: made, replayed, refused; shown queued and completed; listed; results, skipped and credited.
            let bulkBody = #"{"points":7,"reason":"oa bulk","actor":"jo","member_ids":["\#(member)","mem_none"]}"#
            let bulk = try await api.post("/v1/bulk-awards", bulkBody, key: fixture.admin, idempotencyKey: "oa-bulk")
            try check(.post, "/v1/bulk-awards", bulk)
            try check(.post, "/v1/bulk-awards", try await api.post("/v1/bulk-awards", bulkBody, key: fixture.admin, idempotencyKey: "oa-bulk"))
            try check(.post, "/v1/bulk-awards", try await api.post("/v1/bulk-awards", #"{"points":0,"reason":"x","member_ids":["a"]}"#, key: fixture.admin))
            try check(.post, "/v1/bulk-awards", try await api.post("/v1/bulk-awards", #"{"points":1,"reason":"x"}"#, key: fixture.admin))
            try check(.post, "/v1/bulk-awards", try await api.post("/v1/bulk-awards", #"{"points":1,"reason":"x","segment_id":"none"}"#, key: fixture.admin))
            try check(.post, "/v1/bulk-awards", try await api.post("/v1/bulk-awards", #"{"points":1,"reason":"x","member_ids":["a"]}"#))
            let bulkId = bulk.json["id"] as? String ?? ""
            try check(.get, "/v1/bulk-awards/{id}", try await api.get("/v1/bulk-awards/\(bulkId)", key: fixture.admin))
            _ = try await BulkAwardJob.runOnce(store: fixture.store, now: fixture.clock.now())
            try check(.get, "/v1/bulk-awards/{id}", try await api.get("/v1/bulk-awards/\(bulkId)", key: fixture.admin))
            try check(.get, "/v1/bulk-awards/{id}", try await api.get("/v1/bulk-awards/bulk_none", key: fixture.admin))
            try check(.get, "/v1/bulk-awards", try await api.get("/v1/bulk-awards?limit=1", key: fixture.admin))
            try check(.get, "/v1/bulk-awards", try await api.get("/v1/bulk-awards?limit=0", key: fixture.admin))
            try check(.get, "/v1/bulk-awards/{id}/results", try await api.get("/v1/bulk-awards/\(bulkId)/results", key: fixture.admin))
            try check(.get, "/v1/bulk-awards/{id}/results", try await api.get("/v1/bulk-awards/\(bulkId)/results?status=skipped&limit=1", key: fixture.admin))
            try check(.get, "/v1/bulk-awards/{id}/results", try await api.get("/v1/bulk-awards/\(bulkId)/results?status=pending", key: fixture.admin))
            try check(.get, "/v1/bulk-awards/{id}/results", try await api.get("/v1/bulk-awards/bulk_none/results", key: fixture.admin))

            let registered = Set(LaurelApplication.router(store: fixture.store, clock: fixture.clock).1.map { "\($0.method) \($0.path)" })
            #expect(checked == registered, "routes not exercised: \(registered.subtracting(checked))")
        }
    }
}
