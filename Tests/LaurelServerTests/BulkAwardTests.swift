import Foundation
import LaurelCore
import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// `POST /v1/bulk-awards` and its job, through real HTTP on both backends: every listed member is
/// credited once by an ordinary adjustment, the others are reported with why; the job shows its
/// progress between batches and, run again, resumed, or run by two nodes at once, credits nobody twice.
struct BulkAwardTests {
    typealias Client = HTTPFixture.Client

    static func createJob(_ api: Client, _ body: String, idempotencyKey: String? = nil) async throws -> [String: Any] {
        let answer = try await api.post("/v1/bulk-awards", body, idempotencyKey: idempotencyKey)
        #expect(answer.status == 202, "\(answer.text)")
        return answer.json
    }

    static func job(_ api: Client, _ id: String) async throws -> [String: Any] {
        let answer = try await api.get("/v1/bulk-awards/\(id)", key: api.fixture.admin)
        #expect(answer.status == 200, "\(answer.text)")
        return answer.json
    }

    static func results(_ api: Client, _ id: String, query: String = "") async throws -> [[String: Any]] {
        let answer = try await api.get("/v1/bulk-awards/\(id)/results?limit=500\(query)", key: api.fixture.admin)
        #expect(answer.status == 200, "\(answer.text)")
        return answer.json["data"] as? [[String: Any]] ?? []
    }

    static func ledger(_ api: Client, _ member: String) async throws -> [[String: Any]] {
        try #require(try await api.get("/v1/members/\(member)/ledger?limit=500").json["data"] as? [[String: Any]])
    }

