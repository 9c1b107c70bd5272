import Foundation
import Hummingbird
import LaurelCore
@testable import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// The dashboard page: the analytics report of a chosen range, as figures, SVG charts and tables,
/// for every role; a bad range is shown next to its field.
struct ConsoleDashboardTests {
    @Test(arguments: TestBackend.available)
    func theDashboardShowsTheRangesFiguresChartsAndTables(backend: TestBackend) async throws {
        let fixture = try await ConsoleFixture.make(backend)
        let definition = try #require(try await fixture.http.store.programVersion(programId: "prg_a", version: nil)).definition
        _ = try await fixture.http.store.putReward(programId: "prg_a", reward: try Reward.read(try ProgramSourceParser.parse(
            #"{"id": "mug", "name": "Mug <b>", "type": "experience", "cost": 500}"#), program: definition), now: HTTPFixture.start)
        try await fixture.http.withServer { client in
            let ana = try await client.member("ana")
            #expect(try await client.purchase(ana, total: "100.00").status == 201)
            for identity in ["support", "manager", "owner"] {
                let page = try await client.console(.get, "/admin/dashboard?from=2026-03-01&to=2026-03-31", as: identity, in: fixture)
                #expect(page.status == 200, "\(identity)")
                #expect(page.text.contains(#"aria-current="page">Dashboard"#))
            }
            let page = try await client.console(.get, "/admin/dashboard?from=2026-03-01&to=2026-03-31", as: "support", in: fixture)
            let text = page.text
            #expect(text.contains(#"id="members-total">1<"#) && text.contains(#"id="members-new">1<"#) && text.contains(#"id="members-active">1<"#))
            #expect(text.contains(#"id="points-issued">100<"#) && text.contains(#"id="outstanding">100<"#), "one purchase of €100 at 1 point per €1")
            #expect(text.contains(#"id="liability">€1.00<"#), "100 points at €0.01")
            #expect(text.contains(#"id="redemption-rate">0%<"#) && text.contains(#"id="repeat-rate">0%<"#))
            #expect(text.contains(#"<svg class="laurel-chart" role="img" aria-labelledby="chart-points-title chart-points-desc""#))
            #expect(text.contains("<td>2026-03-03</td><td class=\"number\">100</td>"), "the table beside the chart")
            #expect(text.contains("Mug &lt;b&gt;") && !text.contains("Mug <b>"), "an unredeemed reward, escaped")
            #expect(text.contains(#"value="2026-03-01""#) && text.contains(#"value="2026-03-31""#))
            #expect(page.body.count < 100_000)

            // The presets: the 30 and 90 days ending today, this year so far (the fixture's today is 2026-03-03).
            let plain = try await client.console(.get, "/admin/dashboard", as: "support", in: fixture)
            #expect(plain.status == 200)
            #expect(plain.text.contains(#"href="/admin/dashboard?from=2026-02-02&amp;to=2026-03-03" aria-current="true""#))
            #expect(plain.text.contains("/admin/dashboard?from=2025-12-04&amp;to=2026-03-03"))
            #expect(plain.text.contains("/admin/dashboard?from=2026-01-01&amp;to=2026-03-03"))
            // A long range stays light.
            let long = try await client.console(.get, "/admin/dashboard?from=2024-01-01&to=2026-12-31", as: "support", in: fixture)
            #expect(long.status == 200 && long.body.count < 100_000, "\(long.body.count) bytes")
        }
    }

    @Test func thePresetsCountDaysInTheProgramsZone() throws {
        // 00:30 UTC on New Year's Day is still 31 December in New York: the year is 2025.
        let now = try #require(Timestamps.parse("2026-01-01T00:30:00Z"))
        let zone = try #require(TimeZone(identifier: "America/New_York"))
        let presets = DashboardPage.presets(now: now, zone: zone, locale: WebLocale.named("en"), from: nil, to: nil)
        #expect(presets.compactMap { $0["href"] as? String } == ["/admin/dashboard?from=2025-12-02&to=2025-12-31", "/admin/dashboard?from=2025-10-03&to=2025-12-31",
                                                               "/admin/dashboard?from=2025-01-01&to=2025-12-31"])
        #expect(presets.map { $0["current"] as? Bool } == [true, false, false])
    }

    @Test func aBadRangeIsShownNextToItsField() async throws {
        let fixture = try await ConsoleFixture.make(.sqlite)
        try await fixture.http.withServer { client in
            let notADate = try await client.console(.get, "/admin/dashboard?from=2026-02-30&to=2026-03-31", as: "support", in: fixture)
            #expect(notADate.status == 400)
            #expect(notADate.text.contains(##"href="#from""##) && notADate.text.contains(#"id="from-error""#))
            #expect(notADate.text.contains(#"value="2026-02-30""#), "what was typed stays in the field")
            let backwards = try await client.console(.get, "/admin/dashboard?from=2026-04-01&to=2026-03-01", as: "support", in: fixture)
            #expect(backwards.status == 400 && backwards.text.contains("The start must not be after the end"))
            let badEnd = try await client.console(.get, "/admin/dashboard?to=soon", as: "support", in: fixture)
            #expect(badEnd.status == 400 && badEnd.text.contains(#"id="to-error""#))
        }
    }

    @Test func signingInLandsOnTheDashboard() {
        #expect(SignInRoutes.safeNext(nil) == "/admin/dashboard")
        #expect(SignInRoutes.safeNext("/admin/members") == "/admin/members")
    }
}
