import Foundation
import LaurelCore
import LaurelStore
import Testing

/// The console's member search (external id, or text anywhere in a name or email, starts first) and the reason a block keeps in
/// the audit trail.
struct MemberSearchStoreTests {
    @Test(arguments: StoreBackend.available)
    func findsByExternalIdOrTextInANameOrEmailWithinTheProgram(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, programId: "prg_a")
        let store = fixture.store
        _ = try await store.createProgram(id: "prg_b", name: "B", now: StoreFixture.start)
        func enrol(_ program: String, _ externalId: String, _ name: String?, _ email: String?) async throws -> String {
            let member = MemberRecord(id: Identifiers.make("mem"), programId: program, externalId: externalId, email: email, name: name,
                                      createdAt: StoreFixture.start, updatedAt: StoreFixture.start)
            return try #require(try await store.createMember(member, idempotency: nil).value).id
        }
        let ana = try await enrol("prg_a", "cust-1", "Ana Díaz", "ana@example.com")
        let andre = try await enrol("prg_a", "cust-2", "André Lima", "ANDRE@Example.com")
        let bob = try await enrol("prg_a", "cust-10", "Bob", nil)
        _ = try await enrol("prg_b", "cust-1", "Ana Other", "ana@example.com")
        func search(_ query: String) async throws -> [String] { try await store.searchMembers(programId: "prg_a", query: query, limit: 10).map(\.id) }
        #expect(try await search("an") == [ana, andre])
        #expect(try await search("AN") == [ana, andre])
        #expect(try await search("ana@") == [ana])
        #expect(try await search("andre@example") == [andre])
        #expect(try await search("cust-1") == [ana])
        #expect(try await search("cust-10") == [bob])
        #expect(try await search("zz").isEmpty)
        // In the middle of a name or an email too, after every match at the start.
        #expect(try await search("díaz") == [ana])
        #expect(try await search("lima") == [andre])
        #expect(try await search("EXAMPLE.COM") == [ana, andre])
        let dana = try await enrol("prg_a", "cust-3", "Dana", "dana@shop.example")
        #expect(try await search("an") == [ana, andre, dana], "prefix matches first, then the infix ones")
        #expect(try await search("ana") == [ana, dana])
        #expect(try await store.searchMembers(programId: "prg_a", query: "a", limit: 1).map(\.id) == [ana])
        // An infix match that sorts first by name still comes after every start; a limit the starts
        // fill leaves the infix ones out; an exact external id counts with the starts.
        let aaron = try await enrol("prg_a", "cust-4", "Aaron Bana", "aaron@shop.example")
        #expect(try await search("an") == [ana, andre, aaron, dana])
        #expect(try await store.searchMembers(programId: "prg_a", query: "an", limit: 2).map(\.id) == [ana, andre])
        #expect(try await store.searchMembers(programId: "prg_a", query: "an", limit: 3).map(\.id) == [ana, andre, aaron])
        let zed = try await enrol("prg_a", "an", "Zed", "zed@example.com")
        #expect(try await search("an") == [ana, andre, zed, aaron, dana])
        // A page's members by id in one read, of this program only.
        let other = try await enrol("prg_b", "cust-9", "Other", nil)
        let read = try await store.members(programId: "prg_a", ids: [bob, zed, other, "mem_none"])
        #expect(Set(read.map(\.id)) == [bob, zed] && read.first { $0.id == zed }?.name == "Zed")
        #expect(try await store.members(programId: "prg_a", ids: []).isEmpty)
    }

    @Test(arguments: StoreBackend.available)
    func aBlockKeepsItsReasonInTheAuditTrail(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, programId: "prg_a")
        let member = try await fixture.member("cust-1")
        _ = try await AuditActor.$current.withValue(AuditActor.staff("stf_1")) {
            try await fixture.store.updateMember(programId: "prg_a", id: member.id, patch: MemberPatch(status: .blocked, statusReason: "card shared"),
                                                 now: StoreFixture.at(hours: 1), idempotency: nil)
        }
        let entries = try await fixture.store.auditEntries(programId: "prg_a", filter: AuditFilter(action: "member.blocked"), limit: 10, startingAfter: nil)
        #expect(entries.items.map(\.actor) == ["staff:stf_1"])
        #expect(entries.items.first?.after == #"{"reason":"card shared","status":"blocked"}"#)
    }
}
