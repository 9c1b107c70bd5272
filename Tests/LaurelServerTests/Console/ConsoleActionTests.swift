import Foundation
import Hummingbird
@testable import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// Money-moving and rule-changing pages: a reason, a confirmation that says what will happen, one
/// action however often the confirmation is posted, and the staff user in the audit trail.
struct ConsoleActionTests {
    @Test(arguments: TestBackend.available)
    func adjustingPointsNeedsAReasonAndAConfirmationAndActsOnce(backend: TestBackend) async throws {
        let fixture = try await ConsoleFixture.make(backend)
        try await fixture.http.withServer { client in
            _ = try await client.post("/v1/members", #"{"external_id":"cust-1","name":"Ana Díaz"}"#)
            let member = try #require(try await fixture.http.store.member(programId: "prg_a", externalId: "cust-1")).id
            let path = "/admin/members/\(member)/adjust"
            let noReason = try await client.console(.post, path, as: "support", in: fixture, form: [("points", "500"), ("reason", " ")])
            #expect(noReason.status == 422)
            #expect(noReason.text.contains(##"href="#reason""##) && noReason.text.contains("Enter a reason"))
            let confirm = try await client.console(.post, path, as: "support", in: fixture, form: [("points", "500"), ("reason", "coffee machine broken")])
            #expect(confirm.status == 200)
            #expect(confirm.text.contains("Add 500 points to Ana Díaz: “coffee machine broken”"))
            #expect(try await client.ledgerCount(member) == 0)
            let key = try #require(confirm.hidden("confirmation"))
            let form = [("points", "500"), ("reason", "coffee machine broken"), ("confirmation", key)]
            let done = try await client.console(.post, path, as: "support", in: fixture, form: form)
            #expect(done.status == 303)
            #expect(done.headers[.location] == "/admin/members/\(member)?flash=console_flash_adjusted")
            // The confirmation posted again (a double click) changes nothing more.
            let twice = try await client.console(.post, path, as: "support", in: fixture, form: form)
            #expect(twice.status == 303)
            #expect(try await client.points(member)["available"] as? Int == 500)
            let page = try await client.console(.get, "/admin/members/\(member)", as: "support", in: fixture)
            #expect(page.text.contains("support@example.com") && page.text.contains("coffee machine broken") && page.text.contains("+500"))
            let audit = try await fixture.http.store.auditEntries(programId: "prg_a", filter: AuditFilter(action: "member.points_adjusted"),
                                                                  limit: 10, startingAfter: nil)
            #expect(audit.items.map(\.actor) == [AuditActor.staff(fixture.sessions["support"]!.staff.id)])
        }
    }

    @Test(arguments: TestBackend.available)
    func blockingAndTierFloorsAreForManagersAndKeepTheirReason(backend: TestBackend) async throws {
        let fixture = try await ConsoleFixture.make(backend)
        try await fixture.http.withServer { client in
            let member = try await client.member("cust-1")
            let path = "/admin/members/\(member)/block"
            #expect(try await client.console(.post, path, as: "support", in: fixture, form: [("reason", "x")]).status == 403)
            let confirm = try await client.console(.post, path, as: "manager", in: fixture, form: [("reason", "card shared")])
            #expect(confirm.text.contains("Block cust-1: “card shared”"))
            let key = try #require(confirm.hidden("confirmation"))
            let form = [("reason", "card shared"), ("status", "blocked"), ("confirmation", key)]
            #expect(try await client.console(.post, path, as: "manager", in: fixture, form: form).status == 303)
            #expect(try await client.console(.post, path, as: "manager", in: fixture, form: form).status == 303)
            #expect(try await fixture.http.store.member(programId: "prg_a", id: member)?.status == .blocked)
            let audit = try await fixture.http.store.auditEntries(programId: "prg_a", filter: AuditFilter(action: "member.blocked"), limit: 10,
                                                                  startingAfter: nil)
            #expect(audit.items.count == 1)
            #expect(audit.items.first?.after?.contains("card shared") == true)
        }
    }

    @Test(arguments: TestBackend.available)
    func theProgramEditorShowsErrorsOnTheirLinesThenTheDiffThenApplies(backend: TestBackend) async throws {
        let fixture = try await ConsoleFixture.make(backend)
        let live = try #require(try await fixture.http.store.programVersion(programId: "prg_a", version: nil))
        try await fixture.http.withServer { client in
            let editor = try await client.console(.get, "/admin/program/edit", as: "manager", in: fixture)
            #expect(editor.status == 200 && editor.text.contains("shoes-double"))
            let broken = live.source.replacingOccurrences(of: "factor: 2", with: "factor: -2")
            let line = try #require(broken.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("factor: -2") }) + 1
            let refused = try await client.console(.post, "/admin/program/edit", as: "manager", in: fixture,
                                                   form: [("source", broken), ("base_version", String(live.version))])
            #expect(refused.status == 422)
            #expect(refused.text.contains("Line \(line): earning_rules[1].effect"))
            let fixed = live.source.replacingOccurrences(of: "factor: 2", with: "factor: 3")
            let diff = try await client.console(.post, "/admin/program/edit", as: "manager", in: fixture,
                                                form: [("source", fixed), ("base_version", String(live.version))])
            #expect(diff.status == 200)
            #expect(diff.text.contains(#"<span class="added">+"#) && diff.text.contains("factor: 3"))
            #expect(diff.text.contains(#"<span class="removed">"#))
            let key = try #require(diff.hidden("confirmation"))
            let applied = try await client.console(.post, "/admin/program/edit", as: "manager", in: fixture,
                                                   form: [("source", fixed), ("base_version", String(live.version)), ("confirmation", key)])
            #expect(applied.status == 303)
            let current = try await fixture.http.store.programVersion(programId: "prg_a", version: nil)
            #expect(current?.version == live.version + 1 && current?.source == fixed)
            // An edit begun on the old version is not applied over the new one.
            let stale = try await client.console(.post, "/admin/program/edit", as: "manager", in: fixture,
                                                 form: [("source", live.source), ("base_version", String(live.version))])
            #expect(stale.status == 409)
            let audit = try await fixture.http.store.auditEntries(programId: "prg_a", filter: AuditFilter(action: "program.applied"), limit: 1,
                                                                  startingAfter: nil)
            #expect(audit.items.first?.actor == AuditActor.staff(fixture.sessions["manager"]!.staff.id))
        }
    }
}
