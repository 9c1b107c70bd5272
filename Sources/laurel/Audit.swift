import ArgumentParser
import Foundation
import LaurelStore

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recompute a program's balances from its ledger entries and lots; exits 1 if anything disagrees.")
    @OptionGroup var store: StoreOptions
    @Option(help: "Program id; every program when omitted.") var program: String?

    func run() async throws {
        let store = try await self.store.open()
        let ids: [String]
        if let program { ids = [program] } else { ids = try await store.programs().map(\.id) }
        var failed = false
        for id in ids {
            let problems = try await store.audit(programId: id)
            if problems.isEmpty {
                say("\(id): ledger consistent")
            } else {
                failed = true
                say("\(id): \(problems.count) problem(s)")
                for problem in problems { say("  \(problem)") }
            }
        }
        if failed { throw ExitCode(1) }
    }
}
