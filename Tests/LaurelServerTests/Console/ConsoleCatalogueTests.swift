import Foundation
import Hummingbird
import LaurelCore
@testable import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// Rewards written from the console (the API's reading and store operations), code pools uploaded
/// as CSV with bad rows shown by line and nothing half written, clubs and their members, and the
/// audit trail's filters.
struct ConsoleCatalogueTests {
    @Test(arguments: TestBackend.available)
    func aManagerCreatesAndEditsARewardWithEveryProblemOnItsLine(backend: TestBackend) async throws {
        let fixture = try await ConsoleFixture.make(backend)
        try await fixture.http.withServer { client in
            let form = try await client.console(.get, "/admin/rewards/new", as: "manager", in: fixture)
            #expect(form.status == 200 && form.text.contains("id: tasting-evening"))
            let key = try #require(form.hidden("confirmation"))
            #expect(try await client.console(.get, "/admin/rewards/new", as: "support", in: fixture).status == 403)

            let broken = "id: pool-card\nname: Partner card\ntype: free_product\nsku: CARD-1\ncost: -5\ncodes: pool\n"
            let refused = try await client.console(.post, "/admin/rewards/new", as: "manager", in: fixture, form: [("definition", broken), ("confirmation", key)])
            #expect(refused.status == 422)
            #expect(refused.text.contains("Line 5: cost"), "\(refused.text)")
            #expect(try await fixture.http.store.rewards(programId: "prg_a").isEmpty, "nothing written")

            let good = broken.replacingOccurrences(of: "cost: -5", with: "cost: 300")
            let created = try await client.console(.post, "/admin/rewards/new", as: "manager", in: fixture, form: [("definition", good), ("confirmation", key)])
            #expect(created.status == 303 && created.headers[.location] == "/admin/rewards?flash=console_flash_reward_saved")
            // The same form posted again (a double click) writes once.
            let twice = try await client.console(.post, "/admin/rewards/new", as: "manager", in: fixture, form: [("definition", good), ("confirmation", key)])
            #expect(twice.status == 303)
            let reward = try #require(try await fixture.http.store.reward(programId: "prg_a", id: "pool-card"))
            #expect(reward.reward.cost == 300 && reward.reward.codes == .pool)
            // Another form with the same id is told the id is taken.
            let taken = try await client.console(.post, "/admin/rewards/new", as: "owner", in: fixture, form: [("definition", good)])
            #expect(taken.status == 409 && taken.text.contains("exists already"))

            let list = try await client.console(.get, "/admin/rewards", as: "manager", in: fixture)
            #expect(list.text.contains("/admin/rewards/pool-card/edit") && list.text.contains("/admin/rewards/pool-card/codes"))
            let supportList = try await client.console(.get, "/admin/rewards", as: "support", in: fixture)
            #expect(supportList.status == 200 && supportList.text.contains("Partner card") && !supportList.text.contains("/admin/rewards/pool-card/edit"))

            let edit = try await client.console(.get, "/admin/rewards/pool-card/edit", as: "manager", in: fixture)
            #expect(edit.status == 200 && edit.text.contains("&quot;cost&quot;") && edit.text.contains("300") && edit.text.contains("&quot;pool&quot;"))
            let renamed = try await client.console(.post, "/admin/rewards/pool-card/edit", as: "manager", in: fixture,
                                                   form: [("definition", good.replacingOccurrences(of: "id: pool-card", with: "id: other-card"))])
            #expect(renamed.status == 422 && renamed.text.contains("must stay pool-card"))
            let dearer = try await client.console(.post, "/admin/rewards/pool-card/edit", as: "manager", in: fixture,
                                                  form: [("definition", good.replacingOccurrences(of: "cost: 300", with: "cost: 350"))])
            #expect(dearer.status == 303)
            #expect(try await fixture.http.store.reward(programId: "prg_a", id: "pool-card")?.reward.cost == 350)
            let audit = try await fixture.http.store.auditEntries(programId: "prg_a", filter: AuditFilter(targetType: "reward"), limit: 10, startingAfter: nil)
            #expect(audit.items.count == 2 && audit.items.allSatisfy { $0.actor == AuditActor.staff(fixture.sessions["manager"]!.staff.id) })
            #expect(try await client.console(.get, "/admin/rewards/nothing/edit", as: "manager", in: fixture).status == 404)
        }
    }

