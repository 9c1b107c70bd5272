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
        let store = try await self.store.open()
        guard batch >= 1 && batch <= 100_000 else { throw ValidationError("--batch must be 1 to 100000") }
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let started = ContinuousClock.now
        var recorded = 0, refused = 0, points = 0
        var pending: [(line: Int, event: ImportedEvent)] = []
        func flush() async throws {
            guard !pending.isEmpty else { return }
            let results = try await store.importEvents(programId: program, events: pending.map(\.event), now: Date())
            for (item, result) in zip(pending, results) {
                switch result {
                case .recorded(_, let earned):
                    recorded += 1
                    points += earned
                case .refused(let why):
                    refused += 1
                    if refused <= 50 { say("line \(item.line): \(why)") }
                }
            }
            pending.removeAll(keepingCapacity: true)
        }
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            let now = Date()
            do {
                pending.append((number, try EventImport.parse(trimmed, id: Identifiers.make("evt", now: now), now: now)))
            } catch {
                refused += 1
                if refused <= 50 { say("line \(number): \(EventImport.describe(error))") }
            }
            if pending.count >= batch { try await flush() }
        }
        try await flush()
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        say(String(format: "%d events recorded (%d points), %d refused, in %.2f s: %.0f events/s", recorded, points, refused, seconds,
                   Double(recorded + refused) / max(seconds, 0.001)))
        if refused > 0 { throw ExitCode(2) }
    }
}
