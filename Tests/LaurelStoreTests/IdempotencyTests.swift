import Foundation
import LaurelCore
import LaurelStore
import Testing

/// Idempotency keys at the store: a retry replays the first answer, a reused key with another request is refused,
/// and concurrent retries write once.
struct IdempotencyTests {
    @Test(arguments: StoreBackend.available)
    func retryReplaysTheFirstResponse(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let member = try await fixture.member("c-1")
        // The API gives each attempt a new event id; only the key and the request fingerprint are the same.
        let first = try await fixture.send(StoreFixture.purchase(total: "25", at: StoreFixture.start, id: "evt_1"), memberId: member.id,
                                           idempotency: idempotency("key-1"))
        let second = try await fixture.send(StoreFixture.purchase(total: "25", at: StoreFixture.start, id: "evt_2"), memberId: member.id,
                                            idempotency: idempotency("key-1"))
        guard case .fresh(let record, let response?) = first, case .replayed(let replayed) = second else {
            Issue.record("expected fresh then replayed, got \(first) and \(second)")
            return
        }
        #expect(record.id == "evt_1")
        #expect(replayed == response)
        #expect(response == StoredResponse(status: 201, body: Data("\(record)".utf8)))
        #expect(try await fixture.store.event(programId: fixture.programId, id: "evt_2") == nil)
        #expect(try await fixture.entries(member.id).count == 1)
        #expect(try await fixture.reload(member.id).available == 25)
    }

    @Test(arguments: StoreBackend.available)
    func keyReusedWithAnotherRequestIsRefused(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let member = try await fixture.member("c-1")
        _ = try await fixture.send(StoreFixture.purchase(total: "25", at: StoreFixture.start), memberId: member.id, idempotency: idempotency("key-1"))
        let other = StoreFixture.purchase(total: "99", at: StoreFixture.start)
        await #expect(throws: StoreError.idempotencyKeyReused("key-1")) {
            try await fixture.send(other, memberId: member.id, idempotency: idempotency("key-1", fingerprint: "fp-2"))
        }
        #expect(try await fixture.store.event(programId: fixture.programId, id: other.id) == nil)
        #expect(try await fixture.reload(member.id).available == 25)
    }

    @Test(arguments: StoreBackend.available)
    func keysAreScopedPerProgram(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, programId: "prg_a")
        let other = StoreFixture(store: fixture.store, programId: "prg_b")
        _ = try await fixture.store.createProgram(id: "prg_b", name: "B", now: StoreFixture.start)
        try await other.apply(StoreFixture.basicProgram)
        let memberA = try await fixture.member("c-1")
        let memberB = try await other.member("c-1")
        let first = try await fixture.send(StoreFixture.purchase(total: "10", at: StoreFixture.start), memberId: memberA.id, idempotency: idempotency("key-1"))
        let second = try await other.send(StoreFixture.purchase(total: "10", at: StoreFixture.start), memberId: memberB.id, idempotency: idempotency("key-1"))
        #expect(first.value != nil && second.value != nil, "the same key in two programs is two requests")
        #expect(try await other.reload(memberB.id).available == 10)
    }

    @Test(arguments: StoreBackend.available)
    func concurrentRetriesWriteOnce(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let member = try await fixture.member("c-1")
        let ids = (0..<20).map { "evt_\($0)" }
        let results = try await withThrowingTaskGroup(of: Idempotent<EventRecord>.self) { group in
            for id in ids {
                group.addTask {
                    try await fixture.send(StoreFixture.purchase(total: "10", at: StoreFixture.start, id: id), memberId: member.id,
                                           idempotency: idempotency("same-key"))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        var fresh: [StoredResponse] = []
        var replayed: [StoredResponse] = []
        for result in results {
            switch result {
            case .fresh(_, let response): if let response { fresh.append(response) } else { Issue.record("a fresh write without its response") }
            case .replayed(let response): replayed.append(response)
            }
        }
        #expect(fresh.count == 1)
        #expect(replayed.count == 19)
        #expect(replayed.allSatisfy { $0 == fresh.first })
        var stored = 0
        for id in ids where try await fixture.store.event(programId: fixture.programId, id: id) != nil { stored += 1 }
        #expect(stored == 1)
        #expect(try await fixture.entries(member.id).count == 1)
        #expect(try await fixture.reload(member.id).available == 10)
        #expect(try await fixture.audit() == [])
    }
}
