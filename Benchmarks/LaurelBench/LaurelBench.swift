import ArgumentParser
import Foundation
import Hummingbird
import LaurelCore
import LaurelServer
import LaurelStore
import NIOCore
import Synchronization

@main
struct LaurelBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "laurel-bench",
        abstract: "Benchmarks: purchase events (5 lines, 20 rules) through the core alone, the store and the HTTP API; redemptions of one hot reward; the retail day; imports.",
        subcommands: [Core.self, StoreBench.self, HTTP.self, Redeem.self, RetailDay.self, ImportBench.self, SegmentBench.self, RateLimitBench.self, AnalyticsBench.self, GrowthBench.self, BacktestBench.self]
    )

    /// As `laurel` does: tasks run on NIO's event loops (`EventLoopConcurrency`), server and client alike.
    static func main() async {
        EventLoopConcurrency.install()
        await parseAndRun(Self.self)
    }
}

/// ArgumentParser's async entry point; inside the command's own type `main(nil)` resolves to the blocking one.
private func parseAndRun<Command: AsyncParsableCommand>(_: Command.Type) async { await Command.main(nil) }

/// CPU seconds (user + system) this process has used.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func say(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }

struct Core: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Evaluate purchase events with the core alone: no HTTP, no database.")
    @Option(help: "Number of purchase events.") var events = 200_000
    @Option(help: "Seed of the workload.") var seed: UInt64 = 1

    func run() async throws {
        let program = try ProgramDefinition.parse(BenchWorkload.programYAML)
        let processor = EventProcessor(program: program)
        var random = BenchWorkload.Random(state: seed)
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        let inputs = (0..<events).map { index in
            BenchWorkload.event(id: "evt_\(index)", lines: BenchWorkload.lines(&random), channel: BenchWorkload.channels[index % 4],
                                at: start.addingTimeInterval(Double(index)))
        }
        let members = (0..<1000).map { MemberProfile(id: "mem_\($0)", attributes: ["segment": .string("seg-\($0 % 4)")]) }
        let usage = ["limited-0": RuleUsage(points: 25, times: 1)]
        var points = 0
        let cpuBefore = cpuSeconds()
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            for (index, event) in inputs.enumerated() {
                let member = members[index % members.count]
                let outcome = try processor.process(event, member: member, ledger: MemberLedger(memberId: member.id), usage: usage,
                                                    returnedPurchase: nil, now: event.occurredAt)
                points += outcome.pointsEarned
            }
        }
        let seconds = elapsed.seconds
        let cpu = cpuSeconds() - cpuBefore
        say(String(format: "core: %d purchase evaluations (5 lines, 20 rules) in %.2f s wall, %.2f s CPU: %.0f evaluations/s per core (points checksum %d)",
                   events, seconds, cpu, Double(events) / cpu, points))
    }
}

