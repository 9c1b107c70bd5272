import ArgumentParser
import Foundation
import LaurelServer
import LaurelStore

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and revoke API keys. A key belongs to one program and has a scope: admin, integration or read.",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key; its secret is printed once and only its hash is stored.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Program id.") var program: String
        @Option(help: "admin (everything), integration (members, events, transfers, reads) or read.") var scope: APIScope
        @Option(help: "A name to recognise the key by.") var name: String?
        @Option(help: ArgumentHelp("Requests per second this key may send (default: the server's --key-rate-limit).", valueName: "per-second"))
        var rateLimit: Int?

        func validate() throws {
            if let rateLimit, !(1...RateLimitSettings.maxPerSecond).contains(rateLimit) {
                throw ValidationError("--rate-limit must be from 1 to \(RateLimitSettings.maxPerSecond) requests per second")
            }
        }

        func run() async throws {
            let store = try await self.store.open()
            guard try await store.program(id: program) != nil else { throw CommandFailure("no program \(program); apply a program file first") }
            let (record, secret) = try await AuditActor.$current.withValue(AuditActor.commandLine) {
                try await APIKeyAuthenticator.create(store: store, programId: program, scope: scope, name: name, rateLimit: rateLimit, now: Date())
            }
            print("created \(record.id) (\(scope.rawValue)) for program \(program). The secret is shown only now:\n\n    \(secret)\n")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never their secrets).")
        @OptionGroup var store: StoreOptions
        @Option(help: "Only this program's keys.") var program: String?

        func run() async throws {
            for key in try await store.open().apiKeys(programId: program) {
                let state = key.revokedAt == nil ? "active" : "revoked"
                let limit = key.rateLimit.map { "\($0)/s" } ?? "default"
                print("\(key.id)\t\(key.programId)\t\(key.scope.rawValue)\t\(state)\t\(key.prefix)…\t\(limit)\t\(key.name ?? "")")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by its id (key_…); it stops working within seconds.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The key id.") var id: String

        func run() async throws {
            let store = try await self.store.open()
            guard try await AuditActor.$current.withValue(AuditActor.commandLine, operation: { try await store.revokeAPIKey(id: id, now: Date()) }) else {
                throw CommandFailure("no active key \(id)")
            }
            print("revoked \(id)")
        }
    }
}

extension APIScope: ExpressibleByArgument {}

extension AuditActor {
    /// The operator at the shell, for the audit trail: `cli:<user>`.
    static var commandLine: String { cli(ProcessInfo.processInfo.environment["USER"] ?? "unknown") }
}
