import Foundation
import Hummingbird
@testable import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// Who may open which console page: every route of the console's table walked with an anonymous
/// browser, each role of program A and program B's owner; forms without the session's CSRF token.
struct ConsoleAccessTests {
    /// The console's routes, from the same registration the server makes.
    static func routes(_ fixture: ConsoleFixture) -> [ConsoleRoute] {
        ConsoleRoutes.register(Router(context: AppContext.self), store: fixture.http.store, clock: fixture.http.clock)
    }

    @Test(arguments: TestBackend.available)
    func everyRouteRefusesAnonymousUsersAndLowerRoles(backend: TestBackend) async throws {
        let fixture = try await ConsoleFixture.make(backend)
        let routes = Self.routes(fixture)
        #expect(routes.count >= 14)
        #expect(routes.contains(ConsoleRoute(method: "POST", path: "/admin/program/edit", role: .manager)))
        #expect(routes.contains(ConsoleRoute(method: "POST", path: "/admin/members/{id}/adjust", role: .support)))
        // The dashboard is for every role; writing rewards and their codes is for managers and owners.
        #expect(routes.contains(ConsoleRoute(method: "GET", path: "/admin/dashboard", role: .support)))
        #expect(routes.contains(ConsoleRoute(method: "GET", path: "/admin/rewards", role: .support)))
        for path in ["/admin/rewards/new", "/admin/rewards/{id}/edit", "/admin/rewards/{id}/codes"] {
            #expect(routes.contains(ConsoleRoute(method: "GET", path: path, role: .manager)))
            #expect(routes.contains(ConsoleRoute(method: "POST", path: path, role: .manager)))
        }
        #expect(routes.contains(ConsoleRoute(method: "GET", path: "/admin/clubs", role: .support)))
        #expect(routes.contains(ConsoleRoute(method: "GET", path: "/admin/clubs/{id}", role: .support)))
        #expect(routes.contains(ConsoleRoute(method: "GET", path: "/admin/audit", role: .manager)))
        try await fixture.http.withServer { client in
            let member = try await client.member("cust-1")
            for route in routes where route.path != "/admin/sign-out" {
                let path = route.path.replacingOccurrences(of: "{id}", with: member)
                let method = HTTPRequest.Method(route.method)!
                let anonymous = try await client.console(method, path, as: nil, in: fixture)
                if method == .get {
                    #expect(anonymous.status == 303, "\(route)")
                    #expect(anonymous.headers[.location]?.hasPrefix("/admin/sign-in?next=") == true, "\(route)")
                } else {
                    #expect(anonymous.status == 401, "\(route)")
                }
                for identity in ConsoleFixture.identities where identity.program == "prg_a" {
                    let answer = try await client.console(method, path, as: identity.name, in: fixture)
                    if identity.role < route.role {
                        #expect(answer.status == 403, "\(identity.name) \(route)")
                    } else {
                        #expect(answer.status != 403 && answer.status != 401 && answer.status < 500, "\(identity.name) \(route): \(answer.status)")
                    }
                }
                // Program B's owner never sees program A's member.
                if route.path.contains("{id}") {
                    let other = try await client.console(method, path, as: "other-owner", in: fixture)
                    #expect(other.status == 404, "other program \(route): \(other.status)")
                }
            }
        }
    }

    @Test(arguments: TestBackend.available)
    func anotherProgramsStaffCannotFindThisProgramsMembers(backend: TestBackend) async throws {
        let fixture = try await ConsoleFixture.make(backend)
        try await fixture.http.withServer { client in
            _ = try await client.post("/v1/members", #"{"external_id":"cust-1","name":"Ana Díaz","email":"ana@example.com"}"#)
            let own = try await client.console(.get, "/admin/members?q=ana", as: "support", in: fixture)
            #expect(own.status == 200 && own.text.contains("Ana Díaz"))
            let other = try await client.console(.get, "/admin/members?q=ana", as: "other-owner", in: fixture)
            #expect(other.status == 200 && !other.text.contains("Ana Díaz"))
        }
    }

    @Test(arguments: TestBackend.available)
    func formsWithoutTheSessionsCSRFTokenAreRefused(backend: TestBackend) async throws {
        let fixture = try await ConsoleFixture.make(backend)
        try await fixture.http.withServer { client in
            let member = try await client.member("cust-1")
            let form = [("points", "500"), ("reason", "coffee machine broken")]
            let missing = try await client.browser(.post, "/admin/members/\(member)/adjust", form: form,
                                                   headers: [.cookie: fixture.sessions["owner"]!.cookie])
            #expect(missing.status == 403)
            let wrong = try await client.console(.post, "/admin/members/\(member)/adjust", as: "owner", in: fixture, form: form, csrf: "csrf_wrong")
            #expect(wrong.status == 403)
            // Another session's token is wrong too.
            let borrowed = try await client.console(.post, "/admin/members/\(member)/adjust", as: "owner", in: fixture, form: form,
                                                    csrf: fixture.sessions["manager"]!.csrf)
            #expect(borrowed.status == 403)
            let crossSite = try await client.browser(.post, "/admin/members/\(member)/adjust", form: form + [("_csrf", fixture.sessions["owner"]!.csrf)],
                                                     headers: [.cookie: fixture.sessions["owner"]!.cookie, .origin: "https://evil.example"])
            #expect(crossSite.status == 403)
            #expect(try await client.ledgerCount(member) == 0)

            // Every form of the console's table: without the token, refused before anything is read or
            // written. The definition is a valid reward, so only the refusal keeps the catalogue empty.
            let rewardForm = [("definition", RewardPages.starter), ("codes", "A-1")]
            for route in Self.routes(fixture) where route.method == "POST" {
                let path = route.path.replacingOccurrences(of: "{id}", with: member)
                let refused = try await client.browser(.post, path, form: rewardForm, headers: [.cookie: fixture.sessions["owner"]!.cookie])
                #expect(refused.status == 403, "\(route): \(refused.status)")
            }
            #expect(try await fixture.http.store.rewards(programId: "prg_a").isEmpty)
            // The same form with the token writes the reward.
            #expect(try await client.console(.post, "/admin/rewards/new", as: "owner", in: fixture, form: rewardForm).status == 303)
            #expect(try await fixture.http.store.rewards(programId: "prg_a").map(\.reward.id) == ["tasting-evening"])
        }
    }
}
