import Foundation
import LaurelCore
import LaurelStore
import Testing

/// API keys: stored by hash, listed per program, revoked once.
struct APIKeyStoreTests {
    static func key(_ id: String, program: String, scope: APIScope = .integration) -> APIKeyRecord {
        APIKeyRecord(id: id, programId: program, scope: scope, name: "name of \(id)", prefix: "lk_\(id.prefix(4))", hash: "hash-of-\(id)",
                     createdAt: StoreFixture.start)
    }

    @Test(arguments: StoreBackend.available)
    func insertLookUpListAndRevoke(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, programId: "prg_a")
        let store = fixture.store
        _ = try await store.createProgram(id: "prg_b", name: "B", now: StoreFixture.start)
        let first = Self.key("key_1", program: "prg_a", scope: .admin)
        let second = Self.key("key_2", program: "prg_a", scope: .read)
        let other = Self.key("key_3", program: "prg_b")
        for key in [second, first, other] { try await store.insertAPIKey(key) }

        #expect(try await store.apiKey(hash: "hash-of-key_1") == first)
        #expect(try await store.apiKey(hash: "hash-of-key_3") == other)
        #expect(try await store.apiKey(hash: "hash-of-nothing") == nil)
        #expect(try await store.apiKeys(programId: "prg_a") == [first, second])
        #expect(try await store.apiKeys(programId: "prg_b") == [other])
        #expect(try await store.apiKeys(programId: nil).count == 3)

        let revokedAt = StoreFixture.at(days: 1)
        #expect(try await store.revokeAPIKey(id: "key_1", now: revokedAt))
        #expect(try await store.apiKey(hash: "hash-of-key_1")?.revokedAt == revokedAt)
        #expect(try await store.revokeAPIKey(id: "key_1", now: StoreFixture.at(days: 2)) == false)
        #expect(try await store.apiKey(hash: "hash-of-key_1")?.revokedAt == revokedAt, "a second revoke keeps the first date")
        #expect(try await store.revokeAPIKey(id: "key_missing", now: revokedAt) == false)
        #expect(try await store.apiKey(hash: "hash-of-key_2")?.revokedAt == nil)
    }

    @Test(arguments: StoreBackend.available)
    func keyOfUnknownProgramIsRefused(backend: StoreBackend) async throws {
        let store = try await backend.makeStore()
        await #expect(throws: StoreError.notFound("program prg_missing")) {
            try await store.insertAPIKey(Self.key("key_1", program: "prg_missing"))
        }
        #expect(try await store.apiKeys(programId: nil).isEmpty)
    }
}
