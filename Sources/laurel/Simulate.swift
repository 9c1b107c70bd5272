import ArgumentParser
import Foundation
import LaurelCore
import LaurelServer
import LaurelStore

struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Backtest a draft program: replay the stored history through it and compare with what the live program did.",
        discussion: """
            The program's members, events, adjustments, transfers, redemptions and their cancellations are replayed in time \
            order into a private scratch database (the live one is only read), through the same code that ran live, with the \
            draft applied from the program's start; the ledger jobs (pending release, expiry, tier reviews) run as the clock \
            passes each --jobs-every boundary. Members enter the window with the balances the draft would have given them; \
            the figures count the window's points flows, and balances, liability and tiers are those at its end. \
            Records the draft cannot reproduce (a redemption its balance cannot pay) are counted and listed. \
            --from and --to are days in the program's time zone, both included, or RFC 3339 times (--to then excluded); \
            a window reaching past now ends now.
            """)
    @OptionGroup var store: StoreOptions
    @Option(name: .customLong("program-id"), help: "Program id.") var programId: String
    @Option(name: .customLong("program"), help: "The draft program file (YAML or JSON); without it the live program is replayed against itself.")
    var draftFile: String?
    @Option(help: "First day of the window (YYYY-MM-DD) or an RFC 3339 time.") var from: String
    @Option(help: "Last day of the window (YYYY-MM-DD, included) or an RFC 3339 time (excluded).") var to: String
    @Option(help: "table or json.") var format = "table"
    @Option(name: .customLong("jobs-every"), help: "Seconds between runs of the ledger jobs in the replay (the live scheduler's --settle-every).")
    var jobsEvery: Double = 3600
    @Option(help: "Scratch database file, a new one (default: a temporary file, removed at the end).") var scratch: String?

    func run() async throws {
        guard ["table", "json"].contains(format) else { throw ValidationError("--format must be table or json") }
        guard jobsEvery >= 1 else { throw ValidationError("--jobs-every must be at least 1 second") }
        if let scratch, FileManager.default.fileExists(atPath: scratch) { throw ValidationError("--scratch \(scratch) exists; give a new file") }
        let draft = try draftFile.map(ProgramCommand.load)
        let draftSource = try draftFile.map { try String(contentsOfFile: $0, encoding: .utf8) } ?? ""
        let opened = try await store.open()
        guard let source = opened as? any LaurelStore & SimulationSource else { throw CommandFailure("this store cannot be replayed") }
        guard let live = try await opened.programVersion(programId: programId, version: nil) else {
            throw CommandFailure("no program \(programId) with a version in \(store.displayName)")
        }
        let zone = TimeZone(identifier: live.definition.timeZone) ?? TimeZone(identifier: "UTC")!
        guard let start = Self.date(from, in: zone, endOfDay: false) else { throw ValidationError("--from must be YYYY-MM-DD or an RFC 3339 time") }
        guard let end = Self.date(to, in: zone, endOfDay: true) else { throw ValidationError("--to must be YYYY-MM-DD or an RFC 3339 time") }
        // The live ledger is known up to now (its jobs have run up to now, not later): a window reaching past now ends now.
        let now = Date()
        let until = min(end, now)
        guard start < until else { throw ValidationError(end > now ? "--from must be in the past" : "--from must come before --to") }
        let backtest = Backtest(programId: programId, draft: draft, draftSource: draftSource, from: start, until: until,
                                jobInterval: jobsEvery, scratchPath: scratch)
        let bar = ProgressBar()
        let report = try await BacktestReport.run(backtest, live: source) { phase, done, total in bar.show(phase, done, total) }
        bar.finish()
        say(format == "json" ? try report.jsonText() : report.table)
    }

    /// A day (its start; with `endOfDay` the start of the next) in `zone`, or an RFC 3339 time.
    static func date(_ text: String, in zone: TimeZone, endOfDay: Bool) -> Date? {
        if let day = Timestamps.parseDay(text, in: zone) { return endOfDay ? day.addingTimeInterval(86_400) : day }
        return Timestamps.parse(text)
    }
}

/// A progress bar on standard error: phase, done of total, rate and time left; redrawn at most ten times a second.
final class ProgressBar: @unchecked Sendable {
    private let lock = NSLock()
    private var phase = ""
    private var started = Date()
    private var lastDrawn = Date.distantPast
    private let terminal = isatty(2) != 0

    func show(_ phase: String, _ done: Int, _ total: Int) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        if phase != self.phase {
            if !self.phase.isEmpty && terminal { FileHandle.standardError.write(Data("\n".utf8)) }
            self.phase = phase
            started = now
            lastDrawn = .distantPast
        }
        guard now.timeIntervalSince(lastDrawn) >= (terminal ? 0.1 : 5) || done == total else { return }
        lastDrawn = now
        let elapsed = max(now.timeIntervalSince(started), 0.001)
        let rate = Double(done) / elapsed
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let width = 30
        let filled = Int(fraction * Double(width))
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let line = String(format: "%@ [%@%@] %d/%d  %.0f/s  ETA %.0f s", phase, String(repeating: "#", count: filled),
                          String(repeating: " ", count: width - filled), done, total, rate, eta)
        FileHandle.standardError.write(Data(((terminal ? "\r" : "") + line + (terminal ? "" : "\n")).utf8))
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if terminal && !phase.isEmpty { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
