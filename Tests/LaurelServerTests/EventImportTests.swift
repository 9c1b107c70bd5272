import Foundation
import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// `laurel import`'s loop: JSON Lines read in order across batches (the next batch is read while
/// the previous one is written), blank lines skipped, bad lines refused with their numbers, in
/// line order whether the line or the store refused them.
struct EventImportTests {
    @Test(arguments: TestBackend.available)
    func linesAreImportedInOrderAcrossBatchesWithRefusalsByLineNumber(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { client in
            _ = try await client.member("ana")
            _ = try await client.member("bob")
        }
        let bob = try #require(try await fixture.store.member(programId: "prg_a", externalId: "bob")).id
        func purchase(_ member: String, _ total: String) -> String {
            #"{\#(member),"type":"purchase","occurred_at":"2026-01-10T10:00:00Z","purchase":{"currency":"EUR","total":"\#(total)"}}"#
        }
        let review = #"{"external_id":"ana","type":"review","occurred_at":"2026-01-10T11:00:00Z"}"#
        let lines = [
            purchase(#""external_id":"ana""#, "40"),   // 1: 40 points
            "   ",                                     // 2: blank, skipped
            purchase(#""external_id":"nobody""#, "5"), // 3: no such member (refused by the store, after line 5 was read)
            review,                                    // 4: 50 points
            "{oops",                                   // 5: not JSON
            purchase(#""member_id":"\#(bob)""#, "10"), // 6: 10 points
            review,                                    // 7: 50 points, the second of the day
            review,                                    // 8: the day's limit of two reached: 0 points
        ]
        var refusals: [Int] = []
        let summary = try await EventImport.run(lines.joined(separator: "\r\n"), store: fixture.store, programId: "prg_a", batch: 2) { line, _ in
            refusals.append(line)
        }
        #expect(refusals == [3, 5])
        #expect(summary.recorded == 5 && summary.refused == 2)
        #expect(summary.points == 150)
        #expect(try await fixture.store.audit(programId: "prg_a").isEmpty)
    }

    /// The stored body names the member the store found for an external_id, escaped as JSON when it must be.
    @Test func payloadNamesTheMemberFoundForAnExternalId() throws {
        let line = #"{"external_id":"ana","type":"review","occurred_at":"2026-01-10T11:00:00Z","attributes":{"url":"https://example.com/a"}}"#
        let imported = try EventImport.parse(line, id: "evt_1", now: Date())
        for memberId in ["mem_01", #"odd "id" \ with/slash"#] {
            let stored = try #require(try JSONSerialization.jsonObject(with: Data(imported.payload(memberId).utf8)) as? [String: Any])
            #expect(stored["member_id"] as? String == memberId)
            #expect(stored["external_id"] == nil && stored["type"] as? String == "review")
            #expect((stored["attributes"] as? [String: Any])?["url"] as? String == "https://example.com/a")
        }
        let byId = try EventImport.parse(#"{"member_id":"mem_02","type":"review"}"#, id: "evt_2", now: Date())
        #expect(byId.payload("mem_02").contains(#""member_id":"mem_02""#))
    }
}