    @Test(arguments: TestBackend.available)
    func aCodePoolUploadShowsBadRowsByLineAndWritesNothingUntilAllAreGood(backend: TestBackend) async throws {
        let fixture = try await ConsoleFixture.make(backend)
        let definition = try #require(try await fixture.http.store.programVersion(programId: "prg_a", version: nil)).definition
        for json in [#"{"id": "pool-card", "name": "Partner card", "type": "free_product", "sku": "C", "cost": 300, "codes": "pool"}"#,
                     #"{"id": "mug", "name": "Mug", "type": "experience", "cost": 500, "stock": 5}"#] {
            _ = try await fixture.http.store.putReward(programId: "prg_a", reward: try Reward.read(try ProgramSourceParser.parse(json), program: definition),
                                                       now: HTTPFixture.start)
        }
        try await fixture.http.withServer { client in
            let path = "/admin/rewards/pool-card/codes"
            let page = try await client.console(.get, path, as: "manager", in: fixture)
            #expect(page.status == 200 && page.text.contains(#"id="stock">0<"#))
            #expect(try await client.console(.post, path, as: "support", in: fixture, form: [("codes", "A1")]).status == 403)

            let csv = "code\r\nGOOD-1\r\nhas space,extra\r\n\r\nGOOD-2\r\nnon-ascii-é\r\n"
            let bad = try await client.console(.post, path, as: "manager", in: fixture, form: [("codes", csv)])
            #expect(bad.status == 422)
            #expect(bad.text.contains(#"<td class="number">3</td><td><code>has space</code>"#), "\(bad.text)")
            #expect(bad.text.contains(#"<td class="number">6</td><td><code>non-ascii-é</code>"#))
            #expect(bad.text.contains("Fix the codes on the lines listed (2); nothing was added"))
            #expect(try await fixture.http.store.reward(programId: "prg_a", id: "pool-card")?.stockLeft == 0, "nothing half written")

            let key = try #require(page.hidden("confirmation"))
            let good = "code\nGOOD-1\nGOOD-2\nGOOD-3,first column only\n"
            let added = try await client.console(.post, path, as: "manager", in: fixture, form: [("codes", good), ("confirmation", key)])
            #expect(added.status == 303 && added.headers[.location] == "/admin/rewards?flash=console_flash_codes_added")
            #expect(try await client.console(.post, path, as: "manager", in: fixture, form: [("codes", good), ("confirmation", key)]).status == 303)
            #expect(try await fixture.http.store.reward(programId: "prg_a", id: "pool-card")?.stockLeft == 3)
            #expect(try await client.console(.post, path, as: "manager", in: fixture, form: [("codes", " \n")]).status == 422)
            // Only a pool reward takes codes.
            let mug = try await client.console(.post, "/admin/rewards/mug/codes", as: "owner", in: fixture, form: [("codes", "X-1")])
            #expect(mug.status == 422 && mug.text.contains("codes: pool"))

            // The hint's count of 16-character codes fits in one form as a browser sends it (CRLF
            // line breaks); a bigger form is refused with 413 and says why, and nothing is written.
            #expect(page.text.contains("about \(WebLocale.named("en").number(RewardPages.codesPerForm)) codes of 16 characters"))
            let fits = (0..<RewardPages.codesPerForm).map { String(format: "FORM-%011d", $0) }
            #expect(fits[0].count == 16)
            let full = try await client.console(.post, path, as: "manager", in: fixture, form: [("codes", fits.joined(separator: "\r\n"))])
            #expect(full.status == 303)
            #expect(try await fixture.http.store.reward(programId: "prg_a", id: "pool-card")?.stockLeft == 3 + RewardPages.codesPerForm)
            let tooMany = (0..<12_000).map { String(format: "MORE-%011d", $0) }.joined(separator: "\r\n")
            let refused = try await client.console(.post, path, as: "manager", in: fixture, form: [("codes", tooMany)])
            #expect(refused.status == 413 && refused.text.contains("larger than 256 KB, so nothing was read or changed"), "\(refused.status) \(refused.text)")
            #expect(try await fixture.http.store.reward(programId: "prg_a", id: "pool-card")?.stockLeft == 3 + RewardPages.codesPerForm)
        }
    }

