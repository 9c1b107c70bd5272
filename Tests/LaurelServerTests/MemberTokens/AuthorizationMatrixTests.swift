import Foundation
import HTTPTypes
import LaurelCore
import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// Every route of the router's table, called by every identity: keys of each scope of program A
/// and of program B, member tokens of A1, A2 (program A) and B1 (program B), and credentials that
/// must not work (none, a revoked key, an expired, `alg: none`, wrong-audience and tampered token).
/// What each answer must be is derived from the route's declared scope and member access; a route
/// whose path the test cannot fill fails it, so a new route cannot go unwalked.
@Suite struct AuthorizationMatrixTests {
    /// Whose objects a request names.
    enum Owner: CaseIterable { case a1, a2 }

    enum Identity: CustomStringConvertible {
        case key(program: String, APIScope, String)
        case member(program: String, Owner?, String)
        case refused(String, String)
        var description: String {
            switch self {
            case .key(let program, let scope, _): "\(scope.rawValue) key of \(program)"
            case .member(let program, let owner, _): "member token of \(owner.map { "\($0)" } ?? "B1") (\(program))"
            case .refused(let name, _): name
            }
        }
        var credentials: String? {
            switch self {
            case .key(_, _, let secret), .member(_, _, let secret): secret
            case .refused(_, let secret): secret.isEmpty ? nil : secret
            }
        }
    }

    /// The objects of program A the requests name.
    struct World {
        var members: [Owner: String]
        var events: [Owner: String]
        var redemptions: [Owner: String]
        var endpoint: String
    }

    /// A request for `route` naming `owner`'s objects; `namesProgramA` when its path or body names
    /// an object only program A has (a key of program B must then get 404).
    struct Sample { var path: String; var body: String?; var namesProgramA: Bool }

    /// Bodies of the writes; `{member}` is the owner's member id, `{other}` the other member's.
    static let bodies: [String: String] = [
        "PUT /v1/program": IdempotentWritesTests.program,
        "POST /v1/members": #"{"external_id":"matrix-new"}"#,
        "PATCH /v1/members/{id}": #"{"name":"Matrix"}"#,
        "POST /v1/members/{id}/adjustments": #"{"points":1,"reason":"matrix"}"#,
        "POST /v1/members/{id}/adjustments/{adjustment_id}/cancel": #"{"reason":"matrix"}"#,
        "POST /v1/members/{id}/tokens": #"{"expires_in":60}"#,
        "PUT /v1/members/{id}/tier": #"{"tier":"gold","reason":"matrix"}"#,
        "POST /v1/events": #"{"member_id":"{member}","type":"review"}"#,
        "POST /v1/transfers": #"{"from_member_id":"{member}","to_member_id":"{other}","points":1}"#,
        "POST /v1/rewards": #"{"id":"matrix-cup","name":"Cup","type":"experience","cost":1}"#,
        "PUT /v1/rewards/{id}": #"{"name":"Mug","type":"experience","cost":10}"#,
        "POST /v1/rewards/{id}/codes": #"{"codes":["M-1"]}"#,
        "POST /v1/redemptions": #"{"member_id":"{member}","reward_id":"mug"}"#,
        "POST /v1/clubs/{id}/members": #"{"member_id":"{member}"}"#,
        "POST /v1/clubs/{id}/join": #"{"member_id":"{member}"}"#,
        "POST /v1/webhook_endpoints": #"{"url":"https://203.0.113.7/matrix"}"#,
        "PATCH /v1/webhook_endpoints/{id}": #"{"description":"matrix"}"#,
        "POST /v1/token-keys/rotate": "{}",
        "POST /v1/members/{id}/games/{wheel_id}/plays": #"{"plays":1,"reason":"matrix"}"#,
        // A blank reason: the route is walked (scope, program, member) without erasing A1 and A2, whose tokens later routes use.
        "POST /v1/members/{id}/erase": #"{"reason":" "}"#,
        "PUT /v1/members/{id}/consents": #"{"consents":{"marketing":true}}"#,
        "POST /v1/simulations": #"{"from":"2026-01-01T00:00:00Z","to":"2026-03-01T00:00:00Z"}"#,
        // By external id: a job of either program (a key of program B makes one for its own, where nobody has the id).
        "POST /v1/bulk-awards": #"{"points":1,"reason":"matrix","external_ids":["matrix-bulk"]}"#,
    ]

