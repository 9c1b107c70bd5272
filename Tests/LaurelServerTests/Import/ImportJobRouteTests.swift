import Foundation
import LaurelCore
import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// `POST /v1/imports` and the import job, on each backend through real HTTP: a file queued, imported
/// in the background with its bad rows listed by line, progress and figures shown; both error modes;
/// a key replays the same job; a file sent twice is imported once; a job whose node died is taken
/// again; bad requests leave nothing behind.
struct ImportJobRouteTests {
    static let membersCSV = """
        external_id,email,opening_balance
        a1,a1@example.com,40
        a2,not-an-email,
        a3,,15
        """

    @Test(arguments: TestBackend.available)
    func aFileIsImportedInTheBackgroundWithItsBadRowsListed(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let queued = try await api.post("/v1/imports?kind=members&format=csv", Self.membersCSV, idempotencyKey: "members-1")
            #expect(queued.status == 202, "\(queued.text)")
            let id = try #require(queued.json["id"] as? String)
            #expect(id.hasPrefix("imp_") && queued.json["status"] as? String == "queued" && queued.json["rows"] as? Int == 3)
            #expect(queued.json["progress"] as? Double == 0 && (queued.json["actor"] as? String)?.hasPrefix("key_") == true)
            let replayed = try await api.post("/v1/imports?kind=members&format=csv", Self.membersCSV, idempotencyKey: "members-1")
            #expect(replayed.json["id"] as? String == id && replayed.headers[.init("Idempotent-Replayed")!] == "true")
            #expect(try await fixture.store.member(programId: "prg_a", externalId: "a1") == nil, "nothing before the job runs")

            #expect(try await ImportJob.runOnce(store: fixture.store) == 1)
            #expect(try await ImportJob.runOnce(store: fixture.store) == 0, "one job, run once")
            let done = try await api.get("/v1/imports/\(id)", key: fixture.admin)
            #expect(done.json["status"] as? String == "completed" && done.json["progress"] as? Double == 1, "\(done.text)")
            #expect(done.json["recorded"] as? Int == 2 && done.json["refused"] as? Int == 1 && done.json["points"] as? Int == 55)
            let refusals = try #require(done.json["refusals"] as? [[String: Any]])
            #expect(refusals.count == 1 && refusals[0]["line"] as? Int == 3 && (refusals[0]["reason"] as? String)?.contains("email") == true)
            #expect(done.json["refusals_truncated"] as? Bool == false && done.json["finished_at"] is String)
            #expect(try await fixture.store.member(programId: "prg_a", externalId: "a1")?.available == 40)
            #expect(try await fixture.store.audit(programId: "prg_a").isEmpty)

            // The same file again: the journal knows it; nothing is imported twice.
            let again = try await api.post("/v1/imports?kind=members&format=csv", Self.membersCSV)
            _ = try await ImportJob.runOnce(store: fixture.store)
            let second = try await api.get("/v1/imports/\(try #require(again.json["id"] as? String))", key: fixture.admin)
            #expect(second.json["status"] as? String == "completed" && second.json["recorded"] as? Int == 2, "\(second.text)")
            #expect((second.json["notices"] as? [String])?.first?.contains("already imported") == true)

            let list = try await api.get("/v1/imports?limit=1", key: fixture.admin)
            let first = try #require((list.json["data"] as? [[String: Any]])?.first)
            #expect(first["id"] as? String == again.json["id"] as? String && first["refusals"] == nil && list.json["has_more"] as? Bool == true)
            let rest = try await api.get("/v1/imports?starting_after=\(try #require(again.json["id"] as? String))", key: fixture.admin)
            #expect((rest.json["data"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])

            let audit = try await fixture.store.auditEntries(programId: "prg_a", filter: AuditFilter(action: "import.created"), limit: 10, startingAfter: nil)
            #expect(audit.items.count == 2 && audit.items.allSatisfy { $0.after?.contains(#""rows":3"#) == true && $0.after?.contains("a1@") == false })
            #expect(try await api.get("/v1/imports/\(id)", key: fixture.otherAdmin).status == 404, "another program's import")
            #expect(try await api.get("/v1/imports/\(id)", key: fixture.read).status == 403)
        }
    }

    @Test(arguments: TestBackend.available)
    func refuseModeImportsNothingFromAFileWithABadRow(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let member = try await api.member("e1")
            let events = [
                #"{"member_id":"\#(member)","type":"purchase","occurred_at":"2026-03-01T10:00:00Z","purchase":{"currency":"EUR","total":"20"}}"#,
                #"{"member_id":"mem_nobody","type":"purchase","occurred_at":"2026-03-01T11:00:00Z","purchase":{"currency":"EUR","total":"20"}}"#,
            ].joined(separator: "\n")
            let queued = try await api.post("/v1/imports?kind=events&format=jsonl&on_error=refuse", events)
            #expect(queued.status == 202, "\(queued.text)")
            _ = try await ImportJob.runOnce(store: fixture.store)
            let done = try await api.get("/v1/imports/\(try #require(queued.json["id"] as? String))", key: fixture.admin)
            #expect(done.json["status"] as? String == "completed" && done.json["recorded"] as? Int == 0 && done.json["refused"] as? Int == 1, "\(done.text)")
            #expect((done.json["notices"] as? [String])?.contains { $0.contains("refused as a whole") } == true)
            let stored = try await fixture.store.member(programId: "prg_a", id: member)
            #expect(stored?.available == 0 && stored?.pending == 0)
        }
    }

    /// Bodies above the API's usual 1 MiB are taken (up to 64 MiB); what cannot be imported is refused up front.
    @Test(arguments: TestBackend.available)
    func badRequestsAreRefusedAndQueueNothing(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            func post(_ query: String, _ body: String) async throws -> HTTPFixture.Client.Answer { try await api.post("/v1/imports?\(query)", body) }
            #expect(try await post("format=csv", Self.membersCSV).field == "kind")
            #expect(try await post("kind=rewards&format=csv", Self.membersCSV).field == "kind")
            #expect(try await post("kind=members", Self.membersCSV).field == "format")
            #expect(try await post("kind=members&format=csv&on_error=ignore", Self.membersCSV).field == "on_error")
            let asRecorded = try await post("kind=members&format=csv&as_recorded=true", Self.membersCSV)
            #expect(asRecorded.status == 422 && asRecorded.field == "as_recorded")
            #expect(try await post("kind=events&format=jsonl&again=yes", "{}").field == "again")
            let header = try await post("kind=members&format=csv", "external_id,shoe_size\nx,42")
            #expect(header.status == 422 && header.code == "invalid_file" && header.text.contains("shoe_size"), "\(header.text)")
            #expect(try await post("kind=members&format=csv", "external_id\n").code == "invalid_file")
            #expect(try await api.post("/v1/imports?kind=members&format=csv", Self.membersCSV, key: fixture.integration).status == 403)
            #expect(try await fixture.store.importJobs(programId: "prg_a", limit: 10, startingAfter: nil).items.isEmpty, "nothing was queued")

            let big = "external_id,name\n" + (0..<40_000).map { "big\($0),\(String(repeating: "n", count: 30))" }.joined(separator: "\n")
            #expect(big.utf8.count > 1 << 20)
            let accepted = try await post("kind=members&format=csv", big)
            #expect(accepted.status == 202 && accepted.json["rows"] as? Int == 40_000, "\(accepted.text.prefix(300))")
            for _ in 0..<4 { #expect(try await post("kind=members&format=csv", Self.membersCSV).status == 202) }
            let sixth = try await post("kind=members&format=csv", Self.membersCSV)
            #expect(sixth.status == 409 && sixth.code == "too_many_imports", "\(sixth.text)")
        }
    }

    /// A node that died holding a job leaves it claimed until its lease runs out; then another takes it.
    @Test(arguments: TestBackend.available)
    func aJobWhoseLeaseRanOutIsTakenAgain(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let queued = try await api.post("/v1/imports?kind=members&format=csv", Self.membersCSV)
            let id = try #require(queued.json["id"] as? String)
            let held = try await fixture.store.claimImportJob(now: Date(), leaseUntil: Date().addingTimeInterval(600))
            #expect(held?.job.id == id && held?.content == Data(Self.membersCSV.utf8))
            #expect(try await fixture.store.claimImportJob(now: Date(), leaseUntil: Date().addingTimeInterval(600)) == nil, "held by its lease")
            #expect(try await api.get("/v1/imports/\(id)", key: fixture.admin).json["status"] as? String == "running")
            // The holder dies; its lease runs out.
            _ = try await fixture.store.claimImportJob(now: Date().addingTimeInterval(601), leaseUntil: Date().addingTimeInterval(-1))
            #expect(try await ImportJob.runOnce(store: fixture.store) == 1)
            let done = try await api.get("/v1/imports/\(id)", key: fixture.admin)
            #expect(done.json["status"] as? String == "completed" && done.json["recorded"] as? Int == 2, "\(done.text)")
        }
    }
}
