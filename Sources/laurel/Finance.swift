import ArgumentParser
import Foundation
import LaurelCore
import LaurelServer
import LaurelStore

/// `laurel finance`: the points liability in money (docs/finance.md).
struct Finance: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The points liability as deferred revenue: a monthly roll-forward, and journal entries for a bookkeeping import.",
        subcommands: [Report.self, Journal.self])

    struct Range: ParsableArguments {
        @OptionGroup var store: StoreOptions
        @Option(help: "Program id.") var program: String
        @Option(help: "First month: a date (2026-01-01) or a month (2026-01); default the 11 months before --to.") var from: String?
        @Option(help: "Last month: a date or a month; default this month.") var to: String?

        /// Runs `body` on the open store, with the API's refusals as plain messages.
        func run(_ body: (any LaurelStore) async throws -> String) async throws {
            let store = try await self.store.open()
            do {
                FileHandle.standardOutput.write(Data(try await body(store).utf8))
            } catch let problem as Problem {
                try? await store.close()
                throw CommandFailure(problem.field.map { "\(problem.detail) (\($0))" } ?? problem.detail)
            }
            try await store.close()
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the monthly roll-forward: opening, issued, reversed, redeemed, expired, breakage released, closing.")
        @OptionGroup var range: Range
        @Option(help: "table, csv or json.") var format: String = "table"

        func run() async throws {
            guard let format = FinanceText.Format(rawValue: format) else { throw ValidationError("--format must be table, csv or json") }
            try await range.run { store in
                try await FinanceText.report(store: store, programId: range.program, from: range.from, to: range.to, now: Date(), format: format)
            }
        }
    }

    struct Journal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export the roll-forward as balanced journal entries (CSV: date,account,debit,credit,memo).")
        @OptionGroup var range: Range
        @Option(help: "Account names, e.g. deferred=2400,revenue=4000,breakage=4010 (each defaults to that number).") var accounts: String?
        @Option(help: "The deferred revenue (contract liability) account.") var deferredAccount: String?
        @Option(help: "The revenue account redemptions are recognised in.") var revenueAccount: String?
        @Option(help: "The breakage revenue account.") var breakageAccount: String?

        func run() async throws {
            var chosen = FinanceJournal.Accounts()
            for pair in (accounts ?? "").split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, !parts[1].isEmpty else { throw ValidationError("--accounts takes name=account pairs, got \(pair)") }
                switch parts[0] {
                case "deferred": chosen.deferred = parts[1]
                case "revenue": chosen.revenue = parts[1]
                case "breakage": chosen.breakage = parts[1]
                default: throw ValidationError("--accounts knows deferred, revenue and breakage, not \(parts[0])")
                }
            }
            if let deferredAccount { chosen.deferred = deferredAccount }
            if let revenueAccount { chosen.revenue = revenueAccount }
            if let breakageAccount { chosen.breakage = breakageAccount }
            let accounts = chosen
            try await range.run { store in
                try await FinanceText.journal(store: store, programId: range.program, from: range.from, to: range.to, now: Date(), accounts: accounts)
            }
        }
    }
}
