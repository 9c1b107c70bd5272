import ArgumentParser
import Foundation
import LaurelCore
import LaurelServer
import LaurelStore

/// One member with a long history: a regular customer, a family account or a B2B buyer. Posts
/// `--events` purchases for the same member one after the other on one keep-alive connection, then
/// reads that member's balance, and prints how the cost of an event and of a read grew with the
/// history (issue 34: the last batch within 1.2× of the first, a read under 2 ms).
struct GrowthBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "growth",
        abstract: "One member, many sequential purchases over HTTP: does an event or a balance read cost more as the member's history grows?")
    @Option(help: "Purchases for the one member, sent one after the other.") var events = 10_000
    @Option(help: "Purchases per reported batch.") var batch = 500
    @Option(help: "Balance reads of the member after the purchases.") var reads = 500
    @Option(help: "Port of the in-process server.") var port = 8191
    @Option(help: "Seed of the workload.") var seed: UInt64 = 1
    @Option(help: "A PostgreSQL URL (a fresh schema is created in it) instead of a fresh SQLite file.") var postgres: String?
    @Option(help: "Spread the purchases' occurred_at evenly over this many days up to now (0: all now), so that earlier lots have matured and expired as in a real history.")
    var spreadDays = 0
    @Option(help: "Other members, each with three purchases sent before the timed ones: the one member's history among others', as in a real database (PostgreSQL's planner judges a statement by how lots spread over members).")
    var others = 0

    func run() async throws {
        guard events >= batch * 2, batch >= 1 else { throw ValidationError("--events must hold at least two batches of --batch") }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-growth-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let database = try await BenchSetup.database(postgres: postgres, sqlitePath: path)
        let store = try await BenchSetup.open(database)
        let now = Date()
        let memberIds = try await BenchSetup.purchaseProgram(store: store, members: 1 + others, now: now)
        let memberId = memberIds[0]
        let (_, key) = try await APIKeyAuthenticator.create(store: store, programId: "bench", scope: .integration, name: "bench", now: now)
        var random = BenchWorkload.Random(state: seed)
        let bodies = (0..<events).map { index in
            let occurredAt = spreadDays > 0
                ? Timestamps.format(now.addingTimeInterval(-Double(spreadDays) * 86_400 * Double(events - index) / Double(events)))
                : nil
            return BenchWorkload.json(memberId: memberId, lines: BenchWorkload.lines(&random), channel: BenchWorkload.channels[index % 4],
                                      occurredAt: occurredAt)
        }

        var batches: [Double] = []
        var readSummary: String?
        var errors = 0
        try await withThrowingTaskGroup(of: Void.self) { group in
            let app = LaurelApplication.build(store: store, settings: .init(port: port, intervals: .none, rateLimits: .off))
            group.addTask { try await app.run() }
            try await Task.sleep(for: .milliseconds(500))
            let client = LoopbackHTTPClient(port: port, bearer: key, timeout: .seconds(30))
            for other in memberIds.dropFirst() {
                for _ in 0..<3 {
                    let body = BenchWorkload.json(memberId: other, lines: BenchWorkload.lines(&random), channel: BenchWorkload.channels[0], occurredAt: nil)
                    if try await client.post("/v1/events", json: body).status != 201 { errors += 1 }
                }
            }
            var started = ContinuousClock.now
            for (index, body) in bodies.enumerated() {
                if try await client.post("/v1/events", json: body).status != 201 { errors += 1 }
                if (index + 1) % batch == 0 {
                    batches.append((ContinuousClock.now - started).seconds * 1000 / Double(batch))
                    started = ContinuousClock.now
                }
            }
            await client.shutdown()
            if reads > 0 {
                let read = try await LoadDriver(port: port, nodes: 1, concurrency: 1)
                    .drive(gets: Array(repeating: "/v1/members/\(memberId)", count: reads), key: key)
                errors += read.count - read.statuses[200, default: 0]
                readSummary = read.summary
            }
            group.cancelAll()
        }
        for (index, mean) in batches.enumerated() {
            say(String(format: "events %6d–%6d: %.3f ms per event", index * batch + 1, (index + 1) * batch, mean))
        }
        let first = batches[0], last = batches[batches.count - 1]
        let spread = spreadDays > 0 ? "over \(spreadDays) days" : "all now"
        say(String(format: "growth (%@, one member, %d purchases %@, in batches of %d): first batch %.3f ms, last %.3f ms per event: %.2f× (target ≤ 1.2×)",
                   postgres == nil ? "SQLite" : "PostgreSQL", events, spread, batch, first, last, last / first))
        if let readSummary { say("balance reads of that member after \(events) events, one client (target < 2 ms): \(readSummary)") }
        let clean = try await BenchSetup.auditIsClean(store)
        if errors > 0 || !clean {
            say("errors: \(errors)")
            throw ExitCode(1)
        }
    }
}
