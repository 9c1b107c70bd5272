import Foundation
import LaurelCore
import LaurelStore

/// `laurel import members|events`: a file's rows into the store, in batches, each batch in one
/// transaction with the import journal, so that an interrupted import resumes after the last
/// committed batch and a finished one is not imported twice (docs/import.md).
public enum ImportRun {
    /// What to do with a bad row: report it and keep the others, or refuse the whole file.
    public enum OnError: String, Sendable, CaseIterable {
        case skip, refuse
    }

    public struct Options: Sendable {
        public var programId: String
        public var kind: ImportKind
        public var batch: Int
        public var onError: OnError
        /// Import a file the journal says was imported already.
        public var again: Bool
        /// Keep a journal (off only for the benchmark, which imports the same text many times).
        public var journal: Bool
        /// Events: book each line's `points` as they are (`EventImport.parse`).
        public var asRecorded: Bool
        public init(programId: String, kind: ImportKind, batch: Int, onError: OnError = .skip, again: Bool = false, journal: Bool = true,
                    asRecorded: Bool = false) {
            self.asRecorded = asRecorded
            self.programId = programId
            self.kind = kind
            self.batch = batch
            self.onError = onError
            self.again = again
            self.journal = journal
        }
    }

    public struct Report: Sendable {
        /// Rows kept and refused, counting those of earlier runs this one resumed.
        public var recorded = 0
        public var refused = 0
        /// Points the rows earned (events) or brought (members' opening balances), this run.
        public var points = 0
        /// The line after which this run resumed an interrupted one.
        public var resumedAfterLine: Int?
        /// The journal says the file was imported already; nothing was done.
        public var alreadyImported = false
        /// Refuse mode found bad rows: nothing was written.
        public var refusedWhole = false
        /// Rows this run read (its share of the file).
        public var rowsThisRun = 0
    }

    /// Imports `data` (a file in `format`). `notice` hears how the run starts (resuming, already
    /// imported, an earlier run rolled back); `refusal` each bad row in line order; `progress` the
    /// rows done and the rows of the file after each batch.
    public static func run(_ data: Data, format: ImportFormat, options: Options, store: any LaurelStore,
                           notice: (String) -> Void = { _ in }, refusal: (_ line: Int, _ why: String) -> Void,
                           progress: (_ done: Int, _ total: Int) async -> Void = { _, _ in }) async throws -> Report {
        let lines = try ImportFile.lines(data, format: format, kind: options.kind)
        let key = ImportJournalKey(programId: options.programId, kind: options.kind.rawValue, fileHash: ImportFile.sha256(data))
        var report = Report()
        var startLine = 0
        let mode = options.onError.rawValue
        if options.journal {
            if let journal = try await store.importJournal(key), !options.again {
                if journal.finished {
                    report.alreadyImported = true
                    report.recorded = journal.imported
                    report.refused = journal.refused
                    notice("this file was already imported into \(options.programId) as \(options.kind.rawValue) (\(journal.imported) rows kept, "
                           + "\(journal.refused) refused, finished \(Timestamps.format(journal.updatedAt))); nothing done (--again imports it once more)")
                    return report
                }
                if journal.line > 0 {
                    startLine = journal.line
                    report.resumedAfterLine = journal.line
                    report.recorded = journal.imported
                    report.refused = journal.refused
                    notice("resuming import of this file at line \(journal.line + 1) (\(journal.imported) rows already imported, "
                           + "\(journal.refused) refused, up to line \(journal.line))")
                } else if journal.mode != "refused" {
                    notice("an earlier run of this file stopped before it committed anything: it was rolled back, nothing of it was kept; "
                           + "importing from the start")
                }
            }
            if startLine == 0 {
                try await store.markImport(ImportJournalMark(key: key, line: 0, imported: 0, refused: 0, finished: false, mode: mode, now: Date()))
            }
        }
        let todo = lines.filter { $0.number > startLine }
        report.rowsThisRun = todo.count
        let total = lines.count
        let alreadyDone = lines.count - todo.count
        let lastLine = lines.last?.number ?? 0
        switch options.kind {
        case .members:
            let programId = options.programId
            try await write(todo, options: options, key: key, lastLine: lastLine, report: &report, refusal: refusal,
                            progress: { await progress(alreadyDone + $0, total) },
                            parse: { json, now in try MemberImport.parse(json, programId: programId, now: now).member },
                            store: { items, mark, all in
                                try await store.importMembers(programId: programId, members: items, now: Date(), journal: mark, allOrNothing: all)
                            }, markOnly: { try await store.markImport($0) })
        case .events:
            let programId = options.programId
            // The import's clock: each event is judged when it happened, or when the event before it
            // was if it came late (as the API would have judged it), never later than now.
            var clock = Date.distantPast
            try await write(todo, options: options, key: key, lastLine: lastLine, report: &report, refusal: refusal,
                            progress: { await progress(alreadyDone + $0, total) },
                            parse: { json, now in
                                var imported = try EventImport.parse(json, id: Identifiers.make("evt", now: now), now: now, asRecorded: options.asRecorded)
                                clock = max(clock, imported.judgedAt(importedAt: now))
                                imported.clock = clock
                                return imported
                            },
                            store: { items, mark, all in
                                try await store.importEvents(programId: programId, events: items, now: Date(), journal: mark, allOrNothing: all,
                                                             reviewingTiers: true)
                            }, markOnly: { try await store.markImport($0) })
        }
        return report
    }

