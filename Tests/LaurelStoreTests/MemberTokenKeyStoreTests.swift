import Foundation
import LaurelCore
import LaurelStore
import Testing

/// Member token keys: one signing key per program, made on first use; a rotation retires the
/// signing key (it verifies until the given time), prunes long-dead keys and replays under its key;
/// answers stored for writes with nothing else to store.
struct MemberTokenKeyStoreTests {
    static func key(_ id: String, program: String = "prg_a", at days: Double = 0) -> MemberTokenKeyRecord {
        MemberTokenKeyRecord(id: id, programId: program, secret: "secret-of-\(id)", createdAt: StoreFixture.at(days: days))
    }

    @Test(arguments: StoreBackend.available)
    func theFirstSigningKeyIsTheCandidateAndStaysUntilRotated(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, programId: "prg_a")
        let store = fixture.store
        _ = try await store.createProgram(id: "prg_b", name: "B", now: StoreFixture.start)
        #expect(try await store.memberTokenKeys(programId: "prg_a").isEmpty)
        let first = Self.key("mtk_1")
        #expect(try await store.signingMemberTokenKey(programId: "prg_a", candidate: first) == first)
        // A second candidate is not stored while a key signs.
        #expect(try await store.signingMemberTokenKey(programId: "prg_a", candidate: Self.key("mtk_2")) == first)
        #expect(try await store.memberTokenKeys(programId: "prg_a") == [first])
        #expect(try await store.memberTokenKey(id: "mtk_1") == first)
        #expect(try await store.memberTokenKey(id: "mtk_2") == nil)
        // Programs have keys of their own.
        let other = Self.key("mtk_3", program: "prg_b")
        #expect(try await store.signingMemberTokenKey(programId: "prg_b", candidate: other) == other)
        #expect(try await store.memberTokenKeys(programId: "prg_a") == [first])
    }

    @Test(arguments: StoreBackend.available)
    func rotationRetiresTheSigningKeyPrunesDeadKeysAndReplays(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, programId: "prg_a")
        let store = fixture.store
        _ = try await store.signingMemberTokenKey(programId: "prg_a", candidate: Self.key("mtk_1"))
        let day1 = StoreFixture.at(days: 1)
        let idempotency = Idempotency<[MemberTokenKeyRecord]>(key: "rotate-1", fingerprint: "f") { keys in
            StoredResponse(status: 200, body: Data(keys.map(\.id).joined(separator: ",").utf8))
        }
        let rotated = try await store.rotateMemberTokenKeys(programId: "prg_a", key: Self.key("mtk_2", at: 1), now: day1,
                                                            previousExpiresAt: day1.addingTimeInterval(3600), pruneBefore: StoreFixture.at(days: -7),
                                                            idempotency: idempotency)
        let keys = try #require(rotated.value)
        #expect(keys.map(\.id) == ["mtk_2", "mtk_1"])
        #expect(keys[1].retiredAt == day1 && keys[1].expiresAt == day1.addingTimeInterval(3600))
        #expect(keys[0].retiredAt == nil && keys[0].expiresAt == nil)
        #expect(keys[1].verifies(at: day1.addingTimeInterval(3599)) && !keys[1].verifies(at: day1.addingTimeInterval(3600)))
        #expect(try await store.signingMemberTokenKey(programId: "prg_a", candidate: Self.key("mtk_x")).id == "mtk_2")
        // The same key again: the first answer, nothing rotated.
        let replay = try await store.rotateMemberTokenKeys(programId: "prg_a", key: Self.key("mtk_3", at: 2), now: StoreFixture.at(days: 2),
                                                           previousExpiresAt: StoreFixture.at(days: 2), pruneBefore: StoreFixture.at(days: -5),
                                                           idempotency: idempotency)
        guard case .replayed(let stored) = replay else { Issue.record("not replayed: \(replay)"); return }
        #expect(stored.body == Data("mtk_2,mtk_1".utf8))
        // Ten days later mtk_1 has been dead for more than a week: the next rotation deletes it.
        let day10 = StoreFixture.at(days: 10)
        let later = try #require(try await store.rotateMemberTokenKeys(programId: "prg_a", key: Self.key("mtk_4", at: 10), now: day10,
                                                                        previousExpiresAt: day10, pruneBefore: StoreFixture.at(days: 3),
                                                                        idempotency: nil).value)
        #expect(later.map(\.id) == ["mtk_4", "mtk_2"])
        #expect(later[1].expiresAt == day10 && !later[1].verifies(at: day10))
        await #expect(throws: StoreError.self) {
            _ = try await store.rotateMemberTokenKeys(programId: "prg_none", key: Self.key("mtk_5", program: "prg_none"), now: day10,
                                                      previousExpiresAt: day10, pruneBefore: day10, idempotency: nil)
        }
    }

    @Test(arguments: StoreBackend.available)
    func aStoredResponseIsReplayedAndAnotherRequestUnderItsKeyRefused(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, programId: "prg_a")
        let store = fixture.store
        #expect(try await store.storedResponse(programId: "prg_a", key: "k", fingerprint: "f") == nil)
        let first = StoredResponse(status: 201, body: Data("first".utf8))
        #expect(try await store.storeResponse(programId: "prg_a", key: "k", fingerprint: "f", response: first, now: StoreFixture.start) == first)
        // A concurrent request that stored second gets the first answer back.
        let second = StoredResponse(status: 201, body: Data("second".utf8))
        #expect(try await store.storeResponse(programId: "prg_a", key: "k", fingerprint: "f", response: second, now: StoreFixture.start) == first)
        #expect(try await store.storedResponse(programId: "prg_a", key: "k", fingerprint: "f") == first)
        await #expect(throws: StoreError.self) { _ = try await store.storedResponse(programId: "prg_a", key: "k", fingerprint: "g") }
        await #expect(throws: StoreError.self) {
            _ = try await store.storeResponse(programId: "prg_a", key: "k", fingerprint: "g", response: second, now: StoreFixture.start)
        }
        // Keys are per program.
        #expect(try await store.storedResponse(programId: "prg_b", key: "k", fingerprint: "g") == nil)
    }
}
