import Foundation
import LaurelCore
import LaurelStore
import Testing

/// Manual adjustments by staff, and transfers between members.
struct AdjustmentAndTransferTests {
    static let program = """
        name: Adjustments and transfers
        currency: EUR
        points:
          expiry: {policy: after_days, days: 30}
        earning_rules:
          - id: spend
            event: purchase
            effect: {type: points_per_amount, points: 1, per: 1}
          - id: review
            event: review
            effect: {type: fixed_points, points: 10}
        """

    static let days: TimeInterval = 86_400

    @Test(arguments: StoreBackend.available)
    func creditAndDebitRecordActorAndReason(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let member = try await fixture.member("c-1")
        let now = StoreFixture.at(hours: 1)
        let credit = try #require(try await fixture.store.adjust(programId: fixture.programId, memberId: member.id, id: "adj_1", points: 50,
                                                                 reason: "goodwill", actor: "staff:ann", now: now, idempotency: nil).value)
        #expect(credit.id == "adj_1" && credit.memberId == member.id && credit.points == 50 && credit.createdAt == now)
        #expect(credit.reason == "goodwill" && credit.actor == "staff:ann" && credit.balanceAfter.pair == [50, 0])
        let debit = try #require(try await fixture.store.adjust(programId: fixture.programId, memberId: member.id, id: "adj_2", points: -20,
                                                                reason: "duplicate credit", actor: "staff:bob", now: now, idempotency: nil).value)
        #expect(debit.balanceAfter.pair == [30, 0])

        let entries = try await fixture.entries(member.id)
        #expect(entries.count == 2)
        let (credited, debited) = (entries[0], entries[1])
        #expect(credited.entry.kind == .adjust && credited.entry.from == .adjusted && credited.entry.to == .available(member: member.id))
        #expect(credited.entry.points == 50 && credited.entry.sourceId == "adj_1")
        #expect(credited.actor == "staff:ann" && credited.reason == "goodwill" && credited.programVersion == 1)
        #expect(debited.entry.kind == .adjust && debited.entry.from == .available(member: member.id) && debited.entry.to == .adjusted)
        #expect(debited.entry.points == 20 && debited.actor == "staff:bob" && debited.reason == "duplicate credit")

        // A credit expires by the program's policy like earned points.
        let summary = try await fixture.store.pointsSummary(programId: fixture.programId, memberId: member.id, now: now, expiringWithin: 31 * Self.days)
        #expect(dated(summary.expiring) == dated((now + 30 * Self.days, 30)))

        await #expect(throws: LedgerError.insufficientPoints(available: 30, requested: 31)) {
            try await fixture.store.adjust(programId: fixture.programId, memberId: member.id, id: "adj_3", points: -31, reason: "too much",
                                           actor: "staff:bob", now: now, idempotency: nil)
        }
        #expect(try await fixture.entries(member.id) == entries)
        #expect(try await fixture.reload(member.id).available == 30)
        #expect(try await fixture.audit() == [])
    }

    @Test(arguments: StoreBackend.available)
    func transferKeepsEachLotsExpiry(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let sender = try await fixture.member("c-1")
        let receiver = try await fixture.member("c-2")
        let t0 = StoreFixture.start
        try await fixture.record(StoreFixture.purchase(total: "100", at: t0), memberId: sender.id)
        try await fixture.record(StoreFixture.named("review", at: t0 + 10 * Self.days), memberId: sender.id)
        let now = t0 + 12 * Self.days
        let transfer = try #require(try await fixture.store.transfer(programId: fixture.programId, id: "trf_1", from: sender.id, to: receiver.id,
                                                                     points: 105, now: now, idempotency: nil).value)
        #expect(transfer.id == "trf_1" && transfer.fromMemberId == sender.id && transfer.toMemberId == receiver.id)
        #expect(transfer.points == 105 && transfer.createdAt == now)

        let summary = { (member: String) in
            try await fixture.store.pointsSummary(programId: fixture.programId, memberId: member, now: now, expiringWithin: 60 * Self.days)
        }
        let received = try await summary(receiver.id), kept = try await summary(sender.id)
        #expect(dated(received.expiring) == dated((t0 + 30 * Self.days, 100), (t0 + 40 * Self.days, 5)))
        #expect(dated(kept.expiring) == dated((t0 + 40 * Self.days, 5)))
        #expect(try await fixture.reload(sender.id).available == 5)
        #expect(try await fixture.reload(receiver.id).available == 105)
        #expect(try await fixture.reload(receiver.id).lifetimeEarned == 0, "received points were not earned")

        // Both members see the transfer in their ledgers.
        let moved = try await fixture.entries(receiver.id)
        #expect(moved.map(\.entry.kind) == [.transfer, .transfer])
        #expect(moved.allSatisfy { $0.entry.from == .available(member: sender.id) && $0.entry.to == .available(member: receiver.id) })
        #expect(try await fixture.entries(sender.id).filter { $0.entry.kind == .transfer } == moved)
        #expect(try await fixture.balancesFromEntries(sender.id) == (5, 0))
        #expect(try await fixture.balancesFromEntries(receiver.id) == (105, 0))
        #expect(try await fixture.audit() == [])

        // The transferred points expire when the originals would have.
        try await fixture.settle(now: t0 + 31 * Self.days)
        #expect(try await fixture.reload(receiver.id).available == 5)
        #expect(try await fixture.balancesFromEntries(receiver.id) == (5, 0))
        #expect(try await fixture.audit() == [])
    }

    @Test(arguments: StoreBackend.available)
    func refusedTransfersChangeNothing(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let sender = try await fixture.member("c-1")
        let receiver = try await fixture.member("c-2")
        let blocked = try await fixture.member("c-3", status: .blocked)
        try await fixture.record(StoreFixture.purchase(total: "50", at: StoreFixture.start), memberId: sender.id)
        let now = StoreFixture.at(days: 1)
        let before = try await [fixture.entries(sender.id), fixture.entries(receiver.id)]

        await #expect(throws: StoreError.sameMember) {
            try await fixture.store.transfer(programId: fixture.programId, id: "trf_1", from: sender.id, to: sender.id, points: 10, now: now, idempotency: nil)
        }
        await #expect(throws: LedgerError.insufficientPoints(available: 50, requested: 51)) {
            try await fixture.store.transfer(programId: fixture.programId, id: "trf_2", from: sender.id, to: receiver.id, points: 51, now: now, idempotency: nil)
        }
        await #expect(throws: StoreError.notFound("member mem_missing")) {
            try await fixture.store.transfer(programId: fixture.programId, id: "trf_3", from: sender.id, to: "mem_missing", points: 5, now: now, idempotency: nil)
        }
        await #expect(throws: StoreError.memberBlocked(blocked.id)) {
            try await fixture.store.transfer(programId: fixture.programId, id: "trf_4", from: sender.id, to: blocked.id, points: 5, now: now, idempotency: nil)
        }
        await #expect(throws: LedgerError.invalidPoints(0)) {
            try await fixture.store.transfer(programId: fixture.programId, id: "trf_5", from: sender.id, to: receiver.id, points: 0, now: now, idempotency: nil)
        }
        #expect(try await [fixture.entries(sender.id), fixture.entries(receiver.id)] == before)
        #expect(try await fixture.reload(sender.id).available == 50)
        #expect(try await fixture.reload(receiver.id).available == 0)
        #expect(try await fixture.entries(blocked.id).isEmpty)
        #expect(try await fixture.audit() == [])
    }
}
