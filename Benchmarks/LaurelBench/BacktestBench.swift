import ArgumentParser
import Foundation
import LaurelCore
import LaurelServer
import LaurelStore

/// `laurel simulate`'s replay: a seeded history (`SampleHistory`: purchases, returns, reviews,
/// redemptions and cancellations, transfers, adjustments, hourly ledger jobs) recorded live into a
/// SQLite file, then read back and replayed through the live program into a scratch SQLite file.
/// Checks that the replay reproduced every member's balance, pending points and tier (exit 1 if not).
struct BacktestBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "backtest",
                                                    abstract: "Replay a stored history through the live program (laurel simulate's core) and time it.")
    @Option(help: "Actions of the recorded history (about 80 % are events).") var actions = 100_000
    @Option(help: "Members of the history.") var members = 5_000
    @Option(help: "Seed of the history.") var seed: UInt64 = 1
    @Option(help: "Keep the recorded history in this SQLite file and reuse it when it exists (recording is the slow part).") var db: String?

    func run() async throws {
        let path = db ?? FileManager.default.temporaryDirectory.appendingPathComponent("laurel-backtest-\(UUID().uuidString).db").path
        defer { if db == nil { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } } }
        let exists = FileManager.default.fileExists(atPath: path)
        let live = try SQLiteStore(path: path)
        try await live.migrate()
        // The moment the history ended (its last job run), kept beside a reused file.
        let untilFile = path + ".until"
        defer { if db == nil { try? FileManager.default.removeItem(atPath: untilFile) } }
        if !exists {
            let started = ContinuousClock.now
            let (end, counts) = try await SampleHistory.record(into: live, seed: seed, members: members, actions: actions)
            say(String(format: "recorded %d events (%d purchases, %d returns), %d redemptions, %d cancellations, %d transfers, %d adjustments live in %.1f s",
                       counts.events, counts.purchases, counts.returns, counts.redemptions, counts.cancellations, counts.transfers, counts.adjustments,
                       (ContinuousClock.now - started).seconds))
            try Timestamps.format(end).write(toFile: untilFile, atomically: true, encoding: .utf8)
        }
        guard let until = (try? String(contentsOfFile: untilFile, encoding: .utf8)).flatMap(Timestamps.parse) else {
            throw ValidationError("\(untilFile) is missing: record the history again into a new --db")
        }
        let cpuBefore = cpuSeconds()
        let started = ContinuousClock.now
        let history = try await Backtest.History.read(from: live, programId: SampleHistory.programId)
        let read = ContinuousClock.now
        let backtest = Backtest(programId: SampleHistory.programId, draft: nil, from: SampleHistory.start, until: until)
        let outcome = try await backtest.replay(history)
        let replayed = ContinuousClock.now
        let cpu = cpuSeconds() - cpuBefore
        let steps = outcome.replayed.values.reduce(0, +)
        say(String(format: "backtest (SQLite live, SQLite file scratch): %d events, %d records in all; read %.2f s, replay %.2f s = %.0f events/s; %.2f s CPU",
                   history.events.count, steps, (read - started).seconds, (replayed - read).seconds,
                   Double(history.events.count) / (replayed - read).seconds, cpu))
        // Honesty: the live ledger after its last hourly job against the replay's at the same moment.
        var differences = 0
        for member in history.members {
            let want = try await live.pointsSummary(programId: SampleHistory.programId, memberId: member.id, now: until, expiringWithin: 0)
            let got = try await outcome.store.pointsSummary(programId: SampleHistory.programId, memberId: member.id, now: until, expiringWithin: 0)
            if (want.available, want.pending, want.member.tier.tierId) != (got.available, got.pending, got.member.tier.tierId) { differences += 1 }
        }
        say("members compared: \(history.members.count), differing: \(differences); refused in the replay: \(outcome.refused)")
        try await outcome.close()
        try await live.close()
        if differences > 0 || !outcome.refused.isEmpty { throw ExitCode(1) }
    }
}
