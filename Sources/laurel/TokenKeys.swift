import ArgumentParser
import Foundation
import LaurelCore
import LaurelServer
import LaurelStore

/// The keys that sign and verify a program's member tokens (`docs/security.md`).
struct TokenKeys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token-keys",
        abstract: "List and rotate the keys that sign a program's member tokens.",
        subcommands: [List.self, Rotate.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a program's keys, newest first (never their secrets).")
        @OptionGroup var store: StoreOptions
        @Option(help: "Program id.") var program: String

        func run() async throws {
            let now = Date()
            for key in try await store.open().memberTokenKeys(programId: program) {
                print(Self.line(key, now: now))
            }
        }

        static func line(_ key: MemberTokenKeyRecord, now: Date) -> String {
            let status = key.retiredAt == nil ? "signing" : (key.verifies(at: now) ? "verifying" : "expired")
            return "\(key.id)\t\(status)\tcreated \(Timestamps.format(key.createdAt))" + (key.expiresAt.map { "\tverifies until \(Timestamps.format($0))" } ?? "")
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new key sign the program's member tokens; the previous ones verify theirs until they expire (one hour at most).")
        @OptionGroup var store: StoreOptions
        @Option(help: "Program id.") var program: String
        @Flag(help: "Earlier keys stop verifying at once (a leaked key): every member token of the program stops working.")
        var revokePrevious = false

        func run() async throws {
            let store = try await self.store.open()
            guard try await store.program(id: program) != nil else { throw CommandFailure("no program \(program)") }
            let now = Date()
            guard let keys = try await MemberTokenKeyRotation.rotate(store: store, programId: program, revokePrevious: revokePrevious, now: now).value else {
                throw CommandFailure("the rotation was not applied")
            }
            for key in keys { print(List.line(key, now: now)) }
        }
    }
}
