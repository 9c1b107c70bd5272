import ArgumentParser
import Foundation
import LaurelCore
import LaurelServer
import LaurelStore

@main
struct Laurel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "laurel",
        abstract: "Laurel, a self-hosted loyalty engine: members, events, earning rules and an exact points ledger.",
        subcommands: [Serve.self, Migrate.self, ProgramCommand.self, Keys.self, Import.self, Audit.self]
    )

    /// Tasks run on NIO's event loops (see `EventLoopConcurrency`), then the command line is parsed and run.
    static func main() async {
        EventLoopConcurrency.install()
        await parseAndRun(Self.self)
    }
}

/// ArgumentParser's async entry point; inside the command's own type `main(nil)` resolves to the blocking one.
private func parseAndRun<Command: AsyncParsableCommand>(_: Command.Type) async { await Command.main(nil) }

/// Where the data lives; shared by every command that opens the store.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("SQLite database file (created if missing), or a PostgreSQL URL postgres://user@host:5432/database.",
                               discussion: "Defaults to $LAUREL_DATABASE_URL when set, else ./laurel.db."))
    var db: String = ProcessInfo.processInfo.environment["LAUREL_DATABASE_URL"] ?? "./laurel.db"

    @Flag(help: "SQLite only: synchronous = FULL, so acknowledged writes also survive a power loss (slower).")
    var fullSync = false

    /// Opens the store and applies migrations. A PostgreSQL pool runs in the background for the life of the process.
    func open() async throws -> any LaurelStore {
        if db.hasPrefix("postgres://") || db.hasPrefix("postgresql://") {
            let store = try PostgresStore(url: db)
            Task.immediate { await store.run() }
            try await store.migrate()
            return store
        }
        let store = try SQLiteStore(path: db, durability: fullSync ? .full : .normal)
        try await store.migrate()
        return store
    }

    /// The location without a password, for messages.
    var displayName: String {
        guard var components = URLComponents(string: db), components.password != nil else { return db }
        components.password = "***"
        return components.string ?? db
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP API server (migrations are applied on start).")

    @OptionGroup var store: StoreOptions
    @Option(help: "Address to listen on.") var host: String = "127.0.0.1"
    @Option(help: "Port to listen on.") var port: Int = 8080
    @Flag(help: "Set up the demo program \"Bean & Thread\" and print a fresh admin API key for it.") var demo = false
    @Option(help: "Seconds between runs of the job that matures pending points and expires lots (0 = off).")
    var settleEvery: Double = 60

    func run() async throws {
        let store = try await self.store.open()
        if demo {
            let key = try await DemoSetup.prepare(store: store, now: Date())
            say("""
                Demo program "\(DemoSetup.programId)" is ready. Admin API key (shown once):

                    \(key)

                Try:
                    export KEY=\(key)
                    curl -s -X POST http://\(host):\(port)/v1/members -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \\
                         -d '{"external_id":"cust-1","email":"ana@example.com","name":"Ana"}'

                """)
        }
        say("Laurel listening on http://\(host):\(port) (database \(self.store.displayName))")
        let app = LaurelApplication.build(store: store, settings: .init(host: host, port: port, settlementInterval: settleEvery))
        try await app.runService()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the database schema, then exit.")
    @OptionGroup var store: StoreOptions
    func run() async throws {
        _ = try await store.open()
        say("database \(store.displayName) is up to date")
    }
}

/// Writes a line to standard output at once (print buffers when the output is a file or pipe).
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