    private enum Row<Item> {
        case item(Item)
        case unreadable(String)
    }

    private static func parseRow<Item>(_ line: ImportLine, _ parse: (String, Date) throws -> Item) -> Row<Item> {
        switch line.json {
        case .failure(let error): return .unreadable(error.why)
        case .success(let json):
            do { return .item(try parse(json, Date())) } catch { return .unreadable(EventImport.describe(error)) }
        }
    }

    private static func write<Item: Sendable>(
        _ lines: [ImportLine], options: Options, key: ImportJournalKey, lastLine: Int, report: inout Report,
        refusal: (Int, String) -> Void, progress: (Int) async -> Void,
        parse: (String, Date) throws -> Item,
        store: @escaping @Sendable ([Item], ImportJournalMark?, Bool) async throws -> [ImportResult],
        markOnly: (ImportJournalMark) async throws -> Void
    ) async throws {
        let mode = options.onError.rawValue
        func mark(line: Int, finished: Bool, extraRefused: Int = 0) -> ImportJournalMark? {
            guard options.journal else { return nil }
            return ImportJournalMark(key: key, line: line, imported: report.recorded, refused: report.refused + extraRefused, finished: finished,
                                     mode: mode, now: Date())
        }
        if options.onError == .refuse {
            // Every row is read first; only a file whose rows all read goes to the store, in one
            // transaction that is rolled back when any row is refused there.
            let rows = lines.map { (number: $0.number, row: parseRow($0, parse)) }
            let unreadable = rows.compactMap { row -> (Int, String)? in
                if case .unreadable(let why) = row.row { return (row.number, why) }
                return nil
            }
            if !unreadable.isEmpty {
                for (line, why) in unreadable { refusal(line, why) }
                report.refused = unreadable.count
                report.refusedWhole = true
                if let mark = mark(line: 0, finished: false) { try await markOnly(with(mark, mode: "refused")) }
                return
            }
            let items = rows.compactMap { row -> Item? in
                if case .item(let item) = row.row { return item }
                return nil
            }
            do {
                let results = try await store(items, mark(line: lastLine, finished: true), true)
                for result in results { if case .recorded(_, let points) = result { report.recorded += 1; report.points += points } }
                await progress(lines.count)
            } catch let refused as ImportRefusedAll {
                for (row, result) in zip(rows, refused.results) {
                    if case .refused(let why) = result { refusal(row.number, why); report.refused += 1 }
                }
                report.refusedWhole = true
                if let mark = mark(line: 0, finished: false) { try await markOnly(with(mark, mode: "refused")) }
            }
            return
        }

        // Skip mode: the next batch is read while the store writes the previous one (the store is
        // the slower part, and the two use different cores); batches are still written one after
        // the other, each with the journal's mark of its last line.
        var pending: [(number: Int, row: Row<Item>)] = []
        var items = 0, done = 0
        var writing: (rows: [(number: Int, row: Row<Item>)], results: Task<[ImportResult], any Error>)?
        func finishWriting() async throws {
            guard let (rows, task) = writing else { return }
            writing = nil
            var results = try await task.value.makeIterator()
            for (number, row) in rows {
                switch row {
                case .unreadable(let why):
                    report.refused += 1
                    refusal(number, why)
                case .item:
                    switch results.next() {
                    case .recorded(_, let points)?:
                        report.recorded += 1
                        report.points += points
                    case .refused(let why)?:
                        report.refused += 1
                        refusal(number, why)
                    case nil:
                        break
                    }
                }
            }
            done += rows.count
            await progress(done)
        }
        func flush() async throws {
            try await finishWriting()
            guard let last = pending.last else { return }
            let batchItems = pending.compactMap { row -> Item? in
                if case .item(let item) = row.row { return item }
                return nil
            }
            let unreadable = pending.count - batchItems.count
            let batchMark = mark(line: last.number, finished: false, extraRefused: unreadable)
            if batchItems.isEmpty {
                if let batchMark { try await markOnly(batchMark) }
                writing = (pending, Task { () throws -> [ImportResult] in [] })
            } else {
                writing = (pending, Task { try await store(batchItems, batchMark, false) })
            }
            pending.removeAll(keepingCapacity: true)
            items = 0
        }
        for line in lines {
            pending.append((line.number, parseRow(line, parse)))
            if case .item = pending[pending.count - 1].row { items += 1 }
            if items >= options.batch { try await flush() }
        }
        try await flush()
        try await finishWriting()
        if let last = mark(line: lastLine, finished: true) { try await markOnly(last) }
    }

    private static func with(_ mark: ImportJournalMark, mode: String) -> ImportJournalMark {
        var mark = mark
        mark.mode = mode
        return mark
    }
}
