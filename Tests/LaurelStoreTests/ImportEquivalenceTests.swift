import Foundation
import LaurelCore
import LaurelStore
import LaurelTestSupport
import Testing

/// `importEvents` must judge every event exactly as the API does (on SQLite it judges a batch in
/// memory, `SQLiteImportBatch`). A seeded random history (purchases, limited events arriving late,
/// returns, unknown members and purchases, a blocked member, tiers rising and falling over a rolling
/// window) is imported in random batches into one store and sent event by event into another; the
/// answers and everything the stores keep (members, tiers and when they are checked next, ledger,
/// lots, events, tier history, outbox) must be equal.
struct ImportEquivalenceTests {
    static let program = RandomWorkloadTests.program + """

        tiers:
          basis: amount_spent
          window: {rolling_months: 1}
          downgrade: {policy: automatic}
          levels:
            - {id: bronze, threshold: 0}
            - {id: silver, threshold: 600, benefits: {earning_multiplier: 1.5}}
            - {id: gold, threshold: 1500, benefits: {bonus_points: 25, earning_multiplier: 2}}
        """

    /// One line of the history: the event, how it names its member, and the member it belongs to (nil: unknown).
    struct Line {
        var event: LoyaltyEvent
        var member: ImportedEvent.Member
        var memberId: String?
    }

