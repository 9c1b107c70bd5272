import ArgumentParser
import Foundation
import Synchronization
import LaurelCore
import LaurelServer
import LaurelStore

/// Segment evaluation over a large program: members with attributes, a year of purchases (one line
/// each) and reviews, imported through the store; then each segment is counted live (the SQL of
/// `GET /v1/segments/{id}/members` over every member) and the materialised memberships refreshed.
struct SegmentBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "segments",
                                                    abstract: "Evaluate segments over many members (live count and refresh) on a fresh store.")
    @Option(help: "Members.") var members = 100_000
    @Option(help: "Events (purchases, one in five a review) spread over the year before now.") var events = 300_000
    @Option(help: "A PostgreSQL URL (a fresh schema is created in it) instead of a fresh SQLite file.") var postgres: String?
    @Option(help: "Seed of the workload.") var seed: UInt64 = 1

    static let programYAML = """
        name: Segments bench
        currency: EUR
        earning_rules:
          - {id: spend, event: purchase, effect: {type: points_per_amount, points: 1, per: 1}}
          - {id: review, event: review, effect: {type: fixed_points, points: 20}}
        segments:
          - id: women-25-40
            conditions: [{attribute: gender, op: eq, value: f}, {attribute: age, op: range, value: {min: 25, max: 40}}]
          - id: lapsed-spenders
            conditions: [{spend: {min: "300.00"}, within_days: 365}, {last_purchase: {not_within_days: 60}}]
          - id: frequent-buyers
            conditions: [{purchases: {min: 4}, within_days: 180}]
          - id: shoe-buyers
            conditions: [{bought: {categories: [shoes]}, within_days: 90}]
          - id: reviewers
            conditions: [{did: review, at_least: 2, within_days: 120}]
          - id: rich-newcomers
            conditions: [{points: {min: 500}}, {enrolled: {within_days: 400}}]
        """

    func run() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-segments-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try await BenchSetup.open(try await BenchSetup.database(postgres: postgres, sqlitePath: path))
        let now = Timestamps.date(millis: Timestamps.millis(Date()))
        _ = try await store.createProgram(id: "bench", name: "Bench", now: now)
        let definition = try ProgramDefinition.parse(Self.programYAML)
        _ = try await store.applyProgram(id: "bench", definition: definition, source: Self.programYAML, now: now, idempotency: nil)

        let setupStarted = ContinuousClock.now
        let count = members
        let memberIds = Mutex<[String]>(Array(repeating: "", count: count))
        _ = try await LoadDriver.closedLoop(count: count, concurrency: 32) { index in
            let attributes: [String: JSONValue] = ["gender": .string(index % 2 == 0 ? "f" : "m"), "age": .number(String(18 + index % 50))]
            let member = MemberRecord(id: Identifiers.make("mem", now: now), programId: "bench", externalId: "seg-\(index)", attributes: attributes,
                                      createdAt: now, updatedAt: now)
            _ = try await store.createMember(member, idempotency: nil)
            memberIds.withLock { $0[index] = member.id }
            return 201
        }
        let ids = memberIds.withLock { $0 }
        var random = BenchWorkload.Random(state: seed)
        let categories = ["shoes", "bags", "shirts", "hats", "socks"]
        var batch: [ImportedEvent] = []
        var imported = 0
        for index in 0..<events {
            let memberId = ids[random.int(ids.count)]
            let at = now.addingTimeInterval(-365 * 86_400 + Double(index) * 364 * 86_400 / Double(events))
            let event: LoyaltyEvent
            if index % 5 == 4 {
                event = LoyaltyEvent(id: Identifiers.make("evt", now: at), type: "review", occurredAt: at)
            } else {
                let category = categories[random.int(categories.count)]
                let price = Amount(units: Int64(1 + random.int(2000)) * 500)
                event = LoyaltyEvent(id: Identifiers.make("evt", now: at), type: LoyaltyEvent.purchaseType, occurredAt: at,
                                     purchase: Purchase(currency: "EUR", total: price,
                                                        lines: [PurchaseLine(sku: "SKU-\(random.int(100))", category: category, unitPrice: price)]))
            }
            batch.append(ImportedEvent(member: .id(memberId), event: event, payload: { Self.payload(event, memberId: $0) }))
            if batch.count == 2000 || index == events - 1 {
                let results = try await store.importEvents(programId: "bench", events: batch, now: now)
                imported += results.count
                batch.removeAll(keepingCapacity: true)
            }
        }
        say(String(format: "segments (%@): %d members and %d events set up in %.1f s", postgres == nil ? "SQLite" : "PostgreSQL", count, imported,
                   (ContinuousClock.now - setupStarted).seconds))

        for segment in definition.segments {
            // Twice: the first read also warms the page cache.
            var found = 0
            var seconds = 0.0
            var cpu = 0.0
            for _ in 0..<2 {
                let cpuBefore = cpuSeconds()
                let started = ContinuousClock.now
                found = try await store.countSegmentMembers(programId: "bench", segment: segment, now: now)
                seconds = (ContinuousClock.now - started).seconds
                cpu = cpuSeconds() - cpuBefore
            }
            say(String(format: "  %@: %d members, evaluated over %d in %.0f ms (%.0f ms CPU)", segment.id, found, count, seconds * 1000, cpu * 1000))
        }
        for pass in ["first", "second"] {
            let cpuBefore = cpuSeconds()
            let started = ContinuousClock.now
            let refresh = try await store.refreshSegments(programId: "bench", now: now)
            say(String(format: "  refresh (%@ pass, %d segments): %d entered, %d left in %.2f s (%.2f s CPU)", pass, definition.segments.count,
                       refresh.entered, refresh.left, (ContinuousClock.now - started).seconds, cpuSeconds() - cpuBefore))
        }
    }

    static func payload(_ event: LoyaltyEvent, memberId: String) -> String {
        guard let purchase = event.purchase, let line = purchase.lines.first else {
            return #"{"member_id":"\#(memberId)","occurred_at":"\#(Timestamps.format(event.occurredAt))","type":"\#(event.type)"}"#
        }
        return #"{"member_id":"\#(memberId)","occurred_at":"\#(Timestamps.format(event.occurredAt))","purchase":{"currency":"EUR","lines":[{"category":"\#(line.category ?? "")","quantity":1,"sku":"\#(line.sku)","unit_price":"\#(line.unitPrice)"}],"total":"\#(purchase.total)"},"type":"purchase"}"#
    }
}
