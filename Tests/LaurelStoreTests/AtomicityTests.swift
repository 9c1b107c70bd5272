import Foundation
import LaurelCore
import LaurelStore
import Testing

/// A write that fails changes nothing: no event, entries, lots, balances or idempotency key are left behind,
/// even when it failed after the core had already settled due points in memory.
struct AtomicityTests {
    static let program = """
        name: Atomicity
        currency: EUR
        points:
          pending_days: 2
          expiry: {policy: after_days, days: 30}
        earning_rules:
          - id: spend
            event: purchase
            effect: {type: points_per_amount, points: 1, per: 1}
        """

    enum FailingWrite: String, CaseIterable, Sendable {
        case returnLargerThanPurchase, unknownMember, debitBeyondBalance, transferBeyondBalance, eventWhoseResponseFails
    }

    /// Everything a failed write could have touched, as the protocol shows it.
    struct Snapshot: Equatable {
        var members: [MemberRecord]
        var entries: [[LedgerEntryRecord]]
        var summaries: [PointsSummary]
        var audit: [String]

        init(_ fixture: StoreFixture, _ memberIds: [String], now: Date) async throws {
            members = []
            entries = []
            summaries = []
            for id in memberIds {
                members.append(try await fixture.reload(id))
                entries.append(try await fixture.entries(id))
                summaries.append(try await fixture.store.pointsSummary(programId: fixture.programId, memberId: id, now: now, expiringWithin: 60 * 86_400))
            }
            audit = try await fixture.audit()
        }
    }

    @Test(arguments: StoreBackend.available, FailingWrite.allCases)
    func failedWriteLeavesNothingBehind(backend: StoreBackend, write: FailingWrite) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let first = try await fixture.member("c-1")
        let second = try await fixture.member("c-2")
        let purchase = try await fixture.record(StoreFixture.purchase(total: "100", at: StoreFixture.start), memberId: first.id)
        _ = try await fixture.store.adjust(programId: fixture.programId, memberId: first.id, id: "adj_0", points: 30, reason: "welcome",
                                           actor: "staff", now: StoreFixture.start, idempotency: nil)
        // The purchase's points are due to mature: every write settles first, in memory.
        let now = StoreFixture.at(days: 3)
        let before = try await Snapshot(fixture, [first.id, second.id], now: now)
        #expect(before.members[0].pending == 100 && before.audit == [])

        let key = "key-\(write.rawValue)"
        let failing: Idempotency<EventRecord> = idempotency(key, fingerprint: "failing")
        var eventId: String?
        do {
            switch write {
            case .returnLargerThanPurchase:
                let event = StoreFixture.returnOf(purchase.id, amount: "100.01", at: now)
                eventId = event.id
                _ = try await fixture.send(event, memberId: first.id, now: now, idempotency: failing)
            case .unknownMember:
                let event = StoreFixture.purchase(total: "10", at: now)
                eventId = event.id
                _ = try await fixture.send(event, memberId: "mem_missing", now: now, idempotency: failing)
            case .debitBeyondBalance:
                _ = try await fixture.store.adjust(programId: fixture.programId, memberId: first.id, id: "adj_1", points: -131, reason: "too much",
                                                   actor: "staff", now: now, idempotency: idempotency(key, fingerprint: "failing"))
            case .transferBeyondBalance:
                _ = try await fixture.store.transfer(programId: fixture.programId, id: "trf_1", from: first.id, to: second.id, points: 131, now: now,
                                                     idempotency: idempotency(key, fingerprint: "failing"))
            case .eventWhoseResponseFails:
                let event = StoreFixture.purchase(total: "10", at: now)
                eventId = event.id
                _ = try await fixture.send(event, memberId: first.id, now: now,
                                           idempotency: Idempotency(key: key, fingerprint: "failing") { _ in throw RenderFailure() })
            }
            Issue.record("\(write) succeeded")
        } catch {
            switch (write, error) {
            case (.returnLargerThanPurchase, EventProcessingError.refundExceedsPurchase), (.unknownMember, StoreError.notFound),
                 (.debitBeyondBalance, LedgerError.insufficientPoints(available: 130, requested: 131)),
                 (.transferBeyondBalance, LedgerError.insufficientPoints(available: 130, requested: 131)), (.eventWhoseResponseFails, is RenderFailure):
                break
            default:
                Issue.record("\(write) failed with an unexpected error: \(error)")
            }
        }