    @Test(arguments: TestBackend.available)
    func listedMembersAreCreditedOnceByAnAdjustmentAndTheOthersReportedWithWhy(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let ana = try await api.member("bulk-ana"), ben = try await api.member("bulk-ben")
            let blocked = try await api.member("bulk-blocked"), erased = try await api.member("bulk-erased")
            #expect(try await api.call(.patch, "/v1/members/\(blocked)", key: fixture.admin, body: #"{"status":"blocked"}"#).status == 200)
            #expect(try await api.post("/v1/members/\(erased)/erase", #"{"reason":"GDPR request"}"#).status < 300)
            #expect(try await api.post("/v1/members/\(ben)/adjustments", #"{"points":40,"reason":"before"}"#).status == 201)

            let body = #"{"points":250,"reason":"storm apology","actor":"jane@store","member_ids":["\#(ana)","\#(ben)","\#(ana)","mem_nobody","\#(blocked)","\#(erased)"]}"#
            let created = try await Self.createJob(api, body)
            let id = try #require(created["id"] as? String)
            #expect(id.hasPrefix("bulk_") && created["object"] as? String == "bulk_award" && created["status"] as? String == "queued")
            #expect(created["total"] as? Int == 5, "the duplicate is dropped: \(created)")
            #expect(created["done"] as? Int == 0 && created["credited"] as? Int == 0 && created["progress"] as? Double == 0)
            #expect((created["actor"] as? String)?.hasPrefix("jane@store via key_") == true && created["target"] as? String == "member_ids")
            #expect(try await api.points(ana)["available"] as? Int == 0, "nothing is credited before the job runs")

            #expect(try await BulkAwardJob.runOnce(store: fixture.store, now: fixture.clock.now()) == 5)
            let job = try await Self.job(api, id)
            #expect(job["status"] as? String == "completed" && job["done"] as? Int == 5 && job["progress"] as? Double == 1)
            #expect(job["credited"] as? Int == 2 && job["skipped"] as? Int == 3 && job["completed_at"] as? String != nil)
            #expect(try await api.points(ana)["available"] as? Int == 250)
            #expect(try await api.points(ben)["available"] as? Int == 290)
            #expect(try await api.points(blocked)["available"] as? Int == 0)

            // Each credit is a staff adjustment: kind adjust, the job's reason, an actor naming the job; adjusted_in.
            let entries = try await Self.ledger(api, ana)
            #expect(entries.count == 1 && entries[0]["kind"] as? String == "adjust" && entries[0]["points"] as? Int == 250)
            #expect(entries[0]["reason"] as? String == "storm apology")
            #expect((entries[0]["actor"] as? String).map { $0.hasPrefix("jane@store via key_") && $0.hasSuffix(" (\(id))") } == true, "\(entries[0])")
            #expect(try await api.get("/v1/members/\(ana)/points-activity").json["adjusted_in"] as? Int == 250)

            let skipped = try await Self.results(api, id, query: "&status=skipped")
            let reasons = Dictionary(uniqueKeysWithValues: skipped.map { ($0["target"] as? String ?? "", $0["reason"] as? String ?? "") })
            #expect(reasons == ["mem_nobody": "unknown_member", blocked: "member_blocked", erased: "member_erased"], "\(skipped)")
            let credited = try await Self.results(api, id, query: "&status=credited")
            #expect(credited.map { $0["member_id"] as? String } == [ana, ben])
            #expect(try await Self.results(api, id).map { $0["position"] as? Int } == [1, 2, 3, 4, 5])

            // A credit can be cancelled like any adjustment.
            let adjustment = try #require(credited.first?["adjustment_id"] as? String)
            #expect(entries[0]["source_id"] as? String == adjustment)
            let cancel = try await api.post("/v1/members/\(ana)/adjustments/\(adjustment)/cancel", #"{"reason":"not affected"}"#)
            #expect(cancel.status == 201 && cancel.json["points"] as? Int == 250, "\(cancel.text)")
            #expect(try await api.points(ana)["available"] as? Int == 0)

            // The messages an adjustment sends, once per credited member.
            let earned = try await fixture.store.outbox(programId: "prg_a", limit: 500, startingAfter: nil).items
                .filter { $0.type == "points.earned" && $0.memberId == ana }
            #expect(earned.count == 1)

            // The audit trail: the job's creation (who, what, how many) and its completion; each credit as an adjustment.
            let audit = try #require(try await api.get("/v1/audit?target_type=bulk_award&target_id=\(id)", key: fixture.admin).json["data"] as? [[String: Any]])
            #expect(Set(audit.compactMap { $0["action"] as? String }) == ["bulk_award.created", "bulk_award.completed"], "\(audit)")
            let creation = try #require(audit.first { $0["action"] as? String == "bulk_award.created" })
            #expect((creation["after"] as? [String: Any])?["total"] as? Int == 5 && (creation["actor"] as? String)?.hasPrefix("api_key:") == true)
            let adjusted = try #require(try await api.get("/v1/audit?action=member.points_adjusted&target_id=\(ana)", key: fixture.admin).json["data"] as? [[String: Any]])
            #expect(adjusted.count == 1 && (adjusted.first?["actor"] as? String)?.hasPrefix("api_key:") == true)

            // Listed newest first, paged.
            let second = try #require(try await Self.createJob(api, #"{"points":1,"reason":"again","external_ids":["bulk-ana"]}"#)["id"] as? String)
            let page = try await api.get("/v1/bulk-awards?limit=1", key: fixture.admin)
            #expect((page.json["data"] as? [[String: Any]])?.map { $0["id"] as? String } == [second] && page.json["has_more"] as? Bool == true)
            let rest = try await api.get("/v1/bulk-awards?limit=1&starting_after=\(second)", key: fixture.admin)
            #expect((rest.json["data"] as? [[String: Any]])?.map { $0["id"] as? String } == [id] && rest.json["has_more"] as? Bool == false)
            // Another program sees none of them.
            #expect(try await api.get("/v1/bulk-awards/\(id)", key: fixture.otherAdmin).status == 404)
            #expect(try await api.get("/v1/bulk-awards/\(id)/results", key: fixture.otherAdmin).status == 404)
        }
    }