struct HTTP: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start an in-process server on a fresh SQLite file and post purchase events to it over loopback HTTP.")
    @Option(help: "Number of purchase events to post.") var requests = 20_000
    @Option(help: "Concurrent clients (closed loop).") var concurrency = 16
    @Option(help: "Members to spread the events over.") var members = 1000
    @Option(help: "Port of the first in-process server; further nodes use the next ports.") var port = 8181
    @Option(help: "Seed of the workload.") var seed: UInt64 = 1
    @Option(help: "A PostgreSQL URL (a fresh schema is created in it) instead of a fresh SQLite file.") var postgres: String?
    @Option(help: "Server nodes, each with its own store and connection pool (PostgreSQL only).") var nodes = 1
    @Option(help: "Send the purchases open-loop at this many per second instead (latency from each one's scheduled start; --concurrency is then unused).") var rate: Int?
    @Option(help: "Balance reads (GET /v1/members/{id} of a random member) sent after the events, by as many clients.") var reads = 0
    @Option(help: "GET /healthz requests sent last, by as many clients: the HTTP stack's own cost, server and client.") var health = 0
    @Flag(help: "SQLite: synchronous = FULL, so acknowledged writes also survive a power loss.") var fullSync = false
    @Flag(help: "Serve without rate limits (the default serves with laurel serve's defaults), to measure what they cost.") var noRateLimits = false
    @Flag(help: "Record metrics as laurel serve does with --metrics-port or --metrics-token, to measure what they cost; prints the events, ledger and group-commit series after the run.")
    var metrics = false
    @Option(help: "Keep the SQLite file at this path (a new file) instead of deleting it, to look at where the bytes go (`sqlite3 FILE` with `dbstat`).")
    var keepDb: String?

    func run() async throws {
        let metrics = self.metrics ? LaurelMetrics() : nil
        let path = keepDb ?? FileManager.default.temporaryDirectory.appendingPathComponent("laurel-bench-\(UUID().uuidString).db").path
        guard keepDb == nil || !FileManager.default.fileExists(atPath: path) else { throw ValidationError("\(path) exists") }
        defer { if keepDb == nil { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } } }
        guard nodes == 1 || postgres != nil else { throw ValidationError("several nodes need --postgres") }
        guard (rate ?? 1) > 0 else { throw ValidationError("--rate must be above 0") }
        let database = try await BenchSetup.database(postgres: postgres, sqlitePath: path)
        var stores: [any LaurelStore] = []
        // Each node its own store and connection pool; the first one creates the schema.
        for node in 0..<max(nodes, 1) { stores.append(try await BenchSetup.open(database, migrated: node == 0, fullSync: fullSync, metrics: metrics)) }
        let store = stores[0]
        let now = Date()
        let memberIds = try await BenchSetup.purchaseProgram(store: store, members: members, now: now)
        let (_, key) = try await APIKeyAuthenticator.create(store: store, programId: "bench", scope: .integration, name: "bench", now: now)
        var random = BenchWorkload.Random(state: seed)
        let bodies = (0..<requests).map { index in
            BenchWorkload.json(memberId: memberIds[random.int(memberIds.count)], lines: BenchWorkload.lines(&random),
                               channel: BenchWorkload.channels[index % 4])
        }

        var errors = 0
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, node) in stores.enumerated() {
                let app = LaurelApplication.build(store: node, settings: .init(port: port + index, intervals: .none,
                                                                               rateLimits: noRateLimits ? .off : .defaults, metrics: metrics))
                group.addTask { try await app.run() }
            }
            try await Task.sleep(for: .milliseconds(500))
            let driver = LoadDriver(port: port, nodes: nodes, concurrency: concurrency)
            let result = try await driver.drive(path: "/v1/events", bodies: bodies, key: key, rate: rate)
            say(String(format: "http (%@%@, %d node(s)): %d purchase events, %@: %@; errors %d",
                       postgres == nil ? "SQLite" : "PostgreSQL", fullSync ? ", full sync" : "", nodes, result.count,
                       rate.map { "open loop at \($0)/s" } ?? "concurrency \(concurrency)", result.summary, result.count - result.statuses[201, default: 0]))
            errors += result.count - result.statuses[201, default: 0]
            if reads > 0 {
                let paths = (0..<reads).map { _ in "/v1/members/\(memberIds[random.int(memberIds.count)])" }
                let read = try await driver.drive(gets: paths, key: key)
                say(String(format: "balance reads: %d, concurrency %d: %@; errors %d", read.count, concurrency, read.summary,
                           read.count - read.statuses[200, default: 0]))
                errors += read.count - read.statuses[200, default: 0]
            }
            if health > 0 {
                let checks = try await driver.drive(gets: Array(repeating: "/healthz", count: health), key: key)
                say(String(format: "health checks: %d, concurrency %d: %@; errors %d", checks.count, concurrency, checks.summary,
                           checks.count - checks.statuses[200, default: 0]))
                errors += checks.count - checks.statuses[200, default: 0]
            }
            group.cancelAll()
        }
        if let metrics {
            let text = String(decoding: await metrics.scrape(store: store, now: Date()), as: UTF8.self)
            for line in text.split(separator: "\n") where line.hasPrefix("laurel_events_total") || line.hasPrefix("laurel_ledger_entries ")
                || line.hasPrefix("laurel_sqlite_group_commit_writes_count") || line.hasPrefix("laurel_sqlite_group_commit_writes_sum") {
                say("metrics: \(line)")
            }
        }
        let clean = try await BenchSetup.auditIsClean(store)
        // Everything the database holds (members, events, ledger, lots, indexes) over the events:
        // on SQLite the file once closing has folded the WAL into it, on PostgreSQL the schema's
        // tables with their indexes and TOAST.
        if postgres == nil { try await store.close() }
        let bytes = try await store.databaseBytes()
        say(String(format: "database: %.1f MB for %d events, %.2f KB per event (%@)", Double(bytes) / 1e6, requests,
                   Double(bytes) / 1e3 / Double(requests), postgres == nil ? "SQLite file" : "PostgreSQL tables and indexes"))
        // A failed request or an unclean ledger fails the run (as every other mode's checks do).
        if errors > 0 || !clean { throw ExitCode(1) }
    }
}

/// Hands out request indexes to the client tasks.
final class LockedCounter: Sendable {
    private let value = Mutex(0)
    func take(below limit: Int) -> Int? {
        value.withLock { value in
            guard value < limit else { return nil }
            value += 1
            return value - 1
        }
    }
}
