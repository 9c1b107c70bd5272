import ArgumentParser
import Foundation
import LaurelServer
import LaurelStore

extension ExportKind: ExpressibleByArgument {}
extension ExportFormat: ExpressibleByArgument {}

/// `laurel export`: a program's data as CSV or JSON Lines, streamed (docs/operations.md, Export).
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a program's members, ledger, events or redemptions as CSV or JSON Lines.",
        discussion: """
            Rows are read a page at a time and written as they are read, so memory stays small on millions of rows. \
            CSV has a header row and RFC 4180 quoting; JSON Lines has one object per line with sorted keys. \
            A members line is a POST /v1/members body with the member's id and status; an events line is the \
            stored POST /v1/events body with the event's id, which `laurel import` reads back. Ledger columns: \
            id (le_<seq>), member_id, kind, from_account, to_account, points, source_id (the event, redemption, \
            adjustment or transfer), lot_id, lot_expires_at, program_version, created_at, actor, reason.
            """)

    @OptionGroup var store: StoreOptions
    @Option(help: "Program id.") var program: String
    @Option(help: "csv or jsonl.") var format: ExportFormat = .jsonl
    @Option(help: "Write to this file instead of standard output (replaced if it exists).") var output: String?
    @Argument(help: "What to export: members, ledger, events or redemptions.") var kind: ExportKind

    func run() async throws {
        let store = try await self.store.open()
        do {
            guard try await store.program(id: program) != nil else { throw CommandFailure("no program \(program)") }
            let handle: FileHandle
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: nil), let file = FileHandle(forWritingAtPath: output) else {
                    throw CommandFailure("cannot write \(output)")
                }
                handle = file
            } else {
                handle = FileHandle.standardOutput
            }
            let count = try await DataExport.write(kind, format: format, store: store, programId: program, now: Date()) { text in
                try handle.write(contentsOf: Data(text.utf8))
            }
            if output != nil {
                try handle.close()
                FileHandle.standardError.write(Data("\(count) \(kind.rawValue) rows written to \(output ?? "")\n".utf8))
            }
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }
}
