import ArgumentParser
import Foundation
import LaurelCore
import LaurelServer
import LaurelStore

struct Jobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the scheduled jobs once, or list their last runs and what is waiting.",
        subcommands: [RunJobs.self, ListJobs.self])
}

struct RunJobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run every scheduled job once for one instant (the server need not be running), then print what each did.")
    @OptionGroup var store: StoreOptions
    @Option(help: ArgumentHelp("The instant to run them for, RFC 3339; now when omitted.", valueName: "time"))
    var now: String?
    @Flag(help: "Let webhook deliveries go to http and private, loopback or link-local addresses, as `serve --allow-private-webhooks`.")
    var allowPrivateWebhooks = false

    func run() async throws {
        let instant: Date
        if let now {
            guard let parsed = Timestamps.parse(now) else { throw ValidationError("--now must be an RFC 3339 timestamp such as 2027-01-01T00:00:00Z") }
            instant = parsed
        } else {
            instant = Date()
        }
        let store = try await self.store.open()
        say("jobs at \(Timestamps.format(instant)):")
        let runs = await Scheduler.runAll(store: store, now: instant, sender: WebhookSender(allowPrivateAddresses: allowPrivateWebhooks))
        for run in runs {
            say("  \(run.name.padding(toLength: 22, withPad: " ", startingAt: 0)) \(run.processed) handled in \(run.durationMillis) ms"
                + (run.error.map { " — failed: \($0)" } ?? ""))
        }
        if runs.contains(where: { $0.error != nil }) { throw ExitCode(1) }
    }
}

struct ListJobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Each scheduled job with its last run (on any node), how long it took, and what is due now and not yet done.")
    @OptionGroup var store: StoreOptions

    func run() async throws {
        let store = try await self.store.open()
        let runs = Dictionary(uniqueKeysWithValues: try await store.jobRuns().map { ($0.name, $0) })
        let backlog = try await store.scheduledBacklog(now: Date())
        say("job                    last run                  took      handled   runs   backlog")
        for job in ScheduledJob.all(store: store) {
            let run = runs[job.name]
            let columns: [String] = [
                job.name.padding(toLength: 22, withPad: " ", startingAt: 0),
                (run.map { Timestamps.format($0.startedAt) } ?? "never").padding(toLength: 25, withPad: " ", startingAt: 0),
                (run.map { "\($0.durationMillis) ms" } ?? "-").padding(toLength: 9, withPad: " ", startingAt: 0),
                (run.map { String($0.processed) } ?? "-").padding(toLength: 9, withPad: " ", startingAt: 0),
                (run.map { String($0.runs) } ?? "0").padding(toLength: 6, withPad: " ", startingAt: 0),
                backlog[job.name].map(String.init) ?? "-",
            ]
            say(columns.joined(separator: " ") + (run?.error.map { "   last error: \($0)" } ?? ""))
        }
    }
}
