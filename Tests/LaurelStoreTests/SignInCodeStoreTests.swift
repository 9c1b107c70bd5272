import Foundation
import LaurelCore
import LaurelStore
import Testing

/// Sign-in codes on both databases: one live code per member with its outbox message, spent by the
/// right hash once, burned by the last allowed wrong try, refused once expired; members found by
/// external id or by email ignoring case.
struct SignInCodeStoreTests {
    static let maxAttempts = 3

    static func code(_ fixture: StoreFixture, _ member: MemberRecord, hash: String, at date: Date = StoreFixture.start) -> SignInCodeRecord {
        SignInCodeRecord(id: Identifiers.make("sic", now: date), programId: fixture.programId, memberId: member.id, codeHash: hash,
                         createdAt: date, expiresAt: date.addingTimeInterval(600))
    }

    static func enrol(_ fixture: StoreFixture, _ externalId: String, email: String?) async throws -> MemberRecord {
        let now = StoreFixture.start
        let record = MemberRecord(id: Identifiers.make("mem", now: now), programId: fixture.programId, externalId: externalId, email: email,
                                  name: "Ana", attributes: ["locale": .string("tr")], status: .active, createdAt: now, updatedAt: now)
        return try #require(try await fixture.store.createMember(record, idempotency: nil).value)
    }

    @Test(arguments: StoreBackend.available)
    func membersAreFoundByExternalIdOrEmailIgnoringCase(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let ana = try await Self.enrol(fixture, "cust-1", email: "Ana@Example.com")
        _ = try await Self.enrol(fixture, "cust-2", email: "ana@example.com")
        let store = fixture.store
        #expect(try await store.signInMember(programId: fixture.programId, identifier: "cust-1")?.id == ana.id)
        // Two members share the address: the earliest enrolled.
        #expect(try await store.signInMember(programId: fixture.programId, identifier: "ANA@example.COM")?.id == ana.id)
        #expect(try await store.signInMember(programId: fixture.programId, identifier: "bob@example.com") == nil)
        _ = try await store.createProgram(id: "prg_other", name: "Other", now: StoreFixture.start)
        #expect(try await store.signInMember(programId: "prg_other", identifier: "cust-1") == nil)
    }

    @Test(arguments: StoreBackend.available)
    func aCodeIsWrittenWithItsMessageAndSpentOnce(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let ana = try await Self.enrol(fixture, "cust-1", email: "ana@example.com")
        let store = fixture.store
        let code = Self.code(fixture, ana, hash: "h-123456")
        try await store.issueSignInCode(code, plainCode: "123456", member: ana)
        let message = try #require(try await store.outbox(programId: fixture.programId, limit: 10, startingAfter: nil).items.last)
        #expect(message.type == MessageType.memberSignInCode && message.memberId == ana.id)
        #expect(message.payload == """
            {"code":"123456","email":"ana@example.com","expires_at":"2026-03-02T10:10:00.000Z","external_id":"cust-1",\
            "locale":"tr","member_id":"\(ana.id)","name":"Ana"}
            """)
        let now = StoreFixture.at(hours: 0.1)
        #expect(try await store.checkSignInCode(programId: fixture.programId, memberId: ana.id, codeHash: "h-123456", now: now,
                                                maxAttempts: Self.maxAttempts) == .accepted)
        #expect(try await store.checkSignInCode(programId: fixture.programId, memberId: ana.id, codeHash: "h-123456", now: now,
                                                maxAttempts: Self.maxAttempts) == .noCode)
    }

    @Test(arguments: StoreBackend.available)
    func wrongTriesBurnTheCodeAndANewCodeReplacesTheOld(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let ana = try await Self.enrol(fixture, "cust-1", email: "ana@example.com")
        let store = fixture.store
        func check(_ hash: String) async throws -> SignInCodeCheck {
            try await store.checkSignInCode(programId: fixture.programId, memberId: ana.id, codeHash: hash, now: StoreFixture.start,
                                            maxAttempts: Self.maxAttempts)
        }
        try await store.issueSignInCode(Self.code(fixture, ana, hash: "h-1"), plainCode: "1", member: ana)
        #expect(try await check("h-x") == .wrong(attemptsLeft: 2))
        #expect(try await check("h-y") == .wrong(attemptsLeft: 1))
        #expect(try await check("h-z") == .burned)
        // Burned: even the right code no longer signs in.
        #expect(try await check("h-1") == .noCode)
        // A second code makes the first one useless.
        try await store.issueSignInCode(Self.code(fixture, ana, hash: "h-2"), plainCode: "2", member: ana)
        try await store.issueSignInCode(Self.code(fixture, ana, hash: "h-3"), plainCode: "3", member: ana)
        #expect(try await check("h-2") == .wrong(attemptsLeft: 2))
        #expect(try await check("h-3") == .accepted)
    }

    @Test(arguments: StoreBackend.available)
    func anExpiredCodeIsRefused(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let ana = try await Self.enrol(fixture, "cust-1", email: "ana@example.com")
        try await fixture.store.issueSignInCode(Self.code(fixture, ana, hash: "h-1"), plainCode: "1", member: ana)
        #expect(try await fixture.store.checkSignInCode(programId: fixture.programId, memberId: ana.id, codeHash: "h-1",
                                                        now: StoreFixture.start.addingTimeInterval(600), maxAttempts: Self.maxAttempts) == .noCode)
    }
}
