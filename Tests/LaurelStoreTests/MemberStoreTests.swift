import Foundation
import LaurelCore
import LaurelStore
import Testing

/// Members: unique external ids per program, program-scoped lookups, pagination and patches.
struct MemberStoreTests {
    @Test(arguments: StoreBackend.available)
    func createAndLookUpWithinTheProgram(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, programId: "prg_a")
        let store = fixture.store
        _ = try await store.createProgram(id: "prg_b", name: "B", now: StoreFixture.start)
        let member = MemberRecord(id: "mem_1", programId: "prg_a", externalId: "c-1", email: "ada@example.com", name: "Ada",
                                  birthday: "1990-05-17", attributes: ["size": .string("M"), "vip": .bool(true)],
                                  createdAt: StoreFixture.start, updatedAt: StoreFixture.start)
        let created = try await store.createMember(member, idempotency: nil)
        #expect(created.value == member)
        #expect(try await store.member(programId: "prg_a", id: "mem_1") == member)
        #expect(try await store.member(programId: "prg_a", externalId: "c-1") == member)

        await #expect(throws: StoreError.duplicateExternalId("c-1")) {
            var again = member
            again.id = "mem_2"
            _ = try await store.createMember(again, idempotency: nil)
        }
        #expect(try await store.member(programId: "prg_a", id: "mem_2") == nil)

        // The same external id in another program is another customer.
        var elsewhere = member
        elsewhere.id = "mem_3"
        elsewhere.programId = "prg_b"
        #expect(try await store.createMember(elsewhere, idempotency: nil).value == elsewhere)
        #expect(try await store.member(programId: "prg_b", externalId: "c-1")?.id == "mem_3")
        #expect(try await store.member(programId: "prg_a", externalId: "c-1")?.id == "mem_1")

        // Another program's member is not found, by id or by external id.
        #expect(try await store.member(programId: "prg_b", id: "mem_1") == nil)
        #expect(try await store.member(programId: "prg_a", id: "mem_3") == nil)
        #expect(try await store.member(programId: "prg_a", externalId: "c-missing") == nil)
        #expect(try await store.members(programId: "prg_b", limit: 10, startingAfter: nil).items.map(\.id) == ["mem_3"])
    }

    @Test(arguments: StoreBackend.available)
    func memberOfUnknownProgramIsRefused(backend: StoreBackend) async throws {
        let store = try await backend.makeStore()
        let member = MemberRecord(id: "mem_1", programId: "prg_missing", externalId: "c-1", createdAt: StoreFixture.start, updatedAt: StoreFixture.start)
        await #expect(throws: StoreError.notFound("program prg_missing")) { _ = try await store.createMember(member, idempotency: nil) }
    }

    /// Ids are made the way the API makes them, all in the same millisecond (as with a test clock, or under load).
    @Test(arguments: StoreBackend.available)
    func pagesFollowCreationOrder(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend)
        var created: [String] = []
        for index in 0..<8 { created.append(try await fixture.member("c-\(index)", now: StoreFixture.start).id) }

        var seen: [String] = []
        var cursor: String?
        var pages: [(count: Int, hasMore: Bool)] = []
        repeat {
            let page = try await fixture.store.members(programId: fixture.programId, limit: 3, startingAfter: cursor)
            pages.append((page.items.count, page.hasMore))
            seen += page.items.map(\.id)
            cursor = page.hasMore ? page.items.last?.id : nil
        } while cursor != nil && pages.count < 10
        #expect(seen == created, "members in creation order")
        #expect(pages.map(\.count) == [3, 3, 2])
        #expect(pages.map(\.hasMore) == [true, true, false])

        let exact = try await fixture.store.members(programId: fixture.programId, limit: 8, startingAfter: nil)
        #expect(exact.items.count == 8 && !exact.hasMore)
        let afterLast = try await fixture.store.members(programId: fixture.programId, limit: 8, startingAfter: created.last)
        #expect(afterLast.items.isEmpty && !afterLast.hasMore)
    }

    @Test(arguments: StoreBackend.available)
    func patchSetsClearsAndRemoves(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let store = fixture.store
        let member = try await fixture.member("c-1")
        let later = StoreFixture.at(hours: 1)
        let first = try await store.updateMember(programId: fixture.programId, id: member.id, patch: MemberPatch(
            email: "ada@example.com", name: "Ada", birthday: "1990-05-17", attributes: ["size": .string("M"), "tier": .string("gold")]), now: later, idempotency: nil).value!
        #expect(first.email == "ada@example.com" && first.name == "Ada" && first.birthday == "1990-05-17")
        #expect(first.attributes == ["size": .string("M"), "tier": .string("gold")])
        #expect(first.updatedAt == later && first.createdAt == StoreFixture.start)
        #expect(try await fixture.reload(member.id) == first)

        // null clears a field, an absent field stays, a null attribute is removed, others stay.
        let evenLater = StoreFixture.at(hours: 2)
        let second = try await store.updateMember(programId: fixture.programId, id: member.id, patch: MemberPatch(
            email: .some(nil), attributes: ["size": .null, "shoe": .number("42")], status: .blocked), now: evenLater, idempotency: nil).value!
        #expect(second.email == nil)
        #expect(second.name == "Ada" && second.birthday == "1990-05-17")
        #expect(second.attributes == ["tier": .string("gold"), "shoe": .number("42")])
        #expect(second.status == .blocked)
        #expect(second.updatedAt == evenLater)
        #expect(try await fixture.reload(member.id) == second)

        await #expect(throws: StoreError.notFound("member mem_missing")) {
            _ = try await store.updateMember(programId: fixture.programId, id: "mem_missing", patch: MemberPatch(name: "X"), now: later, idempotency: nil)
        }
        _ = try await store.createProgram(id: "prg_other", name: "Other", now: StoreFixture.start)
        await #expect(throws: StoreError.notFound("member \(member.id)")) {
            _ = try await store.updateMember(programId: "prg_other", id: member.id, patch: MemberPatch(name: "X"), now: later, idempotency: nil)
        }
        #expect(try await fixture.reload(member.id).name == "Ada")
    }
}