    @Test func theAPIAndTheConsoleReadACodeListAlike() {
        let lines = RewardCodeList.lines("code\n\nA-1, note\n,B\n  C-3  \n")
        #expect(lines.map(\.line) == [3, 4, 5] && lines.map(\.code) == ["A-1", "B", "C-3"])
        #expect(RewardCodeList.isValid("A-1") && !RewardCodeList.isValid("a b") && !RewardCodeList.isValid(String(repeating: "x", count: 65)))
        // Printable ASCII only: control characters are not codes, every character from ! to ~ is.
        for control in ["A\u{01}B", "A\tB", "\u{1B}[1m", "A\u{7F}", "\u{00}"] { #expect(!RewardCodeList.isValid(control), "\(control.debugDescription)") }
        #expect(RewardCodeList.isValid(String(String.UnicodeScalarView((0x21...0x5F).compactMap(Unicode.Scalar.init)))))
        #expect(RewardCodeList.isValid(String(String.UnicodeScalarView((0x60...0x7E).compactMap(Unicode.Scalar.init)))))
        #expect(RewardCodeList.isValid(String(repeating: "x", count: 64)))
    }

    @Test(arguments: TestBackend.available)
    func clubsListTheirMembers(backend: TestBackend) async throws {
        let fixture = try await ConsoleFixture.make(backend)
        let current = try #require(try await fixture.http.store.programVersion(programId: "prg_a", version: nil))
        let source = current.source + "\nclubs:\n  - {id: roastery, name: Roastery Club, description: First taste of every roast, join: {invitations: staff}}\n"
        _ = try await fixture.http.store.applyProgram(id: "prg_a", definition: try ProgramDefinition.parse(source), source: source, now: HTTPFixture.start,
                                                      idempotency: nil)
        try await fixture.http.withServer { client in
            let ana = try await client.member("ana")
            #expect(try await client.post("/v1/clubs/roastery/members", #"{"member_id":"\#(ana)"}"#).status == 201)
            let bo = try #require(try await client.post("/v1/members", #"{"external_id":"bo","name":"Bo Berg"}"#).json["id"] as? String)
            #expect(try await client.post("/v1/clubs/roastery/members", #"{"member_id":"\#(bo)"}"#).status == 201)
            let list = try await client.console(.get, "/admin/clubs", as: "support", in: fixture)
            #expect(list.status == 200 && list.text.contains(#"<a href="/admin/clubs/roastery">Roastery Club</a>"#) && list.text.contains("by invitation"))
            let club = try await client.console(.get, "/admin/clubs/roastery", as: "support", in: fixture)
            #expect(club.status == 200 && club.text.contains("Invitation"))
            // Each member by name (the external id when there is none), read with the page.
            #expect(club.text.contains(#"<a href="/admin/members/\#(ana)">ana</a>"#) && club.text.contains(#"<a href="/admin/members/\#(bo)">Bo Berg</a>"#),
                    "\(club.text)")
            #expect(try await client.console(.get, "/admin/clubs/nothing", as: "support", in: fixture).status == 404)
            #expect(try await client.console(.get, "/admin/clubs/roastery", as: "other-owner", in: fixture).status == 404)
        }
    }

    @Test(arguments: TestBackend.available)
    func theAuditTrailFiltersByActorActionObjectAndDays(backend: TestBackend) async throws {
        let fixture = try await ConsoleFixture.make(backend)
        try await fixture.http.withServer { client in
            let ana = try await client.member("ana")
            let bob = try await client.member("bob")
            for member in [ana, bob] {
                let form = [("points", "10"), ("reason", "welcome"), ("confirmation", "cfm_\(member)")]
                #expect(try await client.console(.post, "/admin/members/\(member)/adjust", as: "support", in: fixture, form: form).status == 303)
            }
            let all = try await client.console(.get, "/admin/audit", as: "manager", in: fixture)
            #expect(all.status == 200 && all.text.components(separatedBy: "member.points_adjusted").count - 1 >= 2)
            let one = try await client.console(.get, "/admin/audit?action=member.points_adjusted&target_type=member&target_id=\(ana)", as: "manager", in: fixture)
            #expect(one.status == 200 && one.text.contains("member \(ana)") && !one.text.contains("member \(bob)"))
            #expect(one.text.contains(#"<option value="member.points_adjusted" selected>"#) && one.text.contains(#"value="\#(ana)""#))
            let support = AuditActor.staff(fixture.sessions["support"]!.staff.id)
            let byActor = try await client.console(.get, "/admin/audit?actor=\(support)", as: "manager", in: fixture)
            #expect(byActor.text.contains("member \(ana)") && byActor.text.contains("member \(bob)"))
            let today = try await client.console(.get, "/admin/audit?from=2026-03-03&to=2026-03-03", as: "manager", in: fixture)
            #expect(today.text.contains("member \(ana)"))
            let tomorrow = try await client.console(.get, "/admin/audit?from=2026-03-04", as: "manager", in: fixture)
            #expect(tomorrow.status == 200 && !tomorrow.text.contains("member \(ana)") && tomorrow.text.contains("Nothing recorded matches these filters."))
            let bad = try await client.console(.get, "/admin/audit?action=member.exploded&from=soon", as: "manager", in: fixture)
            #expect(bad.status == 400 && bad.text.contains("Choose one of the listed actions") && bad.text.contains("Enter a date such as 2026-03-01"))
        }
    }
}
