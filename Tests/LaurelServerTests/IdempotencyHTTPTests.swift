import Foundation
import LaurelTestSupport
import Testing

/// The same POST with the same Idempotency-Key, ten times in a row and ten times at once,
/// credits once and answers the same bytes.
@Suite struct IdempotencyHTTPTests {
    @Test(arguments: TestBackend.available)
    func sequentialReplays(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let member = try await api.member("idem-1")
            var answers: [HTTPFixture.Client.Answer] = []
            for _ in 0..<10 { answers.append(try await api.purchase(member, idempotencyKey: "order-1")) }
            #expect(answers.allSatisfy { $0.status == 201 && $0.body == answers[0].body })
            #expect(answers[0].headers[.init("Idempotent-Replayed")!] == nil)
            #expect(answers.dropFirst().allSatisfy { $0.headers[.init("Idempotent-Replayed")!] == "true" })
            #expect(try await api.points(member)["pending"] as? Int == 100)
            #expect(try await api.ledgerCount(member) == 1)
            let different = try await api.purchase(member, total: "5.00", idempotencyKey: "order-1")
            #expect(different.status == 422 && different.code == "idempotency_key_reused")
            // Keys are per program: the same key in program B is a new request.
            let theirs = try await api.member("idem-b", key: fixture.otherAdmin)
            #expect(try await api.purchase(theirs, key: fixture.otherAdmin, idempotencyKey: "order-1").headers[.init("Idempotent-Replayed")!] == nil)
            // Other writes replay too.
            let enrol = try await api.post("/v1/members", #"{"external_id":"idem-2"}"#, idempotencyKey: "enrol-2")
            let again = try await api.post("/v1/members", #"{"external_id":"idem-2"}"#, idempotencyKey: "enrol-2")
            #expect(enrol.status == 201 && again.status == 201 && enrol.body == again.body)
            let credit = try await api.post("/v1/members/\(member)/adjustments", #"{"points":5,"reason":"x"}"#, idempotencyKey: "adj-1")
            #expect(try await api.post("/v1/members/\(member)/adjustments", #"{"points":5,"reason":"x"}"#, idempotencyKey: "adj-1").body == credit.body)
            #expect(try await api.points(member)["available"] as? Int == 5)
        }
    }

    @Test(arguments: TestBackend.available)
    func concurrentReplays(backend: TestBackend) async throws {
        let fixture = try await HTTPFixture.make(backend)
        try await fixture.withServer { api in
            let member = try await api.member("idem-3")
            let answers = try await withThrowingTaskGroup(of: HTTPFixture.Client.Answer.self) { group in
                for _ in 0..<10 { group.addTask { try await api.purchase(member, total: "42.00", idempotencyKey: "order-concurrent") } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.count == 10)
            #expect(answers.allSatisfy { $0.status == 201 && $0.body == answers[0].body })
            #expect(answers.filter { $0.headers[.init("Idempotent-Replayed")!] == nil }.count == 1)
            #expect(try await api.points(member)["pending"] as? Int == 42)
            #expect(try await api.ledgerCount(member) == 1)
        }
    }
}
