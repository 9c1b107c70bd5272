import ArgumentParser
import Foundation
import LaurelServer
import LaurelStore

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import historical events from a JSON Lines file (one POST /v1/events body per line), in order, in batches.",
        discussion: """
            Each event is judged by the program's current version exactly as the API would judge it. A refused line \
            (unknown member, bad field, return of an unknown purchase…) is reported with its line number and skipped; \
            the others are kept. Lines are not idempotent: importing a file twice records its events twice.
            """)
    @OptionGroup var store: StoreOptions
    @Option(help: "Program id.") var program: String
    @Option(help: "Events per transaction (SQLite; PostgreSQL records one event per transaction).") var batch = 2000
    @Argument(help: "The JSON Lines file.") var file: String

    func run() async throws {
        guard batch >= 1 && batch <= 100_000 else { throw ValidationError("--batch must be 1 to 100000") }
        let store = try await self.store.open()
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let started = ContinuousClock.now
        var reported = 0
        let summary = try await EventImport.run(text, store: store, programId: program, batch: batch) { line, why in
            reported += 1
            if reported <= 50 { say("line \(line): \(why)") }
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        say(String(format: "%d events recorded (%d points), %d refused, in %.2f s: %.0f events/s", summary.recorded, summary.points,
                   summary.refused, seconds, Double(summary.recorded + summary.refused) / max(seconds, 0.001)))
        if summary.refused > 0 { throw ExitCode(2) }
    }
}
