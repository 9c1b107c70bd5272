import ArgumentParser
import Foundation
import LaurelCore
import LaurelServer
import LaurelStore
import Logging

@main
struct Laurel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "laurel",
        abstract: "Laurel, a self-hosted loyalty engine: members, events, earning rules and an exact points ledger.",
        version: LaurelVersion.description,
        subcommands: [Serve.self, Migrate.self, ProgramCommand.self, Keys.self, TokenKeys.self, Staff.self, Import.self, Audit.self, Jobs.self, Backup.self, Finance.self, Simulate.self, Export.self]
    )

    /// Tasks run on NIO's event loops (see `EventLoopConcurrency`), then the command line is parsed and run.
    /// `serve` first takes the settings its command line leaves out from the environment and the
    /// config file (`ServeConfiguration`).
    static func main() async {
        EventLoopConcurrency.install()
        var arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "serve" {
            do {
                arguments = ["serve"] + (try ServeConfiguration.arguments(Array(arguments.dropFirst()), environment: ProcessInfo.processInfo.environment))
            } catch {
                FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
                Foundation.exit(64)
            }
        }
        await parseAndRun(Self.self, arguments)
    }
}

/// ArgumentParser's async entry point; inside the command's own type `main(_:)` resolves to the blocking one.
private func parseAndRun<Command: AsyncParsableCommand>(_: Command.Type, _ arguments: [String]) async { await Command.main(arguments) }

/// Where the data lives; shared by every command that opens the store.
struct StoreOptions: ParsableArguments {
    /// The variable that names the database when `--db` is not given. Help shows its name, never
    /// its value: a PostgreSQL URL holds a password.
    static let environmentVariable = "LAUREL_DATABASE_URL"

    @Option(name: .customLong("db"),
            help: ArgumentHelp("SQLite database file, or a PostgreSQL URL postgres://user@host:5432/database. (default: $LAUREL_DATABASE_URL when set, else ./laurel.db)",
                               discussion: "Only serve and migrate create a missing SQLite file; the other commands refuse it, so a typo does not open an empty database.",
                               valueName: "db"))
    var explicitDatabase: String?

    @Flag(help: "SQLite only: synchronous = FULL, so acknowledged writes also survive a power loss (slower).")
    var fullSync = false

    /// `--db`, else `$LAUREL_DATABASE_URL`, else `./laurel.db`.
    var db: String { explicitDatabase ?? ProcessInfo.processInfo.environment[Self.environmentVariable] ?? "./laurel.db" }

    var isPostgres: Bool { Self.isPostgresURL(db) }

    static func isPostgresURL(_ location: String) -> Bool { location.hasPrefix("postgres://") || location.hasPrefix("postgresql://") }

    /// Opens the store and applies migrations. A PostgreSQL pool runs in the background for the life of the process.
    /// A SQLite file is created only when `creatingDatabase` (serve, migrate); otherwise a missing one fails.
    /// `metrics`: where the store records its group commits, reads and pool use (`serve` with metrics on).
    /// `readReplica`: a PostgreSQL read replica of `db` (`serve --read-replica`; the caller checks `db` is PostgreSQL).
    func open(creatingDatabase: Bool = false, metrics: LaurelMetrics? = nil, readReplica: String? = nil) async throws -> any LaurelStore {
        if isPostgres {
            let store = try metrics.map { try PostgresStore(url: db, readReplica: readReplica, metrics: $0.factory) }
                ?? PostgresStore(url: db, readReplica: readReplica)
            Task.immediate { await store.run() }
            try await store.migrate()
            return store
        }
        guard creatingDatabase || FileManager.default.fileExists(atPath: db) else {
            throw CommandFailure("no database at \(db): check --db (or $\(Self.environmentVariable)); `laurel migrate --db \(db)` creates a new one")
        }
        let durability: SQLiteStore.Durability = fullSync ? .full : .normal
        let store = try metrics.map { try SQLiteStore(path: db, durability: durability, metrics: $0.factory) } ?? SQLiteStore(path: db, durability: durability)
        try await store.migrate()
        return store
    }

