import Foundation
import LaurelCore
import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// Export → import into an empty database reproduces every member: a seeded history (members with
/// attributes, purchases, returns, reviews under a daily limit, pending points, expiry, tiers) is
/// exported as JSON Lines, the members imported again from their lines (keeping their ids), the
/// events imported with `EventImport.run`, and every member's balance, pending points, debt, lifetime points and
/// tier must come out the same.
struct ExportRoundTripTests {
    static let programId = SampleHistory.programId

    /// A history of `actions` events over `memberCount` members, the last a day before `end`,
    /// recorded through the store in the order of their times, each at its time.
    static func seed(_ store: any LaurelStore, seed: UInt64, memberCount: Int, actions: Int, end: Date) async throws {
        var random = SplitMix64(seed: seed)
        try await setUpProgram(store)
        let start = end.addingTimeInterval(-200 * 86_400)
        var members: [String] = []
        for index in 0..<memberCount {
            let id = Identifiers.make("mem", now: start)
            var attributes: [String: JSONValue] = ["city": .string(random.int(2) == 0 ? "Berlin" : "Lyon, \"old town\"")]
            if random.int(3) == 0 { attributes["vip"] = .bool(true) }
            if random.int(4) == 0 { attributes["note"] = .string(random.text(from: SplitMix64.awkwardText)) }
            _ = try await store.createMember(MemberRecord(id: id, programId: programId, externalId: "ext-\(index)",
                                                          email: random.int(2) == 0 ? "m\(index)@example.com" : nil,
                                                          name: random.int(2) == 0 ? "Member \(index)" : nil,
                                                          birthday: random.int(3) == 0 ? "1990-0\(1 + random.int(9))-1\(random.int(9))" : nil,
                                                          attributes: attributes, createdAt: start, updatedAt: start), idempotency: nil)
            members.append(id)
        }
        var purchases: [(id: String, member: String, total: Int)] = []
        var clock = start
        let step = (end.timeIntervalSince(start) - 86_400) / Double(actions)
        // The tier reviews are made when they fall due, before the member's next event, as a job running
        // at every moment would make them; the import replays them the same way (docs/import.md).
        for _ in 0..<actions {
            clock = clock.addingTimeInterval(step)
            var memberId = members[random.int(members.count)]
            let member = memberId
            let occurred = Timestamps.format(clock)
            let roll = random.int(100)
            let json: String
            var purchaseTotal: Int?
            switch roll {
            case 0..<60:
                let total = 5 + random.int(300)
                purchaseTotal = total
                json = #"{"member_id":"\#(member)","type":"purchase","occurred_at":"\#(occurred)","store":"s\#(random.int(3))","purchase":{"currency":"EUR","total":"\#(total).00"}}"#
            case 60..<75 where !purchases.isEmpty:
                let purchase = purchases[random.int(purchases.count)]
                memberId = purchase.member
                json = #"{"member_id":"\#(purchase.member)","type":"return","occurred_at":"\#(occurred)","return":{"purchase_event_id":"\#(purchase.id)","amount":"\#(1 + random.int(purchase.total)).00"}}"#
            default:
                json = #"{"member_id":"\#(member)","type":"review","occurred_at":"\#(occurred)","attributes":{"stars":\#(1 + random.int(5))}}"#
            }
            let id = Identifiers.make("evt", now: clock)
            let imported = try EventImport.parse(json, id: id, now: clock)
            do {
                // Recorded live, when it happened; the import judges each line at the same time.
                try await store.reviewDueTiers(programId: programId, memberId: memberId, until: clock)
                _ = try await store.recordEvent(programId: programId, memberId: memberId, event: imported.event, payload: imported.payload(memberId),
                                                now: clock, idempotency: nil)
                if let purchaseTotal { purchases.append((id, memberId, purchaseTotal)) }
            } catch where roll >= 60 && roll < 75 && (error is StoreError || error is EventProcessingError) {
                // A return of more than is left of its purchase: refused, nothing kept.
            }
        }
    }

    static func setUpProgram(_ store: any LaurelStore) async throws {
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        _ = try await store.createProgram(id: programId, name: "Round trip", now: start)
        _ = try await store.applyProgram(id: programId, definition: try ProgramDefinition.parse(SampleHistory.program()),
                                         source: SampleHistory.program(), now: start, idempotency: nil)
    }

    static func export(_ kind: ExportKind, _ format: ExportFormat = .jsonl, from store: any LaurelStore, pageSize: Int = 37) async throws -> String {
        var text = ""
        try await DataExport.write(kind, format: format, store: store, programId: programId, now: Date(), pageSize: pageSize) { text += $0 }
        return text
    }

