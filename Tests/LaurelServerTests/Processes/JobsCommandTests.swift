import Foundation
import LaurelCore
import LaurelServer
import LaurelStore
import Testing

/// `laurel jobs run --now` runs every scheduled job for one instant against a database the server
/// need not be running on; `laurel jobs list` shows each job's last run and what is waiting.
struct JobsCommandTests {
    @Test func runMovesTimeAndListShowsTheRuns() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-jobs-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let start = Timestamps.parse("2026-03-02T10:00:00Z")!
        let memberId: String
        do {
            let store = try SQLiteStore(path: path)
            try await store.migrate()
            _ = try await store.createProgram(id: "prg_jobs", name: "Jobs", now: start)
            let definition = try ProgramDefinition.parse("""
                name: Jobs
                currency: EUR
                points: {expiry: {policy: after_days, days: 10}}
                earning_rules:
                  - {id: review, event: review, effect: {type: fixed_points, points: 10}}
                """)
            _ = try await store.applyProgram(id: "prg_jobs", definition: definition, source: "", now: start, idempotency: nil)
            let member = MemberRecord(id: "mem_jobs", programId: "prg_jobs", externalId: "ana", createdAt: start, updatedAt: start)
            memberId = try #require(try await store.createMember(member, idempotency: nil).value).id
            _ = try await store.recordEvent(programId: "prg_jobs", memberId: memberId,
                                            event: LoyaltyEvent(id: "evt_jobs", type: "review", occurredAt: start), payload: "{}", now: start,
                                            idempotency: nil)
        }
        let listed = try await LaurelCommand.run(["jobs", "list", "--db", path])
        #expect(listed.status == 0)
        #expect(listed.output.contains("settle_points") && listed.output.contains("never"))
        #expect(listed.output.split(separator: "\n").first { $0.hasPrefix("settle_points") }?.hasSuffix(" 1") == true) // the lot is past its expiry now

        let refused = try await LaurelCommand.run(["jobs", "run", "--db", path, "--now", "next tuesday"])
        #expect(refused.status != 0 && refused.errors.contains("RFC 3339"))

        let ran = try await LaurelCommand.run(["jobs", "run", "--db", path, "--now", "2026-03-20T00:00:00Z"])
        #expect(ran.status == 0, "\(ran.output)")
        #expect(ran.output.contains("settle_points          1 handled"))

        let store = try SQLiteStore(path: path)
        try await store.migrate()
        #expect(try await store.member(programId: "prg_jobs", id: memberId)?.available == 0)
        let types = try await store.outbox(programId: "prg_jobs", limit: 50, startingAfter: nil).items.map(\.type)
        #expect(types == ["member.enrolled", "points.earned", "points.expired"])
        let runs = try await store.jobRuns()
        #expect(runs.map(\.name).sorted() == ScheduledJob.all(store: store).map(\.name).sorted())
        #expect(runs.first { $0.name == JobName.settlePoints }?.processed == 1)
        #expect(runs.allSatisfy { $0.startedAt == Timestamps.parse("2026-03-20T00:00:00Z")! && $0.runs == 1 && $0.error == nil })

        let after = try await LaurelCommand.run(["jobs", "list", "--db", path])
        #expect(after.output.contains("2026-03-20T00:00:00"))
    }
}