    /// The location without a password, for messages.
    var displayName: String { Self.displayName(db) }

    static func displayName(_ location: String) -> String {
        guard var components = URLComponents(string: location), components.password != nil else { return location }
        components.password = "***"
        return components.string ?? location
    }
}

/// A command that could not do its work (as opposed to a wrong command line): ArgumentParser
/// prints `Error: <description>` without the usage text and exits with status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP API server (migrations are applied on start).",
        discussion: """
            Every option can also come from the environment, as LAUREL_ and its name in capitals with underscores \
            (--idle-timeout: LAUREL_IDLE_TIMEOUT; --db: LAUREL_DATABASE_URL; flags take true or false), or from a \
            config file (--config FILE or LAUREL_CONFIG) of `idle-timeout = 30` lines. A flag on the command line \
            wins over the environment, the environment over the file, the file over the default shown here.
            """)

    @Option(help: ArgumentHelp("A config file of `name = value` lines, the names of the options below without -- (default: $LAUREL_CONFIG when set, else none).",
                               valueName: "file"))
    var config: String?

    @OptionGroup var store: StoreOptions
    @Option(help: "Address to listen on.") var host: String = "127.0.0.1"
    @Option(help: "Port to listen on.") var port: Int = 8080
    @Flag(help: "Set up the demo program \"Bean & Thread\" and print a fresh admin API key for it; webhook endpoints may then be on this machine, as with --allow-private-webhooks.")
    var demo = false
    @Option(help: ArgumentHelp("Seconds between runs of the scheduled jobs: points maturing and expiring, tier checks, club memberships, redemptions, expiring-soon notices (0 = this node runs none).", valueName: "seconds"))
    var settleEvery: Double = 60
    @Option(help: ArgumentHelp("Seconds between refreshes of the segment memberships earning rules, rewards and clubs read (0 = this node refreshes none).", valueName: "seconds"))
    var refreshSegmentsEvery: Double = 300
    @Option(help: ArgumentHelp("Seconds a connection may stay open with no request in flight; a request's headers must arrive within it too.",
                               valueName: "seconds"))
    var idleTimeout: Double = ConnectionLimits().idleTimeout
    @Option(help: ArgumentHelp("Seconds a request body may take to arrive in full; then the connection is closed.", valueName: "seconds"))
    var bodyTimeout: Double = ConnectionLimits().bodyTimeout
    @Option(help: "Open connections at most; more clients wait in the listen backlog until one closes.")
    var maxConnections: Int = ConnectionLimits().maxConnections
    @Option(help: "Seconds between runs of the webhook delivery worker (0 = off: this node delivers no webhooks).")
    var webhooksEvery: Double = 1
    @Flag(help: "Let webhook endpoints use http and private, loopback or link-local addresses (off: https to public addresses only).")
    var allowPrivateWebhooks = false
    @Option(help: ArgumentHelp("Requests per second per API key, for keys without a limit of their own (0 = no limit).", valueName: "per-second"))
    var keyRateLimit: Int = RateLimitSettings.defaults.perKey ?? 0
    @Option(help: ArgumentHelp("Requests per second per member token (0 = no limit).", valueName: "per-second"))
    var memberRateLimit: Int = RateLimitSettings.defaults.perMember ?? 0
    @Option(help: ArgumentHelp("Requests per second per source address to the routes that need no key, /healthz and /openapi.json (0 = no limit).",
                               valueName: "per-second"))
    var addressRateLimit: Int = RateLimitSettings.defaults.perAddress ?? 0
    @Option(help: ArgumentHelp("Failed authentications per minute per source address; past it the address is refused (429) until it refills (0 = no limit).",
                               valueName: "per-minute"))
    var failedAuthLimit: Int = RateLimitSettings.defaults.failedAuthenticationsPerMinute ?? 0
    @Option(help: ArgumentHelp("Member portal sign-in codes per hour for one email or customer number (ten times as many per source address; 0 = no limit).",
                               valueName: "per-hour"))
    var signInCodeLimit: Int = RateLimitSettings.defaults.signInCodesPerHour ?? 0
    @Option(help: ArgumentHelp("Console sign-in attempts per minute for one email, right or wrong (0 = no limit).", valueName: "per-minute"))
    var staffSignInLimit: Int = RateLimitSettings.defaults.staffSignInsPerMinute ?? 0
    @Option(help: ArgumentHelp("Console sign-in attempts per minute from one source address, any emails (0 = no limit).", valueName: "per-minute"))
    var staffSignInAddressLimit: Int = RateLimitSettings.defaults.staffSignInsPerMinutePerAddress ?? 0

    @Option(help: ArgumentHelp("Log lines as plain text or as JSON objects, one per line (time, level, label, message, metadata).", valueName: "text|json"))
    var logFormat: LogFormat = .text
    @Option(help: ArgumentHelp("Least level logged: trace, debug, info, notice, warning, error or critical (debug adds one line per request).",
                               valueName: "level"))
    var logLevel: Logger.Level = .info

    @Option(help: ArgumentHelp("Seconds the requests in flight get to finish after SIGTERM or SIGINT; then they are cancelled and the database is closed.",
                               valueName: "seconds"))
    var shutdownGrace: Double = LaurelApplication.defaultShutdownGrace

    @Option(help: ArgumentHelp("Also listen on this port (same --host) for GET /metrics in Prometheus format, without credentials: for a private network (default: none).",
                               valueName: "port"))
    var metricsPort: Int?
    @Option(help: ArgumentHelp("Serve GET /metrics on the main port to requests with Authorization: Bearer <token>, at least 16 characters (default: none; prefer $LAUREL_METRICS_TOKEN or the config file to the command line). With neither this nor --metrics-port, /metrics is not served.",
                               valueName: "token"))
    var metricsToken: String?
    @Option(help: ArgumentHelp("A PostgreSQL URL of a read replica of --db (a hot standby, same schema): exports, the audit log, analytics and finance reports read it, the primary when it cannot answer (default: none; PostgreSQL --db only).",
                               valueName: "url"))
    var readReplica: String?

    func validate() throws {
        if let readReplica {
            guard store.isPostgres else {
                throw ValidationError("--read-replica needs a PostgreSQL --db: a SQLite database has no replicas (remove --read-replica, or $LAUREL_READ_REPLICA)")
            }
            guard StoreOptions.isPostgresURL(readReplica) else {
                throw ValidationError("--read-replica must be a PostgreSQL URL, postgres://user@host:5432/database, not \(StoreOptions.displayName(readReplica))")
            }
        }
        if let metricsPort {
            guard (1...65_535).contains(metricsPort), metricsPort != port else { throw ValidationError("--metrics-port must be from 1 to 65535 and not --port") }
        }
        if let metricsToken {
            guard metricsToken.count >= 16, metricsToken.allSatisfy({ $0.isASCII && !$0.isWhitespace && !$0.isNewline }) else {
                throw ValidationError("--metrics-token must be at least 16 visible ASCII characters")
            }
        }
        guard shutdownGrace >= 0, shutdownGrace <= 3_600 else { throw ValidationError("--shutdown-grace must be from 0 to 3600 seconds") }
        guard idleTimeout > 0, idleTimeout <= 86_400 else { throw ValidationError("--idle-timeout must be above 0 and at most 86400 seconds") }
        guard bodyTimeout > 0, bodyTimeout <= 86_400 else { throw ValidationError("--body-timeout must be above 0 and at most 86400 seconds") }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1") }
        for (flag, seconds) in [("--settle-every", settleEvery), ("--refresh-segments-every", refreshSegmentsEvery), ("--webhooks-every", webhooksEvery)] {
            guard seconds >= 0, seconds <= 86_400 else { throw ValidationError("\(flag) must be from 0 to 86400 seconds") }
        }
        for (flag, limit) in [("--key-rate-limit", keyRateLimit), ("--member-rate-limit", memberRateLimit), ("--address-rate-limit", addressRateLimit),
                              ("--failed-auth-limit", failedAuthLimit), ("--sign-in-code-limit", signInCodeLimit),
                              ("--staff-sign-in-limit", staffSignInLimit), ("--staff-sign-in-address-limit", staffSignInAddressLimit)] {
            guard (0...RateLimitSettings.maxPerSecond).contains(limit) else {
                throw ValidationError("\(flag) must be from 0 (no limit) to \(RateLimitSettings.maxPerSecond)")
            }
        }
    }

    func run() async throws {
        logFormat.bootstrap(level: logLevel)
        let metrics = metricsPort != nil || metricsToken != nil ? LaurelMetrics() : nil
        let store = try await self.store.open(creatingDatabase: true, metrics: metrics, readReplica: readReplica)
        if demo {
            let demoCredentials = try await DemoSetup.prepare(store: store, now: Date())
            let key = demoCredentials.apiKey
            let passwordLink = StaffAccounts.link(token: demoCredentials.passwordToken, baseURL: "http://\(host):\(port)")
            say("""
                Demo program "\(DemoSetup.programId)" is ready. Admin API key (shown once):

                    \(key)

                Admin console: http://\(host):\(port)/admin/sign-in as \(demoCredentials.ownerEmail) (owner).
                Set the password first, within 24 hours, with this one-time link:

                    \(passwordLink)

                Try:
                    export KEY=\(key)
                    curl -s -X POST http://\(host):\(port)/v1/members -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \\
                         -d '{"external_id":"cust-1","email":"ana@example.com","name":"Ana"}'

                The program also has segments (GET /v1/segments), a campaign (GET /v1/campaigns) and a
                birthday present; webhook endpoints may be on this machine (docs/api.md, Webhooks). The points
                liability in money: GET /v1/finance/liability and /v1/finance/roll-forward (docs/finance.md).

                Members sign in to the portal at http://\(host):\(port)/p/\(DemoSetup.programId) with their email;
                in the demo their one-time codes are also printed here (docs/portal.md).

                """)
        }
        say("Laurel listening on http://\(host):\(port) (database \(self.store.displayName)\(readReplica.map { ", read replica \(StoreOptions.displayName($0))" } ?? ""))")
        if let metricsPort { say("Metrics on http://\(host):\(metricsPort)/metrics (no credentials)") }
        if metricsToken != nil { say("Metrics on http://\(host):\(port)/metrics with the metrics token") }
        let app = LaurelApplication.build(store: store, settings: .init(
            host: host, port: port, intervals: ScheduledJob.Intervals(settle: settleEvery, segments: refreshSegmentsEvery, webhooks: webhooksEvery),
            connections: ConnectionLimits(idleTimeout: idleTimeout, bodyTimeout: bodyTimeout, maxConnections: maxConnections),
            allowPrivateWebhooks: allowPrivateWebhooks || demo, rateLimits: rateLimits, demoProgramId: demo ? DemoSetup.programId : nil,
            metrics: metrics, metricsToken: metricsToken, metricsPort: metricsPort))
        try await LaurelApplication.run(app, store: store, shutdownGrace: shutdownGrace, logger: Logger(label: "laurel"))
    }
}

extension Serve {
    /// The rate-limit flags, 0 meaning no limit.
    var rateLimits: RateLimitSettings {
        func limit(_ value: Int) -> Int? { value == 0 ? nil : value }
        return RateLimitSettings(perKey: limit(keyRateLimit), perMember: limit(memberRateLimit), perAddress: limit(addressRateLimit),
                                 failedAuthenticationsPerMinute: limit(failedAuthLimit), signInCodesPerHour: limit(signInCodeLimit),
                                 staffSignInsPerMinute: limit(staffSignInLimit), staffSignInsPerMinutePerAddress: limit(staffSignInAddressLimit))
    }
}

extension LogFormat: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or upgrade the database schema, then exit.")
    @OptionGroup var store: StoreOptions
    func run() async throws {
        _ = try await store.open(creatingDatabase: true)
        say("database \(store.displayName) is up to date")
    }
}

/// Writes a line to standard output at once (print buffers when the output is a file or pipe).
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
