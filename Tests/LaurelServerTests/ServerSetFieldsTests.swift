import Foundation
import HTTPTypes
import LaurelCore
import LaurelServer
import LaurelTestSupport
import Testing

/// Fields Laurel sets (balances, statuses, ids, times…) sent in a create or update body are refused
/// by name, and nothing is written: never bound, never silently dropped.
@Suite struct ServerSetFieldsTests {
    @Test(arguments: TestBackend.available)
    func everyWriteRefusesTheFieldsLaurelSets(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        let program = IdempotentWritesTests.program
        _ = try await fixture.store.applyProgram(id: "prg_a", definition: try ProgramDefinition.parse(program), source: program,
                                                 now: HTTPFixture.start, idempotency: nil)
        try await fixture.withServer { api in
            let ana = try await api.member("ssf-ana")
            let ben = try await api.member("ssf-ben")
            #expect(try await api.post("/v1/members/\(ana)/adjustments", #"{"points":100,"reason":"setup"}"#).status == 201)
            #expect(try await api.post("/v1/rewards", #"{"id":"pen","name":"Pen","type":"experience","cost":10}"#).status == 201)
            let cases: [(HTTPRequest.Method, String, String, String)] = [
                (.post, "/v1/members", #"{"external_id":"ssf-new","points":{"available":1000}}"#, "points"),
                (.post, "/v1/members", #"{"external_id":"ssf-new","tier_id":"gold"}"#, "tier_id"),
                (.post, "/v1/members", #"{"external_id":"ssf-new","program_id":"prg_b"}"#, "program_id"),
                (.post, "/v1/members", #"{"external_id":"ssf-new","created_at":"2020-01-01T00:00:00Z"}"#, "created_at"),
                (.post, "/v1/members", #"{"external_id":"ssf-new","id":"mem_mine"}"#, "id"),
                (.patch, "/v1/members/\(ana)", #"{"name":"Ana","balance":5000}"#, "balance"),
                (.patch, "/v1/members/\(ana)", #"{"tier":"gold"}"#, "tier"),
                (.post, "/v1/events", #"{"member_id":"\#(ana)","type":"review","points":5000}"#, "points"),
                (.post, "/v1/events", #"{"member_id":"\#(ana)","type":"purchase","status":"processed","purchase":{"currency":"EUR","total":"1"}}"#, "status"),
                (.post, "/v1/events", #"{"member_id":"\#(ana)","type":"review","outcome":{"points_earned":5000}}"#, "outcome"),
                (.post, "/v1/redemptions", #"{"member_id":"\#(ana)","reward_id":"pen","status":"fulfilled"}"#, "status"),
                (.post, "/v1/redemptions", #"{"member_id":"\#(ana)","reward_id":"pen","code":"FREE"}"#, "code"),
                (.post, "/v1/members/\(ana)/adjustments", #"{"points":1,"reason":"x","balance_after":{"available":9}}"#, "balance_after"),
                (.post, "/v1/transfers", #"{"from_member_id":"\#(ana)","to_member_id":"\#(ben)","points":1,"created_at":"2020-01-01T00:00:00Z"}"#, "created_at"),
                (.post, "/v1/clubs/lounge/join", #"{"member_id":"\#(ana)","status":"active","via":"tier"}"#, "status"),
                (.post, "/v1/clubs/lounge/members", #"{"member_id":"\#(ben)","expires_at":"2099-01-01T00:00:00Z"}"#, "expires_at"),
                (.put, "/v1/members/\(ana)/tier", #"{"tier":"gold","reason":"x","actor":"someone else"}"#, "actor"),
            ]
            for (method, path, body, field) in cases {
                let answer = try await api.call(method, path, key: fixture.admin, body: body)
                #expect(answer.status == 422 && answer.code == "read_only_field" && answer.field == field, "\(method) \(path) \(body): \(answer.text)")
                #expect((answer.json["detail"] as? String)?.contains(field) == true)
            }
            // Nothing was written.
            #expect((try await api.get("/v1/members?external_id=ssf-new").json["data"] as? [Any])?.isEmpty == true)
            #expect(try await api.points(ana)["available"] as? Int == 100)
            #expect(try await api.ledgerCount(ana) == 1)
            #expect((try await api.get("/v1/redemptions?member_id=\(ana)").json["data"] as? [Any])?.isEmpty == true)
            #expect(try await api.get("/v1/members/\(ana)").json["tier_id"] as? String != "gold")
            // A member's own status stays settable: it blocks and unblocks.
            #expect(try await api.call(.patch, "/v1/members/\(ben)", key: fixture.admin, body: #"{"status":"blocked"}"#).status == 200)
            // Unknown keys that Laurel does not set are still ignored.
            #expect(try await api.post("/v1/events", #"{"member_id":"\#(ana)","type":"review","note":"hi"}"#).status == 201)
        }
    }

    /// The fast event reader gives up on a field Laurel sets, so `JSONDecoder`'s path refuses it by name, for import lines too.
    @Test func eventBodiesAndImportLinesRefuseThemOnEveryPath() throws {
        for field in ["points", "status", "id", "recorded_at", "program_version"] {
            let line = #"{"member_id":"mem_1","type":"purchase","purchase":{"currency":"EUR","total":"10"},"\#(field)":1}"#
            #expect(throws: Problem.self) { _ = try EventImport.parse(line, id: "evt_1", now: HTTPFixture.start) }
            do {
                _ = try EventImport.parse(line, id: "evt_1", now: HTTPFixture.start)
            } catch let problem as Problem {
                #expect(problem.code == "read_only_field" && problem.field == field)
            }
        }
        #expect(throws: Never.self) {
            _ = try EventImport.parse(#"{"member_id":"mem_1","type":"review","note":1}"#, id: "evt_1", now: HTTPFixture.start)
        }
    }
}
