import Foundation
@testable import LaurelServer
import LaurelCore
import Testing

/// An exported event line carries the event's `id`; the import keeps it (so a return later in the
/// file still names its purchase) and refuses one Laurel could not have made.
struct ExportedEventIdTests {
    @Test func anExportedIdIsKeptAndABadOneRefusedByName() throws {
        let id = "evt_01ks6r6e217106q82ge288b9c5"
        let kept = try EventImport.parse(#"{"id":"\#(id)","member_id":"mem_1","type":"review","occurred_at":"2026-01-10T11:00:00Z"}"#,
                                         id: "evt_new", now: Date())
        #expect(kept.event.id == id)
        #expect(!kept.payload("mem_1").contains(#""id""#), "the stored body is the POST /v1/events body, without the id")
        let fresh = try EventImport.parse(#"{"member_id":"mem_1","type":"review","attributes":{"id":"x"}}"#, id: "evt_new", now: Date())
        #expect(fresh.event.id == "evt_new", "an id inside attributes is not the event's")
        for bad in [#""id":"mem_01ks6r6e217106q82ge288b9c5""#, #""id":"evt_short""#, #""id":42"#, #""id":"evt_01KS6R6E217106Q82GE288B9C5""#] {
            #expect(throws: Problem.self) { try EventImport.parse(#"{\#(bad),"member_id":"mem_1","type":"review"}"#, id: "evt_new", now: Date()) }
            do {
                _ = try EventImport.parse(#"{\#(bad),"member_id":"mem_1","type":"review"}"#, id: "evt_new", now: Date())
            } catch let problem as Problem {
                #expect(problem.code == "read_only_field" && problem.field == "id")
            }
        }
    }
}
