import Foundation
import HTTPTypes
import LaurelCore
import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// `POST /v1/members/{id}/tokens` and what a member token then reaches: its own member only,
/// members' routes only, while it is valid, its member active and its key not rotated out.
@Suite struct MemberTokenRouteTests {
    /// A fresh token for `member`, asked with the integration key.
    static func token(_ api: HTTPFixture.Client, _ member: String, body: String = "", key: String? = nil) async throws -> String {
        let answer = try await api.call(.post, "/v1/members/\(member)/tokens", key: key ?? api.fixture.integration, body: body)
        #expect(answer.status == 201, "\(answer.text)")
        return try #require(answer.json["token"] as? String)
    }

    @Test(arguments: TestBackend.available)
    func aTokenIsASignedJWTForItsMemberAndProgram(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer(rateLimits: RateLimitSettings(failedAuthenticationsPerMinute: nil)) { api in
            let member = try await api.member("tok-1")
            let answer = try await api.call(.post, "/v1/members/\(member)/tokens", key: fixture.integration, body: #"{"expires_in":600}"#)
            #expect(answer.status == 201, "\(answer.text)")
            #expect(answer.json["object"] as? String == "member_token" && answer.json["token_type"] as? String == "Bearer")
            #expect(answer.json["member_id"] as? String == member && answer.json["expires_in"] as? Int == 600)
            #expect(answer.json["expires_at"] as? String == Timestamps.format(HTTPFixture.start.addingTimeInterval(600)))
            let (header, claims) = TokenForge.parts(try #require(answer.json["token"] as? String))
            #expect(header["alg"] as? String == "HS256" && header["typ"] as? String == "JWT")
            #expect(header["kid"] as? String == answer.json["key_id"] as? String && (header["kid"] as? String)?.hasPrefix("mtk_") == true)
            #expect(claims["iss"] as? String == "laurel" && claims["sub"] as? String == member)
            #expect(claims["aud"] as? String == "prg_a" || claims["aud"] as? [String] == ["prg_a"])
            #expect(claims["exp"] as? Int == Int(HTTPFixture.start.timeIntervalSince1970) + 600)
            #expect(claims["jti"] as? String == answer.json["token_id"] as? String)
            // Default 15 minutes; the bounds are 60 s and one hour.
            let plain = try await api.call(.post, "/v1/members/\(member)/tokens", key: fixture.integration, body: "")
            #expect(plain.status == 201 && plain.json["expires_in"] as? Int == 900)
            for bad in [#"{"expires_in":59}"#, #"{"expires_in":3601}"#, #"{"expires_in":"600"}"#, #"{"expires_in":1.5}"#] {
                let refused = try await api.call(.post, "/v1/members/\(member)/tokens", key: fixture.integration, body: bad)
                #expect(refused.status == 422 && refused.field == "expires_in", "\(bad): \(refused.text)")
            }
            for (bad, field) in [(#"{"sub":"mem_other"}"#, "sub"), (#"{"aud":"prg_b","expires_in":60}"#, "aud"), (#"{"scope":"admin"}"#, "scope")] {
                let refused = try await api.call(.post, "/v1/members/\(member)/tokens", key: fixture.integration, body: bad)
                #expect(refused.status == 422 && refused.field == field, "\(bad): \(refused.text)")
            }
            #expect(try await api.call(.post, "/v1/members/\(member)/tokens", key: fixture.integration, body: "[]").status == 400)
            #expect(try await api.call(.post, "/v1/members/mem_none/tokens", key: fixture.integration, body: "").status == 404)
            #expect(try await api.call(.post, "/v1/members/\(member)/tokens", key: fixture.otherAdmin, body: "").status == 404)
            #expect(try await api.call(.post, "/v1/members/\(member)/tokens", key: fixture.read, body: "").status == 403)
            _ = try await api.call(.patch, "/v1/members/\(member)", key: fixture.admin, body: #"{"status":"blocked"}"#)
            let blocked = try await api.call(.post, "/v1/members/\(member)/tokens", key: fixture.integration, body: "")
            #expect(blocked.status == 422 && blocked.code == "member_blocked")
        }
    }

    @Test(arguments: TestBackend.available)
    func aMemberTokenReachesOnlyItsOwnMembersObjects(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer(rateLimits: RateLimitSettings(failedAuthenticationsPerMinute: nil)) { api in
            let ana = try await api.member("tok-ana")
            let ben = try await api.member("tok-ben")
            let anaEvent = try #require(try await api.purchase(ana).json["id"] as? String)
            let benEvent = try #require(try await api.purchase(ben).json["id"] as? String)
            let token = try await Self.token(api, ana)
            let own = try await api.get("/v1/members/\(ana)", key: token)
            #expect(own.status == 200 && own.json["id"] as? String == ana)
            #expect(try await api.get("/v1/members/\(ana)/ledger", key: token).status == 200)
            #expect(try await api.get("/v1/events/\(anaEvent)", key: token).status == 200)
            // Another member's objects are not found, worded as unknown ones are.
            let other = try await api.get("/v1/members/\(ben)", key: token)
            #expect(other.status == 404 && other.code == "not_found")
            #expect(other.json["detail"] as? String == "member \(ben) not found")
            #expect(try await api.get("/v1/members/mem_none", key: token).json["detail"] as? String == "member mem_none not found")
            let theirEvent = try await api.get("/v1/events/\(benEvent)", key: token)
            #expect(theirEvent.status == 404 && theirEvent.json["detail"] as? String == "event \(benEvent) not found")
            #expect(try await api.get("/v1/events/evt_none", key: token).json["detail"] as? String == "event evt_none not found")
            #expect(try await api.get("/v1/members/\(ben)/ledger", key: token).status == 404)
            // A redemption for another member is not found; for itself it goes through (here: no such reward).
            let theirs = try await api.post("/v1/redemptions", #"{"member_id":"\#(ben)","reward_id":"none"}"#, key: token)
            #expect(theirs.status == 404 && theirs.json["detail"] as? String == "member \(ben) not found")
            // A repeated key cannot smuggle another member past the check: the check and the handler read the same one.
            #expect(try await api.post("/v1/rewards", #"{"id":"pen","name":"Pen","type":"experience","cost":10}"#).status == 201)
            for member in [ana, ben] { #expect(try await api.post("/v1/members/\(member)/adjustments", #"{"points":100,"reason":"x"}"#).status == 201) }
            for body in [#"{"member_id":"\#(ana)","reward_id":"pen","member_id":"\#(ben)"}"#, #"{"member_id":"\#(ben)","reward_id":"pen","member_id":"\#(ana)"}"#] {
                let repeated = try await api.post("/v1/redemptions", body, key: token)
                #expect(repeated.status == 404 || repeated.json["member_id"] as? String == ana, "\(repeated.text)")
            }
            #expect(try await api.points(ben)["available"] as? Int == 100)
            let mine = try await api.post("/v1/redemptions", #"{"member_id":"\#(ana)","reward_id":"none"}"#, key: token)
            #expect(mine.status == 404 && mine.json["detail"] as? String == "reward none not found", "\(mine.text)")
            // Lists are the member's own: another member_id is not found, none means their own.
            #expect(try await api.get("/v1/redemptions?member_id=\(ben)", key: token).status == 404)
            #expect(try await api.get("/v1/redemptions", key: token).status == 200)
            // Routes that are not member-facing refuse the token.
            for (method, path) in [(HTTPRequest.Method.get, "/v1/members"), (.get, "/v1/program"), (.get, "/v1/rewards"), (.get, "/v1/messages")] {
                let refused = try await api.call(method, path, key: token)
                #expect(refused.status == 403 && refused.code == "forbidden", "\(method) \(path): \(refused.text)")
            }
            for (path, body) in [("/v1/events", #"{"member_id":"\#(ana)","type":"review"}"#), ("/v1/members/\(ana)/tokens", ""),
                                 ("/v1/members/\(ana)/adjustments", #"{"points":100,"reason":"x"}"#),
                                 ("/v1/transfers", #"{"from_member_id":"\#(ben)","to_member_id":"\#(ana)","points":1}"#)] {
                #expect(try await api.post(path, body, key: token).status == 403, "\(path)")
            }
            #expect(try await api.call(.patch, "/v1/members/\(ana)", key: token, body: #"{"status":"active"}"#).status == 403)
            // The refused adjustment credited nothing (ana paid for at most two pens).
            let available = try await api.points(ana)["available"] as? Int ?? -1
            #expect((80...100).contains(available))
        }
    }

    @Test(arguments: TestBackend.available)
    func aTokenStopsWorkingWhenItExpiresOrItsMemberIsBlocked(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer(rateLimits: RateLimitSettings(failedAuthenticationsPerMinute: nil)) { api in
            let ana = try await api.member("tok-exp")
            let token = try await Self.token(api, ana, body: #"{"expires_in":60}"#)
            fixture.clock.advance(by: 59)
            #expect(try await api.get("/v1/members/\(ana)", key: token).status == 200)
            fixture.clock.advance(by: 1)
            let expired = try await api.get("/v1/members/\(ana)", key: token)
            #expect(expired.status == 401 && expired.code == "invalid_token" && (expired.json["detail"] as? String)?.contains("expired") == true)

            let fresh = try await Self.token(api, ana)
            #expect(try await api.get("/v1/members/\(ana)", key: fresh).status == 200)
            _ = try await api.call(.patch, "/v1/members/\(ana)", key: fixture.admin, body: #"{"status":"blocked"}"#)
            let blocked = try await api.get("/v1/members/\(ana)", key: fresh)
            #expect(blocked.status == 401 && (blocked.json["detail"] as? String)?.contains("blocked") == true)
            _ = try await api.call(.patch, "/v1/members/\(ana)", key: fixture.admin, body: #"{"status":"active"}"#)
            #expect(try await api.get("/v1/members/\(ana)", key: fresh).status == 200)
        }
    }

    @Test(arguments: TestBackend.available)
    func tokensTheServerDidNotIssueAsTheyAreAnswer401(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer(rateLimits: RateLimitSettings(failedAuthenticationsPerMinute: nil)) { api in
            let ana = try await api.member("tok-forge")
            let ben = try await api.member("tok-forge-2")
            let genuine = try await Self.token(api, ana)
            let key = try #require(try await fixture.store.memberTokenKeys(programId: "prg_a").first)
            let now = fixture.clock.now()
            let header: [String: Any] = ["alg": "HS256", "typ": "JWT", "kid": key.id]
            let claims = TokenForge.claims(member: ana, program: "prg_a", now: now)
            // The forge makes what the server makes: its own token is accepted.
            let forged = TokenForge.token(header: header, claims: claims, secret: key.secret)
            #expect(try await api.get("/v1/members/\(ana)", key: forged).status == 200)

            func with(_ change: (inout [String: Any], inout [String: Any]) -> Void, secret: String? = key.secret) -> String {
                var header = header, claims = claims
                change(&header, &claims)
                return TokenForge.token(header: header, claims: claims, secret: secret)
            }
            let parts = genuine.split(separator: ".").map(String.init)
            var tamperedClaims = TokenForge.parts(genuine).claims
            tamperedClaims["sub"] = ben
            let tampered = parts[0] + "." + TokenForge.base64URL(TokenForge.json(tamperedClaims)) + "." + parts[2]
            let cases: [(String, String, String)] = [
                ("alg none", with({ header, _ in header["alg"] = "none" }, secret: nil), "alg none"),
                ("alg none, key's signature", with({ header, _ in header["alg"] = "none" }), "alg none"),
                ("alg HS512", with({ header, _ in header["alg"] = "HS512" }), "alg HS512"),
                ("no kid", with({ header, _ in header["kid"] = nil }), "no kid"),
                ("unknown kid", with({ header, _ in header["kid"] = "mtk_unknown" }), "unknown"),
                ("another secret", with({ _, _ in }, secret: Data(repeating: 7, count: 32).base64EncodedString()), "signature"),
                ("tampered", tampered, "signature"),
                ("another issuer", with({ _, claims in claims["iss"] = "someone-else" }), "issued by"),
                ("another audience", with({ _, claims in claims["aud"] = "prg_b" }), "audience"),
                ("two audiences", with({ _, claims in claims["aud"] = ["prg_a", "prg_b"] }), "audience"),
                ("expired", with({ _, claims in claims["exp"] = Int(now.timeIntervalSince1970) }), "expired"),
                ("not yet valid", with({ _, claims in claims["nbf"] = Int(now.timeIntervalSince1970) + 31 }), "not valid before"),
                ("issued in the future", with({ _, claims in claims["iat"] = Int(now.timeIntervalSince1970) + 31 }), "not valid before"),
                ("too long a life", with({ _, claims in claims["exp"] = Int(now.timeIntervalSince1970) + 3601 }), "claims"),
                ("no subject", with({ _, claims in claims["sub"] = nil }), "malformed"),
                ("two parts", parts[0] + "." + parts[1], "malformed"),
                ("garbage", "not.a.token", "malformed"),
            ]
            for (name, token, detail) in cases {
                let answer = try await api.get("/v1/members/\(ana)", key: token)
                #expect(answer.status == 401 && answer.code == "invalid_token", "\(name): \(answer.text)")
                #expect((answer.json["detail"] as? String)?.contains(detail) == true, "\(name): \(answer.text)")
            }
            // A little clock difference between nodes is tolerated.
            let early = with({ _, claims in claims["nbf"] = Int(now.timeIntervalSince1970) + 30 })
            #expect(try await api.get("/v1/members/\(ana)", key: early).status == 200)
        }
    }

    @Test(arguments: TestBackend.available)
    func rotationKeepsOldTokensUntilTheyExpireUnlessThePreviousKeyIsRevoked(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer(rateLimits: RateLimitSettings(failedAuthenticationsPerMinute: nil)) { api in
            let ana = try await api.member("tok-rot")
            let before = try await Self.token(api, ana, body: #"{"expires_in":3600}"#)
            let firstKey = TokenForge.parts(before).header["kid"] as? String
            let rotated = try await api.post("/v1/token-keys/rotate", "", key: fixture.admin, idempotencyKey: "rotate-1")
            #expect(rotated.status == 200, "\(rotated.text)")
            let keys = try #require(rotated.json["data"] as? [[String: Any]])
            #expect(keys.map { $0["status"] as? String } == ["signing", "verifying"] && keys[1]["id"] as? String == firstKey)
            #expect(keys.allSatisfy { $0["secret"] == nil })
            #expect(keys[1]["expires_at"] as? String == Timestamps.format(fixture.clock.now().addingTimeInterval(3600)))
            // Replayed under its key: nothing rotated again.
            let replay = try await api.post("/v1/token-keys/rotate", "", key: fixture.admin, idempotencyKey: "rotate-1")
            #expect(replay.body == rotated.body && replay.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            fixture.clock.advance(by: 10)
            // The old token still works; new tokens carry the new key.
            #expect(try await api.get("/v1/members/\(ana)", key: before).status == 200)
            let after = try await Self.token(api, ana)
            #expect(TokenForge.parts(after).header["kid"] as? String == keys[0]["id"] as? String)
            #expect(try await api.get("/v1/members/\(ana)", key: after).status == 200)

            // A leaked key: rotate with revoke_previous, and every earlier key's tokens stop within the key cache's 5 seconds.
            let revoked = try await api.post("/v1/token-keys/rotate", #"{"revoke_previous":true}"#, key: fixture.admin)
            #expect((revoked.json["data"] as? [[String: Any]])?.map { $0["status"] as? String } == ["signing", "expired", "expired"])
            fixture.clock.advance(by: 6)
            for token in [before, after] {
                let refused = try await api.get("/v1/members/\(ana)", key: token)
                #expect(refused.status == 401 && (refused.json["detail"] as? String)?.contains("rotated out") == true, "\(refused.text)")
            }
            #expect(try await api.get("/v1/members/\(ana)", key: try await Self.token(api, ana)).status == 200)
            let listed = try await api.get("/v1/token-keys", key: fixture.admin)
            #expect((listed.json["data"] as? [[String: Any]])?.count == 3)
            #expect(try await api.post("/v1/token-keys/rotate", #"{"revoke_previous":"yes"}"#, key: fixture.admin).field == "revoke_previous")
            #expect(try await api.post("/v1/token-keys/rotate", #"{"overlap":1}"#, key: fixture.admin).field == "overlap")
            #expect(try await api.post("/v1/token-keys/rotate", "", key: fixture.integration).status == 403)
            // Program B's keys are its own.
            #expect((try await api.get("/v1/token-keys", key: fixture.otherAdmin).json["data"] as? [Any])?.isEmpty == true)
        }
    }
}
