import Foundation
import LaurelCore
import LaurelStore
import Testing

/// Console users: email unique per program, password links that work once and until they expire.
struct StaffStoreTests {
    static func staff(_ id: String, email: String, program: String = "prg_a", role: StaffRole = .owner) -> StaffRecord {
        StaffRecord(id: id, programId: program, email: email, role: role, createdAt: StoreFixture.start)
    }

    static func token(_ hash: String, for staffId: String, hours: Double = 24) -> StaffPasswordTokenRecord {
        StaffPasswordTokenRecord(hash: hash, staffId: staffId, createdAt: StoreFixture.start, expiresAt: StoreFixture.at(hours: hours))
    }

    @Test(arguments: StoreBackend.available)
    func emailsAreUniquePerProgram(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, programId: "prg_a")
        let store = fixture.store
        _ = try await store.createProgram(id: "prg_b", name: "B", now: StoreFixture.start)
        try await store.createStaff(Self.staff("stf_1", email: "ana@example.com"), passwordToken: Self.token("h1", for: "stf_1"))
        await #expect(throws: StaffEmailTaken.self) {
            try await store.createStaff(Self.staff("stf_2", email: "ana@example.com", role: .support), passwordToken: Self.token("h2", for: "stf_2"))
        }
        // The same email in another program is another user.
        try await store.createStaff(Self.staff("stf_3", email: "ana@example.com", program: "prg_b"), passwordToken: Self.token("h3", for: "stf_3"))
        await #expect(throws: StoreError.self) {
            try await store.createStaff(Self.staff("stf_4", email: "x@example.com", program: "prg_none"), passwordToken: Self.token("h4", for: "stf_4"))
        }
        #expect(try await store.staff(programId: "prg_a", email: "ana@example.com")?.id == "stf_1")
        #expect(try await store.staff(programId: "prg_b", email: "ana@example.com")?.id == "stf_3")
        #expect(try await store.staff(id: "stf_2") == nil)
        #expect(try await store.staff(email: "ana@example.com").map(\.id) == ["stf_1", "stf_3"])
        #expect(try await store.setStaffDisabled(id: "stf_1", disabled: true)?.disabled == true)
        #expect(try await store.staff(id: "stf_1")?.disabled == true)
        #expect(try await store.setStaffDisabled(id: "stf_1", disabled: false)?.disabled == false)
        #expect(try await store.setStaffDisabled(id: "stf_none", disabled: true) == nil)
        #expect(try await store.staffList(programId: "prg_a") == [Self.staff("stf_1", email: "ana@example.com")])
        #expect(try await store.staffList(programId: nil).map(\.id) == ["stf_1", "stf_3"])
    }

    @Test(arguments: StoreBackend.available)
    func aPasswordLinkWorksOnceAndUntilItExpires(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, programId: "prg_a")
        let store = fixture.store
        try await store.createStaff(Self.staff("stf_1", email: "ana@example.com"), passwordToken: Self.token("first", for: "stf_1", hours: 24))
        try await store.addStaffPasswordToken(Self.token("short", for: "stf_1", hours: 1))
        #expect(try await store.staffForPasswordToken(hash: "first", now: StoreFixture.at(hours: 2))?.id == "stf_1")
        #expect(try await store.staffForPasswordToken(hash: "unknown", now: StoreFixture.start) == nil)
        // Expired: nothing changes.
        #expect(try await store.staffForPasswordToken(hash: "short", now: StoreFixture.at(hours: 1)) == nil)
        #expect(try await store.setStaffPassword(tokenHash: "short", passwordHash: "p0", now: StoreFixture.at(hours: 1)) == nil)
        #expect(try await store.staff(id: "stf_1")?.passwordHash == nil)
        // Used once: the password is set, and the link is spent.
        let set = try await store.setStaffPassword(tokenHash: "first", passwordHash: "p1", now: StoreFixture.at(hours: 2))
        #expect(set?.passwordHash == "p1")
        #expect(try await store.setStaffPassword(tokenHash: "first", passwordHash: "p2", now: StoreFixture.at(hours: 3)) == nil)
        #expect(try await store.staffForPasswordToken(hash: "first", now: StoreFixture.at(hours: 3)) == nil)
        #expect(try await store.staff(id: "stf_1")?.passwordHash == "p1")
        await #expect(throws: StoreError.self) { try await store.addStaffPasswordToken(Self.token("orphan", for: "stf_none")) }
    }
}