    static func history(seed: UInt64, members: Int, count: Int) -> [Line] {
        var random = SplitMix64(seed: seed)
        var lines: [Line] = []
        var purchases: [(id: String, memberId: String, total: Int64)] = []
        var now = StoreFixture.start
        for index in 0..<count {
            // Mostly busy hours (limits are reached), sometimes weeks pass (points expire, tiers fall).
            now += Double(Int.random(in: 0..<20, using: &random) == 0 ? Int.random(in: 3...20, using: &random) * 86_400
                                                                        : Int.random(in: 0...(3 * 3600), using: &random))
            let number = Int.random(in: 0..<members, using: &random)
            var memberId: String? = "mem_\(number)"
            var member: ImportedEvent.Member = Bool.random(using: &random) ? .id("mem_\(number)") : .externalId("c-\(number)")
            if Int.random(in: 0..<40, using: &random) == 0 {
                memberId = nil
                member = Bool.random(using: &random) ? .id("mem_nobody") : .externalId("nobody")
            }
            let id = Identifiers.make("evt", now: now)
            // An event sent without `occurred_at` happened at the clock's time, sub-millisecond digits included.
            if Int.random(in: 0..<8, using: &random) == 0 { now += 0.000_37 }
            let event: LoyaltyEvent
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<55:
                let total = Int64.random(in: 1...20_000, using: &random) * 100
                let currency = Int.random(in: 0..<30, using: &random) == 0 ? "USD" : "EUR"
                event = LoyaltyEvent(id: id, type: LoyaltyEvent.purchaseType, occurredAt: now, channel: Bool.random(using: &random) ? "app" : nil,
                                     purchase: Purchase(currency: currency, total: Amount(units: total), lines: []))
                if let memberId, currency == "EUR" { purchases.append((id, memberId, total)) }
            case 55..<85:
                let type = ["review", "steps", "survey"].randomElement(using: &random)!
                let attributes: [String: JSONValue] = type == "steps" ? ["steps": .number(String(Int.random(in: 0...30_000, using: &random)))] : [:]
                // Some arrive late: they happened up to two days before the events around them.
                event = StoreFixture.named(type, at: now - Double(Int.random(in: 0...(2 * 86_400), using: &random)), id: id, attributes: attributes)
            default:
                guard let purchase = purchases.randomElement(using: &random), Int.random(in: 0..<10, using: &random) > 0 else {
                    event = StoreFixture.returnOf("evt_unknown_\(index)", amount: "5", at: now, id: id)
                    break
                }
                memberId = purchase.memberId
                member = .id(purchase.memberId)
                let amount = Amount(units: Int64.random(in: 1...(purchase.total / 100 + 20), using: &random) * 100)
                event = StoreFixture.returnOf(purchase.id, amount: amount.description, at: now, id: id)
            }
            lines.append(Line(event: event, member: member, memberId: memberId))
        }
        return lines
    }

    static func fixture(_ backend: StoreBackend, members: Int) async throws -> StoreFixture {
        let fixture = try await StoreFixture.make(backend, program: program)
        for number in 0..<members {
            let record = MemberRecord(id: "mem_\(number)", programId: fixture.programId, externalId: "c-\(number)",
                                      status: number == members - 1 ? .blocked : .active, createdAt: StoreFixture.start, updatedAt: StoreFixture.start)
            _ = try await fixture.store.createMember(record, idempotency: nil)
        }
        return fixture
    }

    @Test(arguments: StoreBackend.available, Array(UInt64(1)...6))
    func importedHistoryEqualsTheSameEventsSentOneByOne(backend: StoreBackend, seed: UInt64) async throws {
        let members = 6
        let lines = Self.history(seed: seed, members: members, count: 320)
        let imported = try await Self.fixture(backend, members: members)
        let sent = try await Self.fixture(backend, members: members)
        var random = SplitMix64(seed: seed ^ 0x5eed)
        var start = 0
        var kinds: [String: Int] = [:]
        while start < lines.count {
            let batch = Array(lines[start..<min(lines.count, start + Int.random(in: 1...40, using: &random))])
            // The import runs up to days after the batch's last event; each event is still judged at its own time.
            // (A real import's clock has sub-millisecond digits; the stores keep milliseconds.)
            let now = batch.map(\.event.occurredAt).max()! + Double(Int.random(in: 0...(5 * 86_400), using: &random)) + 0.000_37
            let results = try await imported.store.importEvents(programId: imported.programId, events: batch.map { line in
                ImportedEvent(member: line.member, event: line.event) { StoreFixture.payload(line.event, memberId: $0) }
            }, now: now)
            try #require(results.count == batch.count)
            for (line, result) in zip(batch, results) {
                let context = "seed \(seed), \(line.event.type) \(line.event.id)"
                guard let memberId = line.memberId else {
                    if case .refused = result {} else { Issue.record("\(context): unknown member imported: \(result)") }
                    kinds["unknown member", default: 0] += 1
                    continue
                }
                do {
                    // Each event is judged at its own time (a late one earlier than those before it), on both sides,
                    // after the tier reviews that fell due before then.
                    let judgedAt = min(line.event.occurredAt, now)
                    try await sent.store.reviewDueTiers(programId: sent.programId, memberId: memberId, until: judgedAt)
                    let record = try await sent.record(line.event, memberId: memberId, now: judgedAt)
                    #expect(result == .recorded(eventId: line.event.id, points: record.points), "\(context)")
                    kinds[line.event.type, default: 0] += 1
                    if record.outcome.tierChange != nil { kinds["tier change", default: 0] += 1 }
                } catch let error as EventProcessingError {
                    #expect(result == .refused(error.description), "\(context)")
                    kinds["refused", default: 0] += 1
                } catch let error as StoreError {
                    #expect(result == .refused(error.description), "\(context)")
                    kinds["refused", default: 0] += 1
                }
            }
            start += batch.count
        }
        for kind in ["purchase", "return", "review", "refused", "unknown member", "tier change"] {
            #expect(kinds[kind, default: 0] > 0, "seed \(seed): the history never had a \(kind): \(kinds)")
        }

        let end = lines.last!.event.occurredAt
        try await Self.expectEqual(imported, sent, lines: lines, members: members, at: end, "seed \(seed)")
        // What the stores keep for later (when each tier is checked again, the lots) shows in what the daily jobs then do.
        for day in 1...45 {
            for store in [imported.store, sent.store] {
                _ = try await store.reviewTiers(now: end + Double(day) * 86_400, batchSize: 100)
                _ = try await store.settleDuePoints(now: end + Double(day) * 86_400, batchSize: 100)
            }
        }
        // The jobs take due members in no set order, so sequence numbers may differ between the stores from here on.
        try await Self.expectEqual(imported, sent, lines: lines, members: members, at: end + 45 * 86_400, "seed \(seed), after the jobs",
                                   sequences: false)
    }

    /// Compares everything both stores keep; `sequences: false` leaves out sequence numbers (and
    /// the outbox's order) but still compares each member's ledger and tier history in order.
    static func expectEqual(_ imported: StoreFixture, _ sent: StoreFixture, lines: [Line], members: Int, at date: Date,
                            _ context: String, sequences: Bool = true) async throws {
        /// What both stores give for the same question, read before comparing (`#expect` cannot await).
        func both<T: Equatable>(_ what: String, _ read: (StoreFixture) async throws -> T) async throws {
            let fromImport = try await read(imported), fromSent = try await read(sent)
            #expect(fromImport == fromSent, "\(context): \(what)")
        }
        for number in 0..<members {
            let id = "mem_\(number)"
            try await both("member \(id)") { try await $0.reload(id) }
            try await both("ledger of \(id)") {
                try await $0.entries(id, pageSize: 500).map { record in
                    var record = record
                    if !sequences { record.sequence = 0 }
                    return record
                }
            }
            try await both("points of \(id)") {
                try await $0.store.pointsSummary(programId: $0.programId, memberId: id, now: date, expiringWithin: 90 * 86_400)
            }
            try await both("tier history of \(id)") {
                try await $0.store.tierChanges(programId: $0.programId, memberId: id, limit: 500, startingAfter: nil).items
                    .map { sequences ? "\($0)" : "\($0.from ?? "-") \($0.to ?? "-") \($0.reason) \($0.sourceId) \($0.createdAt)" }
            }
        }
        for line in lines {
            try await both("event \(line.event.id)") { try await $0.store.event(programId: $0.programId, id: line.event.id) }
        }
        try await both("outbox") {
            let messages = try await $0.store.outbox(programId: $0.programId, limit: 1000, startingAfter: nil).items
                .map { "\($0.type) \($0.memberId ?? "-") \($0.payload) \($0.createdAt)" }
            return sequences ? messages : messages.sorted()
        }
        let problems = try await imported.audit() + sent.audit()
        #expect(problems.isEmpty, "\(context): audit")
    }
}
