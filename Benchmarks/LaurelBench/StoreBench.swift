import ArgumentParser
import Foundation
import LaurelCore
import LaurelStore

/// The store without HTTP: the `http` workload's purchases recorded by `concurrency` tasks calling
/// `recordEvent` directly, each answered after its commit as over HTTP. Shows the store's own
/// ceiling apart from the HTTP stack's and the load generator's.
struct StoreBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "store",
                                                    abstract: "Record purchase events straight into a fresh store from concurrent tasks: no HTTP.")
    @Option(help: "Number of purchase events.") var events = 20_000
    @Option(help: "Concurrent tasks (closed loop).") var concurrency = 16
    @Option(help: "Members to spread the events over.") var members = 1000
    @Option(help: "Seed of the workload.") var seed: UInt64 = 1
    @Option(help: "A PostgreSQL URL (a fresh schema is created in it) instead of a fresh SQLite file.") var postgres: String?
    @Flag(help: "SQLite: synchronous = FULL, so acknowledged writes also survive a power loss.") var fullSync = false
    @Flag(help: "Give the program fraud controls (a hold threshold and a per-member cap, neither of which trips).") var fraud = false
    @Flag(help: "With --fraud, also a per-key points cap over a rolling day (every event is sent with one key).") var keyCap = false

    /// Controls that judge and count every event without holding any: the cost of screening.
    static let fraudYAML = """

        fraud:
          hold: {amount_over: "1000000", points_over: 100000000}
          earning_caps:
            - {id: member-hour, per: member, period: hour, max_events: 1000000}
        """
    static let keyCapYAML = """

            - {id: key-day, per: api_key, period: day, window: rolling, max_points: 1000000000000}
        """

    func run() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-store-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try await BenchSetup.open(try await BenchSetup.database(postgres: postgres, sqlitePath: path), fullSync: fullSync)
        let now = Date()
        let memberIds = try await BenchSetup.purchaseProgram(store: store, members: members, now: now)
        if fraud {
            let source = BenchWorkload.programYAML + Self.fraudYAML + (keyCap ? Self.keyCapYAML : "")
            _ = try await store.applyProgram(id: "bench", definition: try ProgramDefinition.parse(source), source: source, now: now, idempotency: nil)
        }
        var random = BenchWorkload.Random(state: seed)
        let inputs = (0..<events).map { index in
            let memberId = memberIds[random.int(memberIds.count)]
            let lines = BenchWorkload.lines(&random)
            let channel = BenchWorkload.channels[index % 4]
            return (memberId, BenchWorkload.event(id: Identifiers.make("evt", now: now), lines: lines, channel: channel, at: now),
                    BenchWorkload.json(memberId: memberId, lines: lines, channel: channel))
        }

        let result = try await LoadDriver.closedLoop(count: inputs.count, concurrency: concurrency) { index in
            let (memberId, event, payload) = inputs[index]
            let recorded = try await store.recordEvent(programId: "bench", memberId: memberId, event: event, payload: payload, now: Date(),
                                                       apiKeyId: "key_bench", idempotency: nil)
            return recorded.value?.status == .held ? 202 : 201
        }
        let held = result.statuses[202, default: 0]
        if held > 0 { say("\(held) events were held: the fraud controls are meant to trip on none") }
        say(String(format: "store (%@%@%@): %d purchase events, concurrency %d: %.0f events/s over %.2f s; latency ms p50 %.2f p95 %.2f p99 %.2f max %.2f; %.2f s CPU = %.0f µs per event",
                   postgres == nil ? "SQLite" : "PostgreSQL", fullSync ? ", full sync" : "", fraud ? (keyCap ? ", fraud controls with a key cap" : ", fraud controls") : "", result.count, concurrency, Double(result.count) / result.seconds, result.seconds,
                   result.percentile(0.5), result.percentile(0.95), result.percentile(0.99), result.latencies.last ?? 0, result.cpu,
                   result.cpu / Double(result.count) * 1e6))
        if try await !BenchSetup.auditIsClean(store) { throw ExitCode(1) }
    }
}
