import Foundation
import Hummingbird
import HummingbirdCore
import LaurelCore
import LaurelStore
import Logging
import NIOCore

/// Builds Laurel's HTTP application on a store.
public enum LaurelApplication {
    public struct Settings: Sendable {
        public var host: String
        public var port: Int
        /// Seconds between runs of the scheduled jobs (`ScheduledJob.Intervals`); 0 turns a kind off.
        public var intervals: ScheduledJob.Intervals
        /// Connection limits; see `ConnectionLimits`.
        public var connections: ConnectionLimits
        /// Lets webhook endpoints use `http` and private, loopback and link-local addresses (tests, private networks).
        public var allowPrivateWebhooks: Bool
        /// Request rate limits (`RateLimitSettings`).
        public var rateLimits: RateLimitSettings
        /// The program whose member-portal sign-in codes are also written to the log (`serve --demo`); nil: none.
        public var demoProgramId: String?
        /// Where the server's metrics are recorded (nil: nowhere, and `/metrics` is not served), and how
        /// `/metrics` is reached: on the main port behind `metricsToken`, and/or on `metricsPort` (same host, no credentials).
        public var metrics: LaurelMetrics?
        public var metricsToken: String?
        public var metricsPort: Int?
        public init(host: String = "127.0.0.1", port: Int = 8080, intervals: ScheduledJob.Intervals = ScheduledJob.Intervals(),
                    connections: ConnectionLimits = ConnectionLimits(), allowPrivateWebhooks: Bool = false,
                    rateLimits: RateLimitSettings = .defaults, demoProgramId: String? = nil,
                    metrics: LaurelMetrics? = nil, metricsToken: String? = nil, metricsPort: Int? = nil) {
            self.metrics = metrics
            self.metricsToken = metricsToken
            self.metricsPort = metricsPort
            self.rateLimits = rateLimits
            self.demoProgramId = demoProgramId
            self.host = host
            self.port = port
            self.intervals = intervals
            self.connections = connections
            self.allowPrivateWebhooks = allowPrivateWebhooks
        }
    }

    /// The router with every route; `routes` lists them with who may call them (the OpenAPI
    /// check and the authorization matrix test walk it).
    public static func router(store: any LaurelStore, clock: any WallClock, allowPrivateWebhooks: Bool = false,
                              rateLimits: RateLimitSettings = .defaults, demoProgramId: String? = nil,
                              random: RandomSource = .system(), metrics: LaurelMetrics? = nil,
                              metricsToken: String? = nil) -> (Router<AppContext>, [APIRoute]) {
        let router = Router(context: AppContext.self)
        if let metrics { router.add(middleware: MetricsMiddleware(metrics: metrics)) }
        let api = APIRouter(router: router, authenticator: CallerAuthenticator(store: store, clock: clock), cors: CORSPolicy(store: store, clock: clock),
                            limits: RequestLimits(settings: rateLimits, clock: clock))
        router.add(middleware: RequestIdMiddleware())
        router.add(middleware: CORSPreflightMiddleware(policy: api.cors, routes: api.table))
        router.add(middleware: UnmatchedRouteMiddleware(routes: api.table))
        SystemRoutes(store: store).register(api)
        ProgramRoutes(store: store, clock: clock).register(api)
        MemberRoutes(store: store, clock: clock).register(api)
        EventRoutes(store: store, clock: clock, metrics: metrics).register(api)
        LedgerRoutes(store: store, clock: clock).register(api)
        ReferralRoutes(store: store, clock: clock).register(api)
        PunchCardRoutes(store: store, clock: clock).register(api)
        TierRoutes(store: store, clock: clock).register(api)
        RewardRoutes(store: store, clock: clock).register(api)
        RedemptionRoutes(store: store, clock: clock).register(api)
        ClubRoutes(store: store, clock: clock).register(api)
        SegmentRoutes(store: store, clock: clock).register(api)
        WebhookRoutes(store: store, clock: clock, policy: WebhookURLPolicy(allowPrivate: allowPrivateWebhooks)).register(api)
        CampaignRoutes(store: store, clock: clock).register(api)
        MemberTokenRoutes(store: store, clock: clock, tokens: api.authenticator.tokens).register(api)
        AuditRoutes(store: store).register(api)
        AnalyticsRoutes(store: store, clock: clock).register(api)
        ReviewRoutes(store: store, clock: clock).register(api)
        GameRoutes(store: store, clock: clock, random: random).register(api)
        RaffleRoutes(store: store, clock: clock, random: random).register(api)
        ChallengeRoutes(store: store, clock: clock).register(api)
        FinanceRoutes(store: store, clock: clock).register(api)
        MemberDataRoutes(store: store, clock: clock).register(api)
        ExportRoutes(store: store, clock: clock).register(api)
        ImportRoutes(store: store, clock: clock).register(api)
        SimulationRoutes(store: store, clock: clock).register(api)
        BulkAwardRoutes(store: store, clock: clock).register(api)
        WebAssets.register(router)
        PortalRoutes(store: store, clock: clock, signIn: PortalSignIn(store: store, clock: clock, limits: api.limits,
                                                                      logger: Logger(label: "laurel.portal"), loggedProgramId: demoProgramId),
                     random: random)
            .register(router)
        ConsoleRoutes.register(router, store: store, clock: clock, rateLimits: rateLimits)
        // Not an API route (no scope, not in the OpenAPI document): see `MetricsRoutes`.
        if let metrics, let metricsToken { MetricsRoutes.register(router, metrics: metrics, token: metricsToken, store: store, clock: clock) }
        return (router, api.routes)
    }

