import ArgumentParser
import Foundation
import LaurelServer
import LaurelStore

/// `laurel import members|events|reconcile` (docs/import.md).
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import members or historical events from a CSV or JSON Lines file, and reconcile balances after a migration.",
        discussion: """
            `laurel import FILE` (the old form) imports events, as `laurel import events FILE`. \
            Each file is journalled: an interrupted import resumes where its last committed batch ended, \
            and a file imported already is not imported again unless --again. See docs/import.md.
            """,
        subcommands: [ImportMembers.self, ImportEvents.self, ImportReconcile.self],
        defaultSubcommand: ImportEvents.self)
}

/// What `import members` and `import events` share.
struct ImportFileOptions: ParsableArguments {
    @OptionGroup var store: StoreOptions
    @Option(help: "Program id.") var program: String
    @Option(name: .customLong("on-error"),
            help: "skip: report each bad row with its line number and keep the others; refuse: check the whole file first and write nothing if any row is bad.")
    var onError: ImportRun.OnError = .skip
    @Flag(help: "Import the file even though its journal says it was imported already.") var again = false
    @Flag(help: "Show the progress line (rows, rate, ETA) on standard error even when it is not a terminal.") var progress = false
    @Option(help: "Rows per transaction.") var batch = 2000
    @Argument(help: "The file: .csv (a header row names the columns) or .jsonl (one JSON object per line).") var file: String

    func run(_ kind: ImportKind, asRecorded: Bool = false) async throws {
        guard batch >= 1 && batch <= 100_000 else { throw ValidationError("--batch must be 1 to 100000") }
        let format = try ImportFormat(path: file)
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        let store = try await self.store.open()
        guard try await store.program(id: program) != nil else { throw ValidationError("no program \(program)") }
        let bar = (progress || isatty(2) != 0) ? ProgressBar() : nil
        let started = ContinuousClock.now
        var reported = 0
        let report: ImportRun.Report
        do {
            report = try await ImportRun.run(data, format: format,
                                             options: ImportRun.Options(programId: program, kind: kind, batch: batch, onError: onError, again: again,
                                                                        asRecorded: asRecorded),
                                             store: store, notice: { say($0) },
                                             refusal: { line, why in
                                                 reported += 1
                                                 if reported <= 1000 { say("line \(line): \(why)") }
                                             },
                                             progress: { done, total in bar?.show("importing \(kind.rawValue)", done, total) })
        } catch let error as ImportFileError {
            bar?.finish()
            say("\(file): \(error.description); nothing imported")
            throw ExitCode(2)
        }
        bar?.finish()
        if reported > 1000 { say("… \(reported - 1000) more refused lines not listed") }
        if report.alreadyImported { return }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        if report.refusedWhole {
            say("\(report.refused) bad row(s): nothing imported (--on-error refuse)")
            throw ExitCode(2)
        }
        let noun = kind == .members ? "members created" : "events recorded"
        let points = kind == .members ? "opening points" : "points"
        say(String(format: "%d %@ (%d %@), %d refused, in %.2f s: %.0f rows/s", report.recorded, noun, report.points, points, report.refused,
                   seconds, Double(report.rowsThisRun) / max(seconds, 0.001)))
        if let line = report.resumedAfterLine {
            say("(the counts include the rows up to line \(line), imported before the interruption; the points are this run's)")
        }
        if report.refused > 0 { throw ExitCode(2) }
    }
}

struct ImportMembers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "members",
        abstract: "Create members from a file: each row a POST /v1/members body, with an opening balance and what the source system stated.",
        discussion: """
            CSV columns: external_id (required), email, name, birthday, status, attr.<name> (an attribute, as text), \
            opening_balance and opening_expires_at (one lot of points with its expiry), expected_balance, expected_pending, \
            expected_tier (for `laurel import reconcile`). JSON Lines: the POST /v1/members body with the same extra fields, \
            and opening_balances: [{"points": …, "expires_at": …}] for several lots. An external id already taken is a bad row.
            """)
    @OptionGroup var options: ImportFileOptions
    func run() async throws { try await options.run(.members) }
}

struct ImportEvents: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Import historical events from a file, in order; each earns as the program's current version says.",
        discussion: """
            JSON Lines: one POST /v1/events body per line (with occurred_at, and the member by member_id or external_id). \
            CSV columns: member_id or external_id, type, occurred_at, store, channel, currency, total, transaction_id \
            (a purchase), return_purchase_event_id and return_amount (a return), attr.<name> (an attribute, as text); a CSV \
            cannot carry a purchase's lines (use JSON Lines). With --as-recorded, every event but a return carries the points \
            it earned in the source system (points), booked as they are at its original time with the explanation \
            "imported as recorded", in place of the program's rules.
            """)
    @OptionGroup var options: ImportFileOptions
    @Flag(name: .customLong("as-recorded"), help: "Book each event's points column/field as it is instead of earning by the program's rules.")
    var asRecorded = false
    func run() async throws { try await options.run(.events, asRecorded: asRecorded) }
}

struct ImportReconcile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Compare the balance, pending points and tier a members file states with what Laurel holds; exits 1 if any differ.",
        discussion: """
            Reads a members file (CSV or JSON Lines, as `laurel import members`); rows with expected_balance, expected_pending \
            or expected_tier are checked against the member with that external_id, as of now.
            """)
    enum Format: String, ExpressibleByArgument { case text, csv }
    @OptionGroup var store: StoreOptions
    @Option(help: "Program id.") var program: String
    @Option(help: "text (a table and the totals) or csv (for a spreadsheet).") var format: Format = .text
    @Argument(help: "The members file.") var file: String

    func run() async throws {
        let fileFormat = try ImportFormat(path: file)
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        let store = try await self.store.open()
        let report: Reconciliation.Report
        do {
            report = try await Reconciliation.run(data, format: fileFormat, programId: program, store: store, now: Date())
        } catch let error as ImportFileError {
            say("\(file): \(error.description)")
            throw ExitCode(2)
        }
        switch format {
        case .text: say(Reconciliation.text(report))
        case .csv: FileHandle.standardOutput.write(Data(Reconciliation.csv(report).utf8))
        }
        if report.differing > 0 || !report.unreadable.isEmpty { throw ExitCode(1) }
    }
}

extension ImportRun.OnError: ExpressibleByArgument {}
extension ImportFormat {
    init(path: String) throws {
        do { try self.init(checking: path) } catch { throw ValidationError(error.description) }
    }
}
