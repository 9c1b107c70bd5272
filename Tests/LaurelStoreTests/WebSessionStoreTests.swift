import Foundation
import LaurelStore
import Testing

/// Web sessions: found by their cookie's hash until they expire; expired ones are swept when a new
/// session starts; deleted one by one or per subject.
struct WebSessionStoreTests {
    static func session(_ hash: String, subject: String = "stf_1", kind: WebSessionRecord.Kind = .staff, expiresIn days: Double = 1) -> WebSessionRecord {
        WebSessionRecord(tokenHash: hash, programId: "prg_a", kind: kind, subjectId: subject, csrfToken: "csrf_\(hash)",
                         createdAt: StoreFixture.start, expiresAt: StoreFixture.at(days: days))
    }

    @Test(arguments: StoreBackend.available)
    func sessionsAreFoundUntilTheyExpireAndSweptAfter(backend: StoreBackend) async throws {
        let store = try await StoreFixture.make(backend, programId: "prg_a").store
        let short = Self.session("h_short", expiresIn: 1)
        let long = Self.session("h_long", subject: "mem_1", kind: .member, expiresIn: 10)
        try await store.insertWebSession(short, now: StoreFixture.start)
        try await store.insertWebSession(long, now: StoreFixture.start)
        #expect(try await store.webSession(tokenHash: "h_short", now: StoreFixture.start) == short)
        #expect(try await store.webSession(tokenHash: "h_long", now: StoreFixture.start) == long)
        #expect(try await store.webSession(tokenHash: "h_none", now: StoreFixture.start) == nil)
        #expect(try await store.webSession(tokenHash: "h_short", now: StoreFixture.at(days: 1)) == nil, "expired at its expiry")

        // A new session sweeps expired ones: reinserting the expired hash is then possible.
        try await store.insertWebSession(Self.session("h_short", expiresIn: 5), now: StoreFixture.at(days: 2))
        #expect(try await store.webSession(tokenHash: "h_short", now: StoreFixture.at(days: 2))?.expiresAt == StoreFixture.at(days: 5))

        try await store.deleteWebSession(tokenHash: "h_short")
        #expect(try await store.webSession(tokenHash: "h_short", now: StoreFixture.at(days: 2)) == nil)
        try await store.deleteWebSessions(programId: "prg_a", kind: .staff, subjectId: "mem_1")
        #expect(try await store.webSession(tokenHash: "h_long", now: StoreFixture.at(days: 2)) != nil, "another kind's subject is kept")
        try await store.deleteWebSessions(programId: "prg_a", kind: .member, subjectId: "mem_1")
        #expect(try await store.webSession(tokenHash: "h_long", now: StoreFixture.at(days: 2)) == nil)
    }

    @Test(arguments: StoreBackend.available)
    func aSessionOfAnUnknownProgramIsRefused(backend: StoreBackend) async throws {
        let store = try await backend.makeStore()
        await #expect(throws: (any Error).self) { try await store.insertWebSession(Self.session("h"), now: StoreFixture.start) }
    }
}