    public static func build(store: any LaurelStore, clock: any WallClock = SystemClock(), settings: Settings = Settings(),
                             logger: Logger = Logger(label: "laurel")) -> some ApplicationProtocol {
        let (router, _) = self.router(store: store, clock: clock, allowPrivateWebhooks: settings.allowPrivateWebhooks,
                                      rateLimits: settings.rateLimits, demoProgramId: settings.demoProgramId,
                                      metrics: settings.metrics, metricsToken: settings.metricsToken)
        let configuration = ApplicationConfiguration(
            address: .hostname(settings.host, port: settings.port), serverName: "laurel",
            availableConnectionsDelegate: MaximumAvailableConnections(settings.connections.maxConnections, logger: logger))
        var app = Application(router: router, server: server(settings.connections), configuration: configuration, logger: logger)
        let jobs = ScheduledJob.all(store: store, intervals: settings.intervals,
                                    sender: WebhookSender(allowPrivateAddresses: settings.allowPrivateWebhooks), metrics: settings.metrics)
        if jobs.contains(where: { $0.interval > 0 }) {
            app.addServices(Scheduler(jobs: jobs, store: store, clock: clock, logger: logger, metrics: settings.metrics))
        }
        if let metrics = settings.metrics, let port = settings.metricsPort {
            app.addServices(metricsListener(metrics: metrics, store: store, clock: clock, host: settings.host, port: port, logger: logger))
        }
        return app
    }

    /// The `--metrics-port` listener: `GET /metrics` without credentials and nothing else, on the
    /// main listener's host; it starts and shuts down with the application it is added to.
    public static func metricsListener(metrics: LaurelMetrics, store: any LaurelStore, clock: any WallClock = SystemClock(),
                                       host: String, port: Int, logger: Logger = Logger(label: "laurel")) -> some ApplicationProtocol {
        Application(router: MetricsRoutes.listenerRouter(metrics: metrics, store: store, clock: clock),
                    configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "laurel-metrics"), logger: logger)
    }

    /// HTTP/1.1 with Laurel's connection timeouts, and problem documents for requests the HTTP
    /// parser refuses. (The connection cap is part of the application's configuration.)
    public static func server(_ limits: ConnectionLimits) -> HTTPServerBuilder {
        let bodyTimeout = TimeAmount.nanoseconds(Int64(limits.bodyTimeout * 1e9))
        return .http1(configuration: HTTP1Channel.Configuration(
            additionalChannelHandlers: [HTTPParseErrorResponder(), RequestBodyTimeoutHandler(timeout: bodyTimeout)],
            idleTimeout: .nanoseconds(Int64(limits.idleTimeout * 1e9))))
    }
}