    /// The request for `route` naming `owner`'s objects; nil (and a recorded issue) when the test
    /// does not know how to fill a path parameter: a new kind of route needs a line here.
    static func sample(_ route: APIRoute, _ owner: Owner, _ world: World) -> Sample? {
        let other: Owner = owner == .a1 ? .a2 : .a1
        var namesProgramA = false
        var segments: [String] = []
        let parts = route.path.split(separator: "/").map(String.init)
        for (index, part) in parts.enumerated() {
            guard part.hasPrefix("{") else { segments.append(part); continue }
            let resource = index > 0 ? parts[index - 1] : ""
            let value: String?
            switch (resource, part) {
            case ("members", "{id}"), (_, "{member_id}"): value = world.members[owner]; namesProgramA = true
            case ("events", "{id}"): value = world.events[owner]; namesProgramA = true
            case ("redemptions", "{id}"): value = world.redemptions[owner]; namesProgramA = true
            case ("webhook_endpoints", "{id}"): value = world.endpoint; namesProgramA = true
            case ("clubs", "{id}"): value = "lounge"
            case ("rewards", "{id}"): value = "mug"
            case ("segments", "{id}"), ("campaigns", "{id}"), ("reviews", "{id}"), (_, "{delivery_id}"), ("adjustments", "{adjustment_id}"),
                 (_, "{challenge_id}"):
                value = "x_1"
            case ("versions", "{version}"): value = "1"
            case ("games", "{wheel_id}"): value = "lucky"
            case ("raffles", "{id}"): value = "summer"
            case ("exports", "{kind}"): value = "ledger"
            case ("imports", "{id}"): value = "imp_x"
            case ("simulations", "{id}"): value = "sim_1"
            case ("bulk-awards", "{id}"): value = "bulk_none"
            default: value = nil
            }
            guard let value else {
                Issue.record("\(route): the matrix does not know how to fill \(part) after \(resource); add it to AuthorizationMatrixTests.sample")
                return nil
            }
            segments.append(value)
        }
        var path = "/" + segments.joined(separator: "/")
        if case .queryMember(let name) = route.member { path += "?\(name)=\(world.members[owner]!)" }
        var body = bodies["\(route.method) \(route.path)"]
        if case .bodyMember(let field) = route.member, body == nil { body = #"{"\#(field)":"{member}"}"# }
        if let template = body, template.contains("{member}") {
            namesProgramA = true
            body = template.replacingOccurrences(of: "{member}", with: world.members[owner]!).replacingOccurrences(of: "{other}", with: world.members[other]!)
        }
        if body == nil, ["POST", "PUT", "PATCH"].contains(route.method) { body = "{}" }
        return Sample(path: path, body: body, namesProgramA: namesProgramA)
    }

    /// A member-facing route whose object belongs to a member (not program-wide data).
    static func isOwned(_ access: MemberAccessKind) -> Bool {
        switch access {
        case .refused, .anyMember: false
        case .pathMember, .bodyMember, .queryMember, .owner: true
        }
    }

    /// What is wrong with the answer `identity` got from `route` for `sample` (naming `owner`'s
    /// objects, `ownObjects`: `member mem_…`, `event evt_…`); nil when it is as the route's access declares.
    static func check(_ route: APIRoute, _ identity: Identity, owner: Owner, sample: Sample, ownObjects: [String],
                      _ answer: HTTPFixture.Client.Answer) -> String? {
        guard let scope = route.scope else {
            return answer.status == 200 ? nil : "a public route answered \(answer.status)"
        }
        let allowed = ![401, 403].contains(answer.status)
        switch identity {
        case .refused:
            return answer.status == 401 ? nil : "expected 401, got \(answer.status)"
        case .key(let program, let keyScope, _):
            if keyScope < scope { return answer.status == 403 && answer.code == "forbidden" ? nil : "expected 403 (scope), got \(answer.status)" }
            if program == "prg_b", sample.namesProgramA {
                return answer.status == 404 ? nil : "expected 404 (program A's object), got \(answer.status)"
            }
            return allowed ? nil : "expected to be let through, got \(answer.status)"
        case .member(let program, let tokenOwner, _):
            if route.member == .refused { return answer.status == 403 && answer.code == "forbidden" ? nil : "expected 403 (not member-facing), got \(answer.status)" }
            guard isOwned(route.member) else { return allowed && answer.status != 404 ? nil : "expected to be let through, got \(answer.status)" }
            if program == "prg_a", tokenOwner == owner {
                // Its own objects: let through, and never denied as unknown.
                let denied = answer.status == 404 && ownObjects.contains { answer.json["detail"] as? String == "\($0) not found" }
                return allowed && !denied ? nil : "expected its own object to be reachable, got \(answer.status) \(answer.text)"
            }
            return answer.status == 404 && answer.code == "not_found" ? nil : "expected 404 (another member's object), got \(answer.status) \(answer.text)"
        }
    }

    /// The matrix checks that every route does what it declares; this pins the declarations of the
    /// routes a member token may use, so widening one (or adding one) is a decision a test records.
    @Test func theMemberFacingRoutesAreExactlyThese() throws {
        let routes = LaurelApplication.router(store: try SQLiteStore(path: ":memory:"), clock: SystemClock()).1
        let memberFacing = Dictionary(uniqueKeysWithValues: routes.filter { $0.scope != nil && $0.member != .refused }.map { ("\($0)", $0.member) })
        let expected: [String: MemberAccessKind] = [
            "GET /v1/members/{id}": .pathMember("id"), "GET /v1/members/{id}/ledger": .pathMember("id"), "GET /v1/members/{id}/points-activity": .pathMember("id"),
            "GET /v1/members/{id}/tier-history": .pathMember("id"), "GET /v1/members/{id}/rewards": .pathMember("id"),
            "GET /v1/events/{id}": .owner, "GET /v1/redemptions/{id}": .owner, "GET /v1/redemptions": .queryMember("member_id"),
            "POST /v1/redemptions": .bodyMember("member_id"), "POST /v1/clubs/{id}/join": .bodyMember("member_id"),
            "DELETE /v1/clubs/{id}/members/{member_id}": .pathMember("member_id"), "GET /v1/clubs": .anyMember,
            "GET /v1/members/{id}/referrals": .pathMember("id"), "GET /v1/members/{id}/punch-cards": .pathMember("id"),
            "GET /v1/members/{id}/games": .pathMember("id"), "POST /v1/members/{id}/games/{wheel_id}/spins": .pathMember("id"),
            "GET /v1/members/{id}/games/spins": .pathMember("id"),
            "GET /v1/raffles/{id}": .anyMember, "GET /v1/raffles/{id}/entries": .anyMember, "POST /v1/raffles/{id}/entries": .bodyMember("member_id"),
            "GET /v1/members/{id}/raffle-entries": .pathMember("id"),
            "GET /v1/members/{id}/challenges": .pathMember("id"), "GET /v1/members/{id}/badges": .pathMember("id"),
            "POST /v1/members/{id}/challenges/{challenge_id}/join": .pathMember("id"),
            "GET /v1/members/{id}/export": .pathMember("id"), "GET /v1/members/{id}/consents": .pathMember("id"),
            "PUT /v1/members/{id}/consents": .pathMember("id"),
        ]
        #expect(memberFacing == expected)
        // A declared path parameter is one the path has.
        for route in routes {
            if case .pathMember(let name) = route.member { #expect(route.path.contains("{\(name)}"), "\(route)") }
            if route.member == .owner { #expect(route.path.hasSuffix("{id}"), "\(route)") }
        }
    }

    @Test(arguments: TestBackend.available)
    func everyRouteAnswersEveryIdentityAsItsAccessDeclares(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        let definition = try ProgramDefinition.parse(IdempotentWritesTests.program)
        for program in ["prg_a", "prg_b"] {
            _ = try await fixture.store.applyProgram(id: program, definition: definition, source: IdempotentWritesTests.program,
                                                     now: HTTPFixture.start, idempotency: nil)
        }
        let integrationB = try await APIKeyAuthenticator.create(store: fixture.store, programId: "prg_b", scope: .integration, name: nil,
                                                                now: HTTPFixture.start).1
        let readB = try await APIKeyAuthenticator.create(store: fixture.store, programId: "prg_b", scope: .read, name: nil, now: HTTPFixture.start).1
        let (revokedRecord, revoked) = try await APIKeyAuthenticator.create(store: fixture.store, programId: "prg_a", scope: .admin, name: nil,
                                                                            now: HTTPFixture.start)
        _ = try await fixture.store.revokeAPIKey(id: revokedRecord.id, now: HTTPFixture.start)
        let routes = LaurelApplication.router(store: fixture.store, clock: fixture.clock).1
        #expect(routes.count >= 50)
        try await fixture.withServer(rateLimits: .off) { api in
            // Program A: members A1 and A2 with points, an event and a redemption each, a reward, a webhook endpoint; program B: B1.
            var world = World(members: [:], events: [:], redemptions: [:], endpoint: "")
            for program in ["prg_a", "prg_b"] {
                #expect(try await api.post("/v1/rewards", #"{"id":"mug","name":"Mug","type":"experience","cost":10}"#,
                                           key: program == "prg_a" ? fixture.admin : fixture.otherAdmin).status == 201)
            }
            for owner in Owner.allCases {
                let member = try await api.member("matrix-\(owner)")
                world.members[owner] = member
                #expect(try await api.post("/v1/members/\(member)/adjustments", #"{"points":1000,"reason":"setup"}"#).status == 201)
                world.events[owner] = try #require(try await api.purchase(member).json["id"] as? String)
                world.redemptions[owner] = try #require(try await api.post("/v1/redemptions", #"{"member_id":"\#(member)","reward_id":"mug"}"#).json["id"] as? String)
            }
            world.endpoint = try await IdempotentWritesTests.webhookEndpoint(api)
            let b1 = try await api.member("matrix-b1", key: fixture.otherAdmin)
            let tokenA1 = try await MemberTokenRouteTests.token(api, world.members[.a1]!)
            let tokenA2 = try await MemberTokenRouteTests.token(api, world.members[.a2]!)
            let tokenB1 = try await MemberTokenRouteTests.token(api, b1, key: fixture.otherAdmin)
            let shortLived = try await MemberTokenRouteTests.token(api, world.members[.a1]!, body: #"{"expires_in":60}"#)
            let keyA = try #require(try await fixture.store.memberTokenKeys(programId: "prg_a").first)
            let claims = TokenForge.claims(member: world.members[.a1]!, program: "prg_a", now: HTTPFixture.start)
            var otherAudience = claims
            otherAudience["aud"] = "prg_b"
            var tampered = claims
            tampered["sub"] = world.members[.a2]!
            let signature = tokenA1.split(separator: ".")[2]
            let identities: [Identity] = [
                .key(program: "prg_a", .admin, fixture.admin), .key(program: "prg_a", .integration, fixture.integration),
                .key(program: "prg_a", .read, fixture.read),
                .key(program: "prg_b", .admin, fixture.otherAdmin), .key(program: "prg_b", .integration, integrationB),
                .key(program: "prg_b", .read, readB),
                .member(program: "prg_a", .a1, tokenA1), .member(program: "prg_a", .a2, tokenA2), .member(program: "prg_b", nil, tokenB1),
                .refused("no credentials", ""), .refused("a revoked key", revoked), .refused("an expired token", shortLived),
                .refused("an alg none token", TokenForge.token(header: ["alg": "none", "typ": "JWT", "kid": keyA.id], claims: claims, secret: nil)),
                .refused("a wrong-audience token", TokenForge.token(header: ["alg": "HS256", "typ": "JWT", "kid": keyA.id], claims: otherAudience, secret: keyA.secret)),
                .refused("a tampered token", TokenForge.token(header: ["alg": "HS256", "typ": "JWT", "kid": keyA.id], claims: tampered, secret: nil) + signature),
            ]
            fixture.clock.advance(by: 61)
            var cells = 0
            for route in routes {
                for identity in identities {
                    for owner in Owner.allCases {
                        guard let sample = Self.sample(route, owner, world) else { continue }
                        let method = HTTPRequest.Method(route.method)!
                        let answer = try await api.call(method, sample.path, key: identity.credentials, body: sample.body)
                        let ownObjects = ["member \(world.members[owner]!)", "event \(world.events[owner]!)", "redemption \(world.redemptions[owner]!)"]
                        if let problem = Self.check(route, identity, owner: owner, sample: sample, ownObjects: ownObjects, answer) {
                            Issue.record("\(route) [\(route.member)] by \(identity) naming \(owner)'s objects: \(problem)")
                        }
                        cells += 1
                    }
                }
            }
            #expect(cells == routes.count * identities.count * Owner.allCases.count)

            // Spot checks, written out.
            let (a1, a2) = (world.members[.a1]!, world.members[.a2]!)
            #expect(try await api.get("/v1/members/\(a1)", key: tokenA1).status == 200)
            #expect(try await api.get("/v1/members/\(a2)", key: tokenA1).status == 404)
            #expect(try await api.get("/v1/members/\(a1)", key: tokenB1).status == 404)
            #expect(try await api.get("/v1/redemptions/\(world.redemptions[.a2]!)", key: tokenA1).status == 404)
            #expect(try await api.get("/v1/program", key: tokenA1).status == 403)
            #expect(try await api.get("/v1/clubs", key: tokenA1).status == 200)
            #expect(try await api.post("/v1/redemptions", #"{"member_id":"\#(a1)","reward_id":"mug"}"#, key: tokenA1).status == 201)
            #expect(try await api.post("/v1/events", #"{"member_id":"\#(a1)","type":"review"}"#, key: fixture.read).status == 403)
            #expect(try await api.get("/v1/members/\(a1)", key: fixture.otherAdmin).status == 404)
            #expect(try await api.call(.get, "/v1/members/\(a1)", key: nil).status == 401)
            #expect(try await api.get("/v1/members/\(a1)", key: revoked).status == 401)
            #expect(try await api.get("/healthz", key: nil).status == 200)
        }
    }
}
