import Foundation
import LaurelCore
import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// `GET /v1/finance/liability` and `GET /v1/finance/roll-forward` over HTTP (read keys and up, never
/// member tokens), their refusals, and `laurel finance`'s text made from the same reports.
struct FinanceRouteTests {
    @Test(arguments: TestBackend.available)
    func theLiabilityAndTheRollForwardOfAPurchase(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let ana = try await api.member("ana")
            #expect(try await api.purchase(ana, total: "100.00").status == 201)

            let liability = try await api.get("/v1/finance/liability", key: fixture.integration)
            #expect(liability.status == 200, "\(liability.text)")
            let json = liability.json
            // The fixture's purchase earns 100 points, pending for its return window (still a liability), at 0.01 EUR.
            #expect(json["points"] as? Int == 100 && json["pending"] as? Int == 100 && json["owed"] as? Int == 0)
            #expect(json["money"] as? String == "1.00" && json["currency"] as? String == "EUR" && json["point_value"] as? String == "0.01")
            let byExpiry = try #require(json["by_expiry"] as? [[String: Any]])
            #expect(byExpiry.reduce(0) { $0 + ($1["points"] as? Int ?? 0) } == 100)
            #expect(json["expected_redemption"] is NSNull)
            let breakage = try #require(json["breakage"] as? [String: Any])
            #expect(breakage["rate"] is NSNull, "nothing has expired yet: no estimate")
            #expect((breakage["cohorts"] as? [[String: Any]])?.map { $0["counted"] as? Bool } == [false])

            let before = try await api.get("/v1/finance/liability?as_of=2026-03-01")
            #expect(before.status == 200 && before.json["points"] as? Int == 0 && before.json["money"] as? String == "0.00",
                    "the purchase was recorded on 3 March")

            let roll = try await api.get("/v1/finance/roll-forward?from=2026-02-10&to=2026-03")
            #expect(roll.status == 200, "\(roll.text)")
            #expect(roll.json["from"] as? String == "2026-02" && roll.json["to"] as? String == "2026-03" && roll.json["method"] as? String == "on_expiry")
            let months = try #require(roll.json["months"] as? [[String: Any]])
            #expect(months.map { $0["month"] as? String } == ["2026-02", "2026-03"])
            #expect(months.map { $0["points"] as? [String: Int] } == [
                ["opening": 0, "issued": 0, "reversed": 0, "redeemed": 0, "expired": 0, "closing": 0],
                ["opening": 0, "issued": 100, "reversed": 0, "redeemed": 0, "expired": 0, "closing": 100],
            ])
            #expect((months.last?["money"] as? [String: String]) == ["opening": "0.00", "issued": "1.00", "reversed": "0.00", "redeemed": "0.00",
                                                                     "breakage_released": "0.00", "closing": "1.00"])
        }
    }

    @Test func badDatesAndRangesAreRefused() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer { api in
            let refused: [(String, String)] = [
                ("/v1/finance/liability?as_of=2026-02-30", "as_of"),
                ("/v1/finance/liability?as_of=yesterday", "as_of"),
                ("/v1/finance/liability?as_of=2026-03", "as_of"),
                ("/v1/finance/liability?as_of=1969-12-31", "as_of"),
                ("/v1/finance/roll-forward?from=2026-05&to=2026-03", "from"),
                ("/v1/finance/roll-forward?from=2016-01-01&to=2026-03-31", "from"),
                ("/v1/finance/roll-forward?from=2026-13&to=2027-01", "from"),
                ("/v1/finance/roll-forward?from=2026-01&to=2026-3", "to"),
            ]
            for (path, field) in refused {
                let answer = try await api.get(path)
                #expect(answer.status == 400, "\(path): \(answer.text)")
                #expect(answer.json["code"] as? String == "invalid_request" && answer.json["field"] as? String == field, "\(path): \(answer.text)")
            }
            // 120 months is the longest range.
            #expect(try await api.get("/v1/finance/roll-forward?from=2016-04&to=2026-03").status == 200)
        }
    }

    /// `laurel finance report` and `journal` print these; the journal's entries balance.
    @Test func theCommandLinesTextAndJournal() async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        try await fixture.withServer { api in
            let ana = try await api.member("ana")
            #expect(try await api.purchase(ana, total: "100.00").status == 201)
        }
        let now = HTTPFixture.start.addingTimeInterval(86_400)
        let table = try await FinanceText.report(store: fixture.store, programId: "prg_a", from: "2026-03", to: "2026-03", now: now, format: .table)
        #expect(table.contains("2026-03") && table.contains("100") && table.contains("1.00"), "\(table)")
        let csv = try await FinanceText.report(store: fixture.store, programId: "prg_a", from: "2026-03", to: "2026-03", now: now, format: .csv)
        #expect(csv == """
            month,opening_points,issued_points,reversed_points,redeemed_points,expired_points,closing_points,opening,issued,reversed,redeemed,breakage_released,closing
            2026-03,0,100,0,0,0,100,0.00,1.00,0.00,0.00,0.00,1.00

            """)
        let json = try await FinanceText.report(store: fixture.store, programId: "prg_a", from: "2026-03", to: "2026-03", now: now, format: .json)
        #expect(json.contains(#""method":"on_expiry""#))
        let journal = try await FinanceText.journal(store: fixture.store, programId: "prg_a", from: "2026-03", to: "2026-03", now: now,
                                                    accounts: FinanceJournal.Accounts(deferred: "2400", revenue: "4000", breakage: "4010"))
        #expect(journal == """
            date,account,debit,credit,memo
            2026-03-31,4000,1.00,,Loyalty points issued: 100 points 2026-03 (EUR)
            2026-03-31,2400,,1.00,Loyalty points issued: 100 points 2026-03 (EUR)

            """)
        await #expect(throws: Problem.self) {
            try await FinanceText.report(store: fixture.store, programId: "prg_a", from: "2026-04", to: "2026-03", now: now, format: .csv)
        }
    }
}