        #expect(try await Snapshot(fixture, [first.id, second.id], now: now) == before)
        if let eventId { #expect(try await fixture.store.event(programId: fixture.programId, id: eventId) == nil) }
        // The key was not kept: a different request under it is a fresh write.
        let retry = try await fixture.send(StoreFixture.purchase(total: "1", at: now), memberId: second.id, now: now,
                                           idempotency: idempotency(key, fingerprint: "another"))
        #expect(retry.value != nil)
        #expect(try await fixture.audit() == [])
    }

    /// Concurrent writes share commits on SQLite (group commit): the ones that fail among them leave
    /// nothing behind and take nothing of their neighbours with them.
    @Test(arguments: StoreBackend.available)
    func failedWritesAmongConcurrentOnesLeaveOnlyThemselvesOut(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let member = try await fixture.member("c-1")
        let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<90 {
                group.addTask {
                    let event = StoreFixture.purchase(total: "\(index + 1)", at: StoreFixture.start, id: "evt_\(index)")
                    do {
                        // Every third write fails after its rows are written (its response cannot be rendered);
                        // every fifth reuses a key with another request.
                        let key = index % 5 == 0 ? "shared-key" : "key-\(index)"
                        let keyed: Idempotency<EventRecord> = index % 3 == 0
                            ? Idempotency(key: key, fingerprint: "fp-\(index)") { _ in throw RenderFailure() }
                            : idempotency(key, fingerprint: "fp-\(index)")
                        _ = try await fixture.send(event, memberId: member.id, now: StoreFixture.start, idempotency: keyed)
                        return (index, true)
                    } catch is StoreError {
                        return (index, false)
                    } catch is RenderFailure {
                        return (index, false)
                    }
                }
            }
            return try await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        let recorded = outcomes.filter(\.value).map(\.key).sorted()
        // 60 can succeed; of the 12 of those sharing a key, only the first to commit was recorded.
        #expect(recorded.count == 49)
        #expect(recorded.allSatisfy { $0 % 3 != 0 })
        #expect(recorded.filter { $0 % 5 == 0 }.count == 1)
        for index in 0..<90 {
            let stored = try await fixture.store.event(programId: fixture.programId, id: "evt_\(index)")
            #expect((stored != nil) == recorded.contains(index), "evt_\(index)")
        }
        let reloaded = try await fixture.reload(member.id)
        #expect(reloaded.pending == recorded.map { $0 + 1 }.reduce(0, +))
        #expect(try await fixture.audit() == [])
    }

    /// The store keeps parsed versions in memory; a version whose transaction failed must not be served from there.
    @Test(arguments: StoreBackend.available)
    func failedApplyLeavesNoVersion(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let member = try await fixture.member("c-1")
        let source = Self.program.replacingOccurrences(of: "points: 1, per: 1", with: "points: 5, per: 1")
        let definition = try ProgramDefinition.parse(source)
        await #expect(throws: RenderFailure.self) {
            try await fixture.store.applyProgram(id: fixture.programId, definition: definition, source: source, now: StoreFixture.start,
                                                 idempotency: Idempotency(key: "apply", fingerprint: "fp") { _ in throw RenderFailure() })
        }
        #expect(try await fixture.store.program(id: fixture.programId)?.currentVersion == 1)
        #expect(try await fixture.store.programVersion(programId: fixture.programId, version: 2) == nil)
        #expect(try await fixture.store.programVersions(programId: fixture.programId).map(\.version) == [1])
        let recorded = try await fixture.record(StoreFixture.purchase(total: "10", at: StoreFixture.start), memberId: member.id)
        #expect(recorded.programVersion == 1 && recorded.outcome.pointsEarned == 10)
    }
}