    /// The member fields an import must reproduce.
    struct Standing: Hashable {
        var available, pending, debt, lifetime: Int
        var tier: String?
    }

    static func standings(_ store: any LaurelStore) async throws -> [String: Standing] {
        var all: [String: Standing] = [:]
        var after: String?
        while true {
            let page = try await store.members(programId: programId, limit: 100, startingAfter: after)
            for member in page.items {
                all[member.id] = Standing(available: member.available, pending: member.pending, debt: member.debt, lifetime: member.lifetimeEarned,
                                          tier: member.tier.tierId)
            }
            guard page.hasMore, let last = page.items.last else { return all }
            after = last.id
        }
    }

    @Test(arguments: TestBackend.available)
    func exportThenImportIntoAnEmptyDatabaseReproducesEveryMember(backend: TestBackend) async throws {
        let end = Date()
        let source = try await backend.makeStore()
        try await Self.seed(source, seed: 32, memberCount: 40, actions: 1_500, end: end)
        try await Backtest.runJobs(source, now: end)

        let membersFile = try await Self.export(.members, from: source)
        let eventsFile = try await Self.export(.events, from: source)

        let target = try await backend.makeStore()
        try await Self.setUpProgram(target)
        // The members through `laurel import members`' path, which keeps their exported ids, so
        // the events' `member_id` find them.
        var membersRefused: [String] = []
        let members = try await ImportRun.run(Data(membersFile.utf8), format: .jsonl,
                                              options: ImportRun.Options(programId: Self.programId, kind: .members, batch: 16),
                                              store: target) { line, why in membersRefused.append("line \(line): \(why)") }
        #expect(membersRefused.isEmpty && members.recorded == 40, "\(membersRefused.prefix(3))")
        var refused: [String] = []
        let summary = try await EventImport.run(eventsFile, store: target, programId: Self.programId, batch: 250) { line, why in
            refused.append("line \(line): \(why)")
        }
        try await Backtest.runJobs(target, now: end)

        #expect(refused.isEmpty, "\(refused.prefix(5))")
        let sourceStandings = try await Self.standings(source)
        #expect(sourceStandings.count == 40)
        #expect(summary.recorded == eventsFile.split(separator: "\n").count)
        let targetStandings = try await Self.standings(target)
        for (id, standing) in sourceStandings {
            #expect(targetStandings[id] == standing, "member \(id)")
        }
        // The history exercised what it should: pending points, expiry, returns, tiers above the first.
        let ledger = try await Self.export(.ledger, .csv, from: source)
        #expect(ledger.contains(",expire,") && ledger.contains(",reverse,"))
        let ledgerRows = ledger.split(separator: "\r\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(ledgerRows.contains { $0.count == 13 && $0[2] == "earn" && !$0[8].isEmpty }, "earned lots show their expiry")
        #expect(sourceStandings.values.contains { $0.pending > 0 })
        #expect(Set(sourceStandings.values.compactMap(\.tier)).count > 1)
        // The same members into another program of that database: their ids are taken, and each row says so.
        _ = try await target.createProgram(id: "prg_other", name: "Other", now: end)
        _ = try await target.applyProgram(id: "prg_other", definition: try ProgramDefinition.parse(SampleHistory.program()),
                                          source: SampleHistory.program(), now: end, idempotency: nil)
        var taken: [String] = []
        let again = try await ImportRun.run(Data(membersFile.utf8), format: .jsonl, options: ImportRun.Options(programId: "prg_other", kind: .members, batch: 16),
                                            store: target) { _, why in taken.append(why) }
        #expect(again.recorded == 0 && taken.count == 40 && taken.allSatisfy { $0.contains("belongs to another member") }, "\(taken.prefix(2))")
        // The events file once more (`--again`): every event id is taken, each row says so, nothing changes.
        var eventsTaken: [String] = []
        let twice = try await ImportRun.run(Data(eventsFile.utf8), format: .jsonl,
                                            options: ImportRun.Options(programId: Self.programId, kind: .events, batch: 250, again: true),
                                            store: target) { _, why in eventsTaken.append(why) }
        #expect(twice.recorded == 0 && eventsTaken.count == summary.recorded && eventsTaken.allSatisfy { $0.hasSuffix("is already recorded") },
                "\(eventsTaken.prefix(2))")
        #expect(try await Self.standings(target) == targetStandings)
        // Exported again, the new database gives the same files.
        #expect(try await Self.export(.members, from: target) == membersFile)
        #expect(try await Self.export(.events, from: target) == eventsFile)
    }
}
