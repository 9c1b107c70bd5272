import Foundation
import LaurelCore
import LaurelStore
import LaurelTestSupport
import Testing

/// The SQLite writer's judging cache (`JudgingCache`) may change nothing but speed. The same
/// seeded history (purchases, limited events arriving late, returns, tiers over a rolling window)
/// goes to a store with the cache and to one without, mixed with every other way a member's lots,
/// awards and tier contributions change: adjustments, transfers, the settlement and tier jobs,
/// writes that fail after writing their rows (their transaction is rolled back), an import, and
/// adjustments made through a second store on the same file, as another process would. Every
/// answer, and in the end everything the stores keep, must be equal.
struct JudgingCacheTests {
    struct RenderFailure: Error {}

    /// A store on a file of its own with `ImportEquivalenceTests`' program and members.
    static func fixture(capacity: Int, members: Int) async throws -> (fixture: StoreFixture, path: String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-judging-\(UUID().uuidString).db").path
        let store = try SQLiteStore(path: path, judgingCacheCapacity: capacity)
        try await store.migrate()
        _ = try await store.createProgram(id: "prg_test", name: "Judging cache", now: StoreFixture.start)
        let fixture = StoreFixture(store: store, programId: "prg_test")
        try await fixture.apply(ImportEquivalenceTests.program)
        for number in 0..<members {
            let record = MemberRecord(id: "mem_\(number)", programId: fixture.programId, externalId: "c-\(number)",
                                      status: number == members - 1 ? .blocked : .active, createdAt: StoreFixture.start, updatedAt: StoreFixture.start)
            _ = try await store.createMember(record, idempotency: nil)
        }
        return (fixture, path)
    }

    /// What a write answered, comparable between the two stores.
    static func answer<T: Sendable>(_ write: () async throws -> T, _ describe: (T) -> String) async -> String {
        do {
            return describe(try await write())
        } catch {
            return "failed: \(error)"
        }
    }

    /// The other writes of the mix, by the number that picks them (the rest: the event alone).
    static let otherWrites = ["adjust", "adjust elsewhere", "transfer", "rolled back", "settle", "review tiers", "import"]

    /// Capacity 2 keeps one member per generation, so entries are dropped and read again all the time.
    @Test(arguments: [4096, 2], Array(UInt64(1)...4))
    func theCacheChangesNothingButSpeed(capacity: Int, seed: UInt64) async throws {
        let members = 6
        let lines = ImportEquivalenceTests.history(seed: seed, members: members, count: 300)
        let (cached, path) = try await Self.fixture(capacity: capacity, members: members)
        let (uncached, uncachedPath) = try await Self.fixture(capacity: 0, members: members)
        defer { StoreFixture.removeFile(path); StoreFixture.removeFile(uncachedPath) }
        // Another process on the cached store's file, and its twin on the other's.
        let otherProcess = StoreFixture(store: try SQLiteStore(path: path), programId: cached.programId)
        let otherTwin = StoreFixture(store: try SQLiteStore(path: uncachedPath), programId: uncached.programId)
        var random = SplitMix64(seed: seed ^ 0xcac4e)
        var done: [String: Int] = [:]

        for (step, line) in lines.enumerated() {
            let context = "capacity \(capacity), seed \(seed), step \(step)"
            let memberId = line.memberId ?? "mem_nobody"
            let now = line.event.occurredAt + 0.000_37
            // Something else changes a member the cache may hold, now and then.
            let other = "mem_\(Int.random(in: 0..<members, using: &random))"
            let points = Int.random(in: -60...60, using: &random)
            let kind = Int.random(in: 0..<(Self.otherWrites.count + 5), using: &random)
            var answers: [String] = []
            for (fixture, twin) in [(cached, otherProcess), (uncached, otherTwin)] {
                let store = fixture.store, programId = fixture.programId
                var answer = ""
                switch kind {
                case 0:
                    answer = await Self.answer({
                        try await store.adjust(programId: programId, memberId: other, id: "adj_\(step)", points: points == 0 ? 1 : points,
                                               reason: "test", actor: "staff", now: now, idempotency: nil).value
                    }, { "adjusted \($0?.balanceAfter.available ?? -1)" })
                case 1:
                    answer = await Self.answer({
                        try await twin.store.adjust(programId: programId, memberId: other, id: "adj_\(step)", points: points == 0 ? 1 : points,
                                                    reason: "other process", actor: "staff", now: now, idempotency: nil).value
                    }, { "adjusted elsewhere \($0?.balanceAfter.available ?? -1)" })
                case 2:
                    answer = await Self.answer({
                        try await store.transfer(programId: programId, id: "trf_\(step)", from: other, to: memberId, points: abs(points) + 1,
                                                 now: now, idempotency: nil).value
                    }, { "transferred \($0?.points ?? -1)" })
                case 3:
                    answer = await Self.answer({
                        // An event of the same member whose response cannot be rendered: its rows are rolled back.
                        try await fixture.send(StoreFixture.purchase(total: "250", at: line.event.occurredAt, id: "evt_failing_\(step)"),
                                               memberId: memberId, now: now,
                                               idempotency: Idempotency(key: "key-\(step)", fingerprint: "fp") { _ in throw RenderFailure() })
                    }, { "not rolled back: \($0)" })
                case 4:
                    answer = await Self.answer({ try await store.settleDuePoints(now: now + 86_400, batchSize: 100) }, { "settled \($0)" })
                case 5:
                    answer = await Self.answer({ try await store.reviewTiers(now: now, batchSize: 100) }, { "reviewed \($0)" })
                case 6:
                    let imported = StoreFixture.named("review", at: line.event.occurredAt, id: "evt_imported_\(step)")
                    answer = await Self.answer({
                        try await store.importEvents(programId: programId, events: [
                            ImportedEvent(member: .id(other), event: imported) { StoreFixture.payload(imported, memberId: $0) },
                        ], now: now)
                    }, { "imported \($0)" })
                default:
                    break
                }
                answer += " / " + (await Self.answer({ try await fixture.record(line.event, memberId: memberId, now: now) },
                                                     { "\($0.status) \($0.points) \($0.outcome)" }))
                answers.append(answer)
            }
            #expect(answers[0] == answers[1], "\(context)")
            if answers[0] != answers[1] { return }
            done[kind < Self.otherWrites.count ? Self.otherWrites[kind] : "event only", default: 0] += 1
        }
        for kind in Self.otherWrites {
            #expect(done[kind, default: 0] > 0, "seed \(seed) never did a \(kind): \(done)")
        }
        try await ImportEquivalenceTests.expectEqual(cached, uncached, lines: lines, members: members, at: lines.last!.event.occurredAt,
                                                     "capacity \(capacity), seed \(seed)", sequences: false)
    }
}
