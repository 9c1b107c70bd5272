import Foundation
import LaurelCore
import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// `POST /v1/simulations`: backtests asked for over HTTP, run by `SimulationJob` in the background,
/// their progress and report read back; bad requests refused with nothing stored.
struct SimulationRouteTests {
    /// The HTTP fixture with `SampleHistory`'s program recorded beside its programs, an admin key of
    /// that program, and the fixture's clock at the history's end.
    static func history(_ backend: TestBackend) async throws -> (fixture: HTTPFixture, admin: String, until: Date) {
        let fixture = try await HTTPFixture.make(backend)
        let (until, _) = try await SampleHistory.record(into: fixture.store, seed: 7, members: 80, actions: 1200)
        let admin = try await APIKeyAuthenticator.create(store: fixture.store, programId: SampleHistory.programId, scope: .admin, name: nil,
                                                         now: HTTPFixture.start).1
        fixture.clock.set(until)
        return (fixture, admin, until)
    }

    static func body(program: String?, from: Date, to: Date) throws -> String {
        var object: [String: Any] = ["from": Timestamps.format(from), "to": Timestamps.format(to)]
        if let program { object["program"] = program }
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    @Test(arguments: TestBackend.available)
    func aDraftSubmittedThroughTheAPIRunsInTheBackgroundAndShowsItsReport(backend: TestBackend) async throws {
        let (fixture, admin, until) = try await Self.history(backend)
        // The window is the history's second half, as in `BacktestTests.aDraftDoublingTheBaseRateShowsTheDifference`.
        let from = SampleHistory.start.addingTimeInterval(until.timeIntervalSince(SampleHistory.start) / 2)
        try await fixture.withServer { api in
            let doubled = try await api.post("/v1/simulations", try Self.body(program: SampleHistory.program(base: 2), from: from, to: until), key: admin)
            #expect(doubled.status == 202, "\(doubled.text)")
            let draftId = try #require(doubled.json["id"] as? String)
            #expect(draftId.hasPrefix("sim_") && doubled.json["object"] as? String == "simulation")
            #expect(doubled.json["status"] as? String == "queued" && doubled.json["progress"] as? Double == 0)
            #expect(doubled.json["from"] as? String == Timestamps.format(from) && doubled.json["to"] as? String == Timestamps.format(until))
            #expect(doubled.json["draft"] as? Bool == true && (doubled.json["actor"] as? String)?.hasPrefix("api_key:key_") == true)
            #expect(doubled.json["started_at"] is NSNull && doubled.json["result"] == nil)
            // Without a program: the live program replays itself.
            let honest = try await api.post("/v1/simulations", try Self.body(program: nil, from: from, to: until.addingTimeInterval(86_400)), key: admin)
            #expect(honest.status == 202, "\(honest.text)")
            let liveId = try #require(honest.json["id"] as? String)
            #expect(honest.json["draft"] as? Bool == false)
            #expect(honest.json["to"] as? String == Timestamps.format(until), "a window reaching past now ends now")

            let queued = try await api.get("/v1/simulations/\(draftId)", key: admin)
            #expect(queued.status == 200 && queued.json["status"] as? String == "queued" && queued.json["result"] == nil, "\(queued.text)")
            // Each request left its audit entry: who and the window.
            let audit = try await fixture.store.auditEntries(programId: SampleHistory.programId, filter: AuditFilter(action: "simulation.created"),
                                                             limit: 10, startingAfter: nil).items
            #expect(Set(audit.map(\.targetId)) == [draftId, liveId])
            #expect(audit.allSatisfy { $0.actor.hasPrefix("api_key:key_") && $0.after?.contains(Timestamps.format(from)) == true })

            // The job in the background, writing its progress often enough to be watched here.
            let store = fixture.store, now = fixture.clock.now()
            let job = Task { try await SimulationJob.runOnce(store: store, now: now, progressEvery: 0.05) }
            var seen: [(status: String, progress: Double)] = []
            while seen.last?.status != "completed" && seen.last?.status != "failed" && seen.count < 3000 {
                let answer = try await api.get("/v1/simulations/\(draftId)", key: admin)
                seen.append((try #require(answer.json["status"] as? String), try #require(answer.json["progress"] as? Double)))
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try await job.value == 2)
            #expect(seen.contains { $0.status == "running" && $0.progress > 0 && $0.progress < 1 }, "\(seen.suffix(5))")
            #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.progress <= $1.progress }, "progress only goes up")

            let done = try await api.get("/v1/simulations/\(draftId)", key: admin)
            #expect(done.json["status"] as? String == "completed" && done.json["progress"] as? Double == 1, "\(done.text)")
            #expect(done.json["started_at"] is String && done.json["completed_at"] is String && done.json["error"] is NSNull)
            let result = try #require(done.json["result"] as? [String: Any])
            let live = try #require(result["live"] as? [String: Any]), draft = try #require(result["draft"] as? [String: Any])
            let liveIssued = try #require(live["points_issued"] as? Int), draftIssued = try #require(draft["points_issued"] as? Int)
            // The live side is the live ledger's: the points it issued in the window, read here straight from the store.
            let flows = try await (try #require(fixture.store as? any SimulationSource)).simulationFlows(programId: SampleHistory.programId,
                                                                                                        from: from, until: until)
            #expect(liveIssued == flows.filter { $0.account == "issued" }.reduce(0) { $0 + $1.toMembers - $1.fromMembers })
            // The same expectation as the CLI's backtest of this draft.
            #expect(liveIssued > 0 && draftIssued > liveIssued * 3 / 2)
            #expect(try #require(draft["points_outstanding"] as? Int) > (try #require(live["points_outstanding"] as? Int)))
            #expect(live["members"] as? Int == 80 && draft["members"] as? Int == 80)

            let replayed = try await api.get("/v1/simulations/\(liveId)", key: admin)
            #expect(replayed.json["status"] as? String == "completed", "\(replayed.text)")
            let honestResult = try #require(replayed.json["result"] as? [String: Any])
            // The honesty check: the live program over its own history differs in nothing.
            #expect(NSDictionary(dictionary: try #require(honestResult["live"] as? [String: Any]))
                        == NSDictionary(dictionary: try #require(honestResult["draft"] as? [String: Any])))
            #expect((honestResult["tier_changes"] as? [String: Any])?["members"] as? Int == 0)
            #expect((honestResult["refused"] as? [String: Any])?.isEmpty == true)

            // The list: newest first, without results, paged.
            let list = try await api.get("/v1/simulations", key: admin)
            let items = try #require(list.json["data"] as? [[String: Any]])
            #expect(items.map { $0["id"] as? String } == [liveId, draftId])
            #expect(items.allSatisfy { $0["result"] == nil && $0["status"] as? String == "completed" })
            let first = try await api.get("/v1/simulations?limit=1", key: admin)
            #expect(first.json["has_more"] as? Bool == true && first.json["next_cursor"] as? String == liveId)
            let second = try await api.get("/v1/simulations?limit=1&starting_after=\(liveId)", key: admin)
            #expect((second.json["data"] as? [[String: Any]])?.map { $0["id"] as? String } == [draftId] && second.json["has_more"] as? Bool == false)

            let unknown = try await api.get("/v1/simulations/sim_unknown", key: admin)
            #expect(unknown.status == 404 && unknown.code == "not_found")
            // Another program's key does not see them.
            #expect(try await api.get("/v1/simulations/\(draftId)", key: fixture.admin).status == 404)
            #expect((try await api.get("/v1/simulations", key: fixture.admin).json["data"] as? [Any])?.isEmpty == true)
        }
    }

    @Test(arguments: TestBackend.available)
    func badRequestsAreRefusedWithNothingStored(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let window = #""from":"2026-01-01T00:00:00Z","to":"2026-03-01T00:00:00Z""#
            // The draft's problems are those `PUT /v1/program` finds in it, as text and as a JSON object.
            let invalid = "name: Draft\ncurrency: EUR\nearning_rules:\n  - {id: base, event: purchase, effect: {type: points_per_amount, points: -1, per: 1}}\ncolour: red\n"
            let put = try await api.call(.put, "/v1/program", key: fixture.admin, body: invalid)
            #expect(put.status == 422 && put.code == "invalid_program")
            let text = try await api.post("/v1/simulations", try Self.body(program: invalid, from: HTTPFixture.start.addingTimeInterval(-86_400 * 30),
                                                                           to: HTTPFixture.start))
            #expect(text.status == 422 && text.code == "invalid_program", "\(text.text)")
            let errors = try #require(put.json["errors"] as? [[String: String]])
            #expect(!errors.isEmpty && text.json["errors"] as? [[String: String]] == errors)
            let object = try await api.post("/v1/simulations", #"{"program":{"name":"Draft","currency":"EUR","colour":"red"},\#(window)}"#)
            #expect(object.status == 422 && object.code == "invalid_program" && (object.json["errors"] as? [Any])?.isEmpty == false, "\(object.text)")

            let refusals: [(body: String, status: Int, code: String, field: String?)] = [
                (#"{"program":42,\#(window)}"#, 422, "invalid_field", "program"),
                (#"{"program":"  ",\#(window)}"#, 422, "invalid_field", "program"),
                (#"{"from":"yesterday","to":"2026-03-01T00:00:00Z"}"#, 400, "invalid_request", "from"),
                (#"{"from":"2026-01-01T00:00:00Z","to":"2026-13-01T00:00:00Z"}"#, 400, "invalid_request", "to"),
                (#"{"from":"2026-01-01T00:00:00Z"}"#, 400, "invalid_request", "to"),
                (#"{"from":"2026-03-01T00:00:00Z","to":"2026-01-01T00:00:00Z"}"#, 422, "invalid_field", "to"),
                (#"{"from":"2026-02-01T00:00:00Z","to":"2026-02-01T00:00:00Z"}"#, 422, "invalid_field", "to"),
                // The fixture's clock is at 2026-03-03: a window wholly after now has nothing to replay.
                (#"{"from":"2026-06-01T00:00:00Z","to":"2026-07-01T00:00:00Z"}"#, 422, "invalid_field", "from"),
                ("not json", 400, "invalid_json", nil),
            ]
            for refusal in refusals {
                let answer = try await api.post("/v1/simulations", refusal.body)
                #expect(answer.status == refusal.status && answer.code == refusal.code && answer.field == refusal.field, "\(refusal.body): \(answer.text)")
            }
            #expect((try await api.get("/v1/simulations", key: fixture.admin).json["data"] as? [Any])?.isEmpty == true)
            let audit = try await fixture.store.auditEntries(programId: "prg_a", filter: AuditFilter(action: "simulation.created"), limit: 10, startingAfter: nil)
            #expect(audit.items.isEmpty)
            // Scope: admin only.
            #expect(try await api.post("/v1/simulations", "{\(window)}", key: fixture.integration).status == 403)
            #expect(try await api.get("/v1/simulations", key: fixture.read).status == 403)
        }
    }

    @Test(arguments: TestBackend.available)
    func aProgramMayHaveFiveSimulationsWaitingAtOnce(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let body = #"{"from":"2026-03-01T00:00:00Z","to":"2026-03-02T00:00:00Z"}"#
            for _ in 0..<SimulationJob.maxActivePerProgram {
                let answer = try await api.post("/v1/simulations", body)
                #expect(answer.status == 202, "\(answer.text)")
            }
            let full = try await api.post("/v1/simulations", body)
            #expect(full.status == 409 && full.code == "too_many_simulations", "\(full.text)")
            #expect((try await api.get("/v1/simulations", key: fixture.admin).json["data"] as? [Any])?.count == 5)
            // Per program: another program's queue is its own.
            #expect(try await api.post("/v1/simulations", body, key: fixture.otherAdmin).status == 202)
            // Once they ran, the program may ask again.
            #expect(try await SimulationJob.runOnce(store: fixture.store, now: fixture.clock.now()) == 6)
            let items = try #require(try await api.get("/v1/simulations", key: fixture.admin).json["data"] as? [[String: Any]])
            #expect(items.count == 5 && items.allSatisfy { $0["status"] as? String == "completed" }, "\(items)")
            #expect(try await api.post("/v1/simulations", body).status == 202)
        }
    }

    @Test(arguments: TestBackend.available)
    func aFailedSimulationShowsItsError(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let created = try await api.post("/v1/simulations", #"{"from":"2026-03-01T00:00:00Z","to":"2026-03-02T00:00:00Z"}"#)
            let id = try #require(created.json["id"] as? String)
            // Nowhere to put the scratch database: the run fails, and says why.
            let missing = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-no-such-\(UUID().uuidString)")
            #expect(try await SimulationJob.runOnce(store: fixture.store, now: fixture.clock.now(), scratchRoot: missing) == 1)
            let failed = try await api.get("/v1/simulations/\(id)", key: fixture.admin)
            #expect(failed.json["status"] as? String == "failed" && failed.json["result"] == nil, "\(failed.text)")
            #expect((failed.json["error"] as? String)?.contains("could not create the scratch directory \(missing.path)") == true, "\(failed.text)")
            #expect(failed.json["completed_at"] is String && failed.json["progress"] as? Double == 0)
            // A failed one is not waiting: nothing is left to run.
            #expect(try await SimulationJob.runOnce(store: fixture.store, now: fixture.clock.now()) == 0)
        }
    }

    /// One node's claim holds while its lease runs; after it ran out another node takes the simulation,
    /// and the first node's late writes change nothing.
    @Test(arguments: TestBackend.available)
    func aClaimIsTakenAgainOnlyAfterItsLeaseRanOut(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        let store = fixture.store
        let now = HTTPFixture.start
        let record = SimulationRecord(id: "sim_lease", programId: "prg_a", from: now.addingTimeInterval(-86_400), until: now, draftSource: nil,
                                      actor: "system", createdAt: now)
        _ = try await store.createSimulation(record, maxActive: 5, idempotency: nil)
        let first = try #require(try await store.claimSimulation(now: now, leaseUntil: now.addingTimeInterval(120)))
        #expect(first.id == "sim_lease" && first.status == .running && first.attempts == 1 && first.startedAt == now)
        #expect(try await store.claimSimulation(now: now.addingTimeInterval(60), leaseUntil: now.addingTimeInterval(180)) == nil)
        // Renewed, it holds past the first lease.
        #expect(try await store.updateSimulation(id: "sim_lease", attempt: 1, progress: 2500, leaseUntil: now.addingTimeInterval(240)))
        #expect(try await store.claimSimulation(now: now.addingTimeInterval(200), leaseUntil: now.addingTimeInterval(320)) == nil)
        #expect(try await store.simulation(programId: "prg_a", id: "sim_lease")?.progress == 2500)
        // The node stopped renewing: after the lease, the next claim takes it again.
        let second = try #require(try await store.claimSimulation(now: now.addingTimeInterval(241), leaseUntil: now.addingTimeInterval(361)))
        #expect(second.attempts == 2 && second.progress == 0)
        #expect(try await store.updateSimulation(id: "sim_lease", attempt: 1, progress: 9000, leaseUntil: now.addingTimeInterval(999)) == false)
        #expect(try await store.finishSimulation(id: "sim_lease", attempt: 1, result: nil, error: "late", now: now.addingTimeInterval(300)) == false)
        #expect(try await store.finishSimulation(id: "sim_lease", attempt: 2, result: "{}", error: nil, now: now.addingTimeInterval(300)))
        let finished = try #require(try await store.simulation(programId: "prg_a", id: "sim_lease"))
        #expect(finished.status == .completed && finished.progress == 10_000 && finished.error == nil && finished.result == "{}")
        #expect(try await store.claimSimulation(now: now.addingTimeInterval(10_000), leaseUntil: now.addingTimeInterval(10_120)) == nil)
        // Only the program's own.
        #expect(try await store.simulation(programId: "prg_b", id: "sim_lease") == nil)
    }
}
