import Foundation
import LaurelCore
import LaurelStore
import ServiceLifecycle
import Synchronization

extension JobName {
    /// The backtests asked for through `POST /v1/simulations`.
    public static let simulations = "simulations"
}

/// Runs the backtests asked for through `POST /v1/simulations`, in the server process, one at a
/// time: claims the oldest queued simulation (the store makes sure only one node gets it), replays
/// the program's history into a scratch SQLite database in a directory of its own (removed
/// afterwards, whatever happened), writes the progress and renews the claim's lease every few
/// seconds while it runs, and stores the report's JSON or the error. A node that dies mid-run
/// stops renewing; once its lease has run out the next claim, on any node, runs the simulation again.
public enum SimulationJob {
    /// How long a claim holds without being renewed.
    public static let lease: TimeInterval = 120
    /// How often a running simulation writes its progress (and renews its lease).
    public static let progressEvery: TimeInterval = 2
    /// Simulations one program may have queued or running at once.
    public static let maxActivePerProgram = 5

    /// Runs simulations, one after another, until none is queued; answers how many it ran (failed ones included).
    @discardableResult
    public static func runOnce(store: any LaurelStore, now: Date, scratchRoot: URL = FileManager.default.temporaryDirectory,
                               lease: TimeInterval = SimulationJob.lease, progressEvery: TimeInterval = SimulationJob.progressEvery,
                               jobInterval: TimeInterval = 3600) async throws -> Int {
        guard let source = store as? any LaurelStore & SimulationSource else { return 0 }
        let clock = RunClock(start: now)
        var ran = 0
        // A server shutting down claims no more; the one it was running stops and is taken again once its lease ran out.
        while !Task.isShuttingDownGracefully,
              let simulation = try await store.claimSimulation(now: clock.now(), leaseUntil: clock.now().addingTimeInterval(lease)) {
            try await run(simulation, store: source, clock: clock, scratchRoot: scratchRoot, lease: lease, progressEvery: progressEvery,
                          jobInterval: jobInterval)
            ran += 1
        }
        return ran
    }

    /// Runs one claimed simulation to its end and records it.
    static func run(_ simulation: SimulationRecord, store: any LaurelStore & SimulationSource, clock: RunClock, scratchRoot: URL,
                    lease: TimeInterval, progressEvery: TimeInterval, jobInterval: TimeInterval) async throws {
        let attempt = simulation.attempts
        let progress = Progress()
        // Progress and lease on a timer, not per replayed record: one small write every few seconds.
        let heartbeat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(progressEvery))
                if Task.isCancelled { return }
                _ = try? await store.updateSimulation(id: simulation.id, attempt: attempt, progress: progress.value,
                                                      leaseUntil: clock.now().addingTimeInterval(lease))
            }
        }
        let directory = scratchRoot.appendingPathComponent("laurel-simulation-\(simulation.id)-\(attempt)", isDirectory: true)
        var result: String?
        var failure: String?
        do {
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
            } catch {
                throw ScratchFailure(message: "could not create the scratch directory \(directory.path): \(error.localizedDescription)")
            }
            let draft = try simulation.draftSource.map { try ProgramDefinition.parse($0) }
            var backtest = Backtest(programId: simulation.programId, draft: draft, draftSource: simulation.draftSource ?? "",
                                    from: simulation.from, until: simulation.until, jobInterval: jobInterval)
            backtest.scratchDirectory = directory
            let report = try await cancelWhenGracefulShutdown { [backtest] in
                try await BacktestReport.run(backtest, live: store) { phase, done, total in progress.update(phase, done, total) }
            }
            result = try report.jsonText(pretty: false)
        } catch {
            failure = EventImport.describe(error)
        }
        heartbeat.cancel()
        await heartbeat.value
        try? FileManager.default.removeItem(at: directory)
        // Stopped by the server's shutdown, not failed: left running under its lease, which runs out and lets a node take it again.
        if failure != nil, Task.isShuttingDownGracefully || Task.isCancelled { return }
        _ = try await store.finishSimulation(id: simulation.id, attempt: attempt, result: result, error: failure, now: clock.now())
    }

    struct ScratchFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// The share of the work done, in parts per 10,000: the draft's replay is the first half, the live
    /// program's (run when the database holds records after the window) the second.
    final class Progress: Sendable {
        private let parts = Mutex(0)

        var value: Int { parts.withLock { $0 } }

        func update(_ phase: String, _ done: Int, _ total: Int) {
            let share = total > 0 ? min(Double(done) / Double(total), 1) : 0
            let value: Int
            switch phase {
            case "replaying draft": value = Int(share * 5000)
            case "replaying live": value = 5000 + Int(share * 4999)
            default: value = 0
            }
            parts.withLock { $0 = max($0, value) }
        }
    }
}
