import ArgumentParser
import Foundation
import LaurelCore
import LaurelServer
import LaurelStore

/// `laurel import`'s path (EventImport.run) on generated history: the retail day's program and
/// members, then purchases of 5 lines (and one review in ten) over the ten months before now.
struct ImportBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import",
                                                    abstract: "Import generated historical events through laurel import's path into a fresh store.")
    @Option(help: "Historical events to import.") var events = 100_000
    @Option(help: "Members enrolled before the import.") var members = 10_000
    @Option(help: "Events per store call (laurel import's --batch).") var batch = 2000
    @Option(help: "A PostgreSQL URL (a fresh schema is created in it) instead of a fresh SQLite file.") var postgres: String?
    @Option(help: "Seed of the workload.") var seed: UInt64 = 1
    @Option(help: "Then read this many random members' balances (the store's pointsSummary, no HTTP), from 16 tasks.") var reads = 0

    func run() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-import-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try await BenchSetup.open(try await BenchSetup.database(postgres: postgres, sqlitePath: path))
        let day = try await RetailSetup.prepare(store: store, members: members)
        var random = BenchWorkload.Random(state: seed)
        let start = Date().addingTimeInterval(-300 * 86_400)
        var lines: [String] = []
        lines.reserveCapacity(events)
        for index in 0..<events {
            let member = "retail-\(random.int(members))"
            let at = Timestamps.format(start.addingTimeInterval(Double(index) * 280 * 86_400 / Double(events)))
            if index % 10 == 9 {
                lines.append(#"{"external_id":"\#(member)","type":"review","occurred_at":"\#(at)"}"#)
            } else {
                lines.append(BenchWorkload.json(memberId: member, lines: BenchWorkload.lines(&random), channel: BenchWorkload.channels[index % 4],
                                                byExternalId: true, occurredAt: at))
            }
        }
        let text = lines.joined(separator: "\n")
        let cpuBefore = cpuSeconds()
        let started = ContinuousClock.now
        var firstRefusal: String?
        let summary = try await EventImport.run(text, store: store, programId: "bench", batch: batch) { line, why in
            if firstRefusal == nil { firstRefusal = "line \(line): \(why)" }
        }
        let seconds = (ContinuousClock.now - started).seconds
        let cpu = cpuSeconds() - cpuBefore
        say(String(format: "import (%@): %d events (%d refused) in %.2f s = %.0f events/s; %.2f s CPU = %.0f µs per event; %d points",
                   postgres == nil ? "SQLite" : "PostgreSQL", summary.recorded, summary.refused, seconds, Double(events) / seconds, cpu,
                   cpu / Double(events) * 1e6, summary.points))
        if let firstRefusal { say("first refusal: \(firstRefusal)") }
        if reads > 0 { try await readBalances(store, memberIds: day.memberIds) }
        if try await !BenchSetup.auditIsClean(store) || summary.refused > 0 { throw ExitCode(1) }
    }

    /// Balance reads of members who now have ten months of history: what a long history costs a read.
    private func readBalances(_ store: any LaurelStore, memberIds: [String]) async throws {
        var random = BenchWorkload.Random(state: seed &+ 1)
        let members = (0..<reads).map { _ in memberIds[random.int(memberIds.count)] }
        let result = try await LoadDriver.closedLoop(count: reads, concurrency: 16) { index in
            _ = try await store.pointsSummary(programId: "bench", memberId: members[index], now: Date(), expiringWithin: 30 * 86_400)
            return 200
        }
        say(String(format: "balance reads after the import: %d, concurrency 16: %.0f reads/s; latency ms p50 %.2f p99 %.2f; %.2f s CPU = %.0f µs per read",
                   result.count, Double(result.count) / result.seconds, result.percentile(0.5), result.percentile(0.99), result.cpu,
                   result.cpu / Double(result.count) * 1e6))
    }
}