    @Test(arguments: TestBackend.available)
    func externalIdsAndSegmentsAreResolvedWhenTheJobIsMade(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let program = HTTPFixture.program + "\nsegments:\n  - {id: vips, conditions: [{attribute: level, op: eq, value: vip}]}\n"
            #expect(try await api.call(.put, "/v1/program", key: fixture.admin, body: program).status == 200)
            let vip1 = try #require(try await api.post("/v1/members", #"{"external_id":"seg-1","attributes":{"level":"vip"}}"#).json["id"] as? String)
            let vip2 = try #require(try await api.post("/v1/members", #"{"external_id":"seg-2","attributes":{"level":"vip"}}"#).json["id"] as? String)
            let plain = try await api.member("seg-3")

            let bySegment = try await Self.createJob(api, #"{"points":70,"reason":"vip weekend","segment_id":"vips"}"#)
            #expect(bySegment["total"] as? Int == 2 && bySegment["target"] as? String == "segment" && bySegment["segment_id"] as? String == "vips")
            // A member who enters the segment after the job was made is not in it.
            let late = try #require(try await api.post("/v1/members", #"{"external_id":"seg-4","attributes":{"level":"vip"}}"#).json["id"] as? String)
            let byExternalId = try await Self.createJob(api, #"{"points":5,"reason":"survey","external_ids":["seg-3","seg-1","nobody-here"]}"#)
            #expect(byExternalId["total"] as? Int == 3)

            #expect(try await BulkAwardJob.runOnce(store: fixture.store, now: fixture.clock.now()) == 5)
            #expect(try await api.points(vip1)["available"] as? Int == 75)
            #expect(try await api.points(vip2)["available"] as? Int == 70)
            #expect(try await api.points(plain)["available"] as? Int == 5)
            #expect(try await api.points(late)["available"] as? Int == 0)
            let external = try await Self.results(api, try #require(byExternalId["id"] as? String))
            #expect(external.map { $0["target"] as? String } == ["seg-3", "seg-1", "nobody-here"])
            #expect(external.map { $0["member_id"] as? String } == [plain, vip1, nil])
            #expect(external.map { $0["reason"] as? String } == [nil, nil, "unknown_member"])

            let unknown = try await api.post("/v1/bulk-awards", #"{"points":5,"reason":"x","segment_id":"nope"}"#)
            #expect(unknown.status == 422 && unknown.code == "unknown_segment" && unknown.field == "segment_id", "\(unknown.text)")
        }
    }

    @Test(arguments: TestBackend.available)
    func badBodiesAreRefusedAndWriteNothing(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let member = try await api.member("bulk-bad")
            let tooMany = "[" + (0...100_000).map { #""m\#($0)""# }.joined(separator: ",") + "]"
            let refused: [(String, Int, String)] = [
                (#"{"points":5,"reason":"x"}"#, 422, "invalid_target"),
                (#"{"points":5,"reason":"x","member_ids":["\#(member)"],"external_ids":["bulk-bad"]}"#, 422, "invalid_target"),
                (#"{"points":5,"reason":"x","member_ids":["\#(member)"],"segment_id":"vips"}"#, 422, "invalid_target"),
                // A null target is still a target named: the schema says each is a string or a list when given.
                (#"{"points":5,"reason":"x","external_ids":["bulk-bad"],"segment_id":null}"#, 422, "invalid_target"),
                (#"{"points":0,"reason":"x","member_ids":["\#(member)"]}"#, 422, "invalid_field"),
                (#"{"points":-5,"reason":"x","member_ids":["\#(member)"]}"#, 422, "invalid_field"),
                (#"{"points":100000001,"reason":"x","member_ids":["\#(member)"]}"#, 422, "invalid_field"),
                (#"{"points":5,"reason":"","member_ids":["\#(member)"]}"#, 422, "invalid_field"),
                (#"{"points":5,"reason":"   ","member_ids":["\#(member)"]}"#, 422, "invalid_field"),
                (#"{"points":5,"reason":"\#(String(repeating: "r", count: 501))","member_ids":["\#(member)"]}"#, 422, "invalid_field"),
                (#"{"points":5,"reason":"x","member_ids":[]}"#, 422, "invalid_field"),
                (#"{"points":5,"reason":"x","member_ids":[""]}"#, 422, "invalid_field"),
                (#"{"points":5,"reason":"x","member_ids":\#(tooMany)}"#, 422, "invalid_field"),
                (#"{"points":5,"reason":"x","member_ids":"\#(member)"}"#, 422, "invalid_field"),
                (#"{"reason":"x","member_ids":["\#(member)"]}"#, 422, "invalid_field"),
                (#"{"points":5,"reason":"x","member_ids":["\#(member)"],"status":"completed"}"#, 422, "read_only_field"),
                ("[1]", 400, "invalid_json"),
            ]
            for (body, status, code) in refused {
                let answer = try await api.post("/v1/bulk-awards", body)
                #expect(answer.status == status && answer.code == code, "\(body.prefix(120)): \(answer.text)")
            }
            #expect(try await api.post("/v1/bulk-awards", #"{"points":5,"reason":"x","member_ids":["\#(member)"]}"#, key: fixture.integration).status == 403)
            #expect((try await api.get("/v1/bulk-awards", key: fixture.admin).json["data"] as? [Any])?.isEmpty == true)
            #expect((try await api.get("/v1/audit?target_type=bulk_award", key: fixture.admin).json["data"] as? [Any])?.isEmpty == true)
            #expect(try await BulkAwardJob.runOnce(store: fixture.store, now: fixture.clock.now()) == 0)
            #expect(try await api.points(member)["available"] as? Int == 0)
        }
    }

    @Test(arguments: TestBackend.available)
    func theSameIdempotencyKeyReplaysTheSameJob(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let member = try await api.member("bulk-idem")
            let body = #"{"points":30,"reason":"once","member_ids":["\#(member)"]}"#
            let first = try await api.post("/v1/bulk-awards", body, idempotencyKey: "bulk-1")
            #expect(first.status == 202)
            _ = try await BulkAwardJob.runOnce(store: fixture.store, now: fixture.clock.now())
            let again = try await api.post("/v1/bulk-awards", body, idempotencyKey: "bulk-1")
            #expect(again.status == 202 && again.text == first.text && again.headers[.init("Idempotent-Replayed")!] == "true")
            let other = try await api.post("/v1/bulk-awards", #"{"points":31,"reason":"once","member_ids":["\#(member)"]}"#, idempotencyKey: "bulk-1")
            #expect(other.status == 422 && other.code == "idempotency_key_reused")
            _ = try await BulkAwardJob.runOnce(store: fixture.store, now: fixture.clock.now())
            #expect((try await api.get("/v1/bulk-awards", key: fixture.admin).json["data"] as? [Any])?.count == 1)
            #expect(try await api.points(member)["available"] as? Int == 30)
        }
    }

    @Test(arguments: TestBackend.available)
    func progressShowsBetweenBatchesAndAResumedJobCreditsNobodyTwice(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            var members: [String] = []
            for index in 0..<5 { members.append(try await api.member("bulk-step-\(index)")) }
            let list = members.map { #""\#($0)""# }.joined(separator: ",")
            let id = try #require(try await Self.createJob(api, #"{"points":10,"reason":"steps","member_ids":[\#(list)]}"#)["id"] as? String)

            // One batch of two, as a server stopped after its first transaction would leave it.
            let batch = try #require(try await fixture.store.runBulkAwardBatch(programId: "prg_a", id: id, batchSize: 2, now: fixture.clock.now()))
            #expect(batch.processed == 2 && batch.award.status == .running)
            let midway = try await Self.job(api, id)
            #expect(midway["status"] as? String == "running" && midway["done"] as? Int == 2 && midway["total"] as? Int == 5)
            #expect(midway["credited"] as? Int == 2 && midway["progress"] as? Double == 0.4 && midway["completed_at"] is NSNull)
            #expect(try await api.points(members[0])["available"] as? Int == 10)
            #expect(try await api.points(members[4])["available"] as? Int == 0)

            // Resumed, then run again: the rest once each, the first two not again.
            #expect(try await BulkAwardJob.runOnce(store: fixture.store, now: fixture.clock.now(), batchSize: 2) == 3)
            #expect(try await BulkAwardJob.runOnce(store: fixture.store, now: fixture.clock.now()) == 0)
            let again = try #require(try await fixture.store.runBulkAwardBatch(programId: "prg_a", id: id, batchSize: 2, now: fixture.clock.now()))
            #expect(again.processed == 0 && again.award.status == .completed)
            for member in members {
                #expect(try await api.points(member)["available"] as? Int == 10, "\(member)")
                #expect(try await Self.ledger(api, member).count == 1, "\(member)")
            }
            let job = try await Self.job(api, id)
            #expect(job["done"] as? Int == 5 && job["credited"] as? Int == 5 && job["skipped"] as? Int == 0 && job["status"] as? String == "completed")
            let completions = try #require(try await api.get("/v1/audit?action=bulk_award.completed", key: fixture.admin).json["data"] as? [Any])
            #expect(completions.count == 1)
        }
    }

    @Test(arguments: TestBackend.available)
    func aJobOfThousandsOfMembersCompletesWithPagedResults(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        let start = HTTPFixture.start
        var ids: [String] = []
        for index in 0..<3_000 {
            let record = MemberRecord(id: String(format: "mem_bulk%05d", index), programId: "prg_a", externalId: "bulk-many-\(index)",
                                      createdAt: start, updatedAt: start)
            ids.append(try #require(try await fixture.store.createMember(record, referralCode: nil, idempotency: nil).value).id)
        }
        let members = ids
        try await fixture.withServer { api in
            let ids = members
            let list = (ids + ["mem_unknown"]).map { #""\#($0)""# }.joined(separator: ",")
            let id = try #require(try await Self.createJob(api, #"{"points":15,"reason":"anniversary","member_ids":[\#(list)]}"#)["id"] as? String)
            #expect(try await BulkAwardJob.runOnce(store: fixture.store, now: fixture.clock.now()) == 3_001)
            let job = try await Self.job(api, id)
            #expect(job["status"] as? String == "completed" && job["total"] as? Int == 3_001 && job["credited"] as? Int == 3_000 && job["skipped"] as? Int == 1)
            for member in [ids[0], ids[1_234], ids[2_999]] { #expect(try await api.points(member)["available"] as? Int == 15) }

            // Results come in pages of at most 500, each after the last position of the one before.
            var positions: [Int] = []
            var cursor = ""
            while true {
                let page = try await api.get("/v1/bulk-awards/\(id)/results?limit=500\(cursor)", key: fixture.admin)
                let data = try #require(page.json["data"] as? [[String: Any]])
                #expect(data.count <= 500)
                positions += data.compactMap { $0["position"] as? Int }
                guard page.json["has_more"] as? Bool == true, let next = page.json["next_cursor"] as? String else { break }
                cursor = "&starting_after=\(next)"
            }
            #expect(positions == Array(1...3_001))
        }
    }
    /// Two nodes on one database run the same job at once (PostgreSQL: disjoint batches; SQLite: one writer).
    @Test(arguments: TestBackend.available)
    func twoNodesRunningTheSameJobCreditEachMemberOnce(backend: TestBackend) async throws {
        let (store, second, runner) = try await CampaignJobTests.stores(backend)
        defer { runner?.cancel() }
        var ids: [String] = []
        for index in 0..<60 { ids.append(try await CampaignJobTests.member(store, "node-\(index)").id) }
        let now = CampaignJobTests.start
        let award = BulkAwardRecord(id: Identifiers.make("bulk", now: now), programId: "prg_c", points: 20, reason: "two nodes", actor: "test",
                                    target: .memberIds, createdAt: now)
        _ = try await store.createBulkAward(award, targets: ids, idempotency: nil)
        async let a = BulkAwardJob.runOnce(store: store, now: now, batchSize: 7)
        async let b = BulkAwardJob.runOnce(store: second, now: now, batchSize: 7)
        let (doneA, doneB) = try await (a, b)
        #expect(doneA + doneB == 60)
        #expect(try await BulkAwardJob.runOnce(store: second, now: now) == 0)
        // Two batches finishing together must not deadlock on the job's row (each retry hid one, until six in a row failed under load).
        let retried = [store, second].compactMap { ($0 as? PostgresStore)?.retriedTransactions }.reduce(0, +)
        #expect(retried == 0, "transactions retried after a deadlock or serialization failure")
        let job = try #require(try await store.bulkAward(programId: "prg_c", id: award.id))
        #expect(job.status == .completed && job.done == 60 && job.credited == 60 && job.skipped == 0)
        for id in ids {
            #expect(try await store.member(programId: "prg_c", id: id)?.available == 20, "\(id)")
            #expect(try await store.ledger(programId: "prg_c", memberId: id, limit: 10, startingAfter: nil).items.count == 1, "\(id)")
        }
    }
}
