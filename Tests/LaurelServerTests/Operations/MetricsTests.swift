import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LaurelCore
import LaurelServer
import LaurelStore
import LaurelTestSupport
import NIOCore
import Testing

/// `GET /metrics` over real HTTP: the series and their counts, labels by route template, the metrics
/// token, and the separate metrics listener. Each server has its own `LaurelMetrics` (its own
/// registry), so the counts are this test's alone although the tests share one process.
struct MetricsTests {
    static let token = "metrics-secret-7f3a"

    /// A fixture whose store records into `metrics`: a SQLite file made here (its group commits and
    /// reads are recorded), or a fresh PostgreSQL schema (the server's series only).
    static func fixture(_ backend: TestBackend, _ metrics: LaurelMetrics) async throws -> HTTPFixture {
        switch backend {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-metrics-\(UUID().uuidString).db").path
            let store = try SQLiteStore(path: path, metrics: metrics.factory)
            try await store.migrate()
            return try await HTTPFixture.make(on: store)
        case .postgres:
            return try await HTTPFixture.make(backend)
        }
    }

    static func withServer(_ fixture: HTTPFixture, _ metrics: LaurelMetrics, token: String? = Self.token,
                           _ body: @escaping @Sendable (HTTPFixture.Client) async throws -> Void) async throws {
        let router = LaurelApplication.router(store: fixture.store, clock: fixture.clock, metrics: metrics, metricsToken: token).0
        let app = Application(router: router, server: LaurelApplication.server(ConnectionLimits()))
        try await app.test(.live) { client in try await body(HTTPFixture.Client(client: client, fixture: fixture)) }
    }

    /// The value of one series (`name{labels}` exactly as exposed), nil when absent.
    static func value(_ series: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.dropFirst(series.count + 1)) }
    }

    @Test(arguments: TestBackend.available)
    func theSeriesCountWhatHappened(backend: TestBackend) async throws {
        let metrics = LaurelMetrics()
        let fixture = try await Self.fixture(backend, metrics)
        try await Self.withServer(fixture, metrics) { api in
            let ana = try await api.member("m1")
            let ben = try await api.member("m2")
            for member in [ana, ben, ana] { #expect(try await api.purchase(member).status == 201) }
            #expect(try await api.purchase(ben, idempotencyKey: "once").status == 201)
            let replay = try await api.purchase(ben, idempotencyKey: "once")
            #expect(replay.status == 201 && replay.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            // Refused: no such member; and a type of its own.
            #expect(try await api.purchase("mem_nobody").status == 404)
            #expect(try await api.post("/v1/events", #"{"member_id":"\#(ana)","type":"review"}"#).status == 201)
            // A redemption, paid from an adjustment (purchases stay pending for 14 days).
            #expect(try await api.post("/v1/members/\(ana)/adjustments", #"{"points":300,"reason":"welcome"}"#).status == 201)
            #expect(try await api.post("/v1/rewards", #"{"id":"tote","name":"Tote","type":"experience","cost":100}"#).status == 201)
            #expect(try await api.post("/v1/redemptions", #"{"member_id":"\#(ana)","reward_id":"tote"}"#, key: fixture.integration,
                                       idempotencyKey: "r1").status == 201)
            // Two members read, two unknown paths: one series each, under the template and `unmatched`.
            for member in [ana, ben] { #expect(try await api.get("/v1/members/\(member)").status == 200) }
            for path in ["/v1/nothing/abc123", "/v1/nothing/def456"] { #expect(try await api.get(path).status == 404) }
            // Methods of the caller's invention: one `other` series, whatever they are.
            for method in ["PROPFIND", "PURGE"] { _ = try await api.call(HTTPRequest.Method(method)!, "/v1/nothing/ghi789", key: nil) }
            // Event types past the first 50 share `other`.
            for index in 0..<52 {
                #expect(try await api.post("/v1/events", #"{"member_id":"\#(ben)","type":"kind_\#(index)"}"#).status == 201)
            }

            let scrape = try await api.call(.get, "/metrics", key: Self.token)
            #expect(scrape.status == 200)
            #expect(scrape.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            let text = scrape.text
            func value(_ series: String) -> Double? { Self.value(series, in: text) }
            #expect(value(#"laurel_events_total{type="purchase",outcome="recorded"}"#) == 4, "\(text)")
            #expect(value(#"laurel_events_total{type="purchase",outcome="replayed"}"#) == 1)
            #expect(value(#"laurel_events_total{type="purchase",outcome="refused"}"#) == 1)
            #expect(value(#"laurel_events_total{type="review",outcome="recorded"}"#) == 1)
            #expect(value(#"laurel_http_requests_total{route="/v1/events",method="POST",status="201"}"#) == 58) // 6 and the 52 kinds
            #expect(value(#"laurel_http_requests_total{route="/v1/events",method="POST",status="404"}"#) == 1)
            #expect(value(#"laurel_http_requests_total{route="/v1/redemptions",method="POST",status="201"}"#) == 1)
            #expect(value(#"laurel_http_requests_total{route="/v1/members/{id}",method="GET",status="200"}"#) == 2)
            #expect(value(#"laurel_http_requests_total{route="unmatched",method="GET",status="404"}"#) == 2, "\(text)")
            #expect(value(#"laurel_http_request_duration_seconds_count{route="/v1/events",method="POST"}"#) == 59)
            #expect(value(#"laurel_http_requests_total{route="unmatched",method="other",status="404"}"#) == 2)
            #expect(value(#"laurel_events_total{type="kind_47",outcome="recorded"}"#) == 1) // with purchase and review, the 50th type
            #expect(value(#"laurel_events_total{type="other",outcome="recorded"}"#) == 4)
            // No path as sent, no member id, no invented method anywhere in the labels.
            for raw in ["abc123", "def456", "ghi789", "PROPFIND", "PURGE", "kind_48", ana, ben] { #expect(!text.contains(raw), "\(raw) in the scrape") }

            // The ledger's entries, read from the database: exactly those the two members' ledgers list.
            var entries = 0
            for member in [ana, ben] {
                entries += try await fixture.store.ledger(programId: "prg_a", memberId: member, limit: 500, startingAfter: nil).items.count
            }
            #expect(entries > 0 && value("laurel_ledger_entries") == Double(entries))
            #expect((value("laurel_database_bytes") ?? 0) > 0, "the database's size, read at the scrape")
            #expect(value(#"laurel_job_backlog{job="deliver_webhooks"}"#) == 0)
            #expect(value(#"laurel_job_backlog{job="settle_points"}"#) == 0) // the purchases mature in 14 days
            if backend == .sqlite {
                // Every group commit is in both histograms; together they held every write, at least one each.
                let batches = try #require(value("laurel_sqlite_group_commit_writes_count"))
                #expect(batches > 0 && value("laurel_sqlite_group_commit_duration_seconds_count") == batches)
                #expect(try #require(value("laurel_sqlite_group_commit_writes_sum")) >= batches)
                #expect(value("laurel_sqlite_reads_in_flight") == 0)
            }
        }
    }

    @Test func theTokenGuardsTheMainPortAndWithoutOneMetricsAreNotServedThere() async throws {
        let metrics = LaurelMetrics()
        let fixture = try await Self.fixture(.sqlite, metrics)
        try await Self.withServer(fixture, metrics) { api in
            for key in [nil, "wrong", Self.token + "x", fixture.admin] {
                let refused = try await api.call(.get, "/metrics", key: key)
                #expect(refused.status == 401 && refused.code == "unauthorized", "\(String(describing: key)): \(refused.text)")
            }
            #expect(try await api.call(.get, "/metrics", key: Self.token).status == 200)
        }
        try await Self.withServer(fixture, metrics, token: nil) { api in
            let absent = try await api.call(.get, "/metrics", key: Self.token)
            #expect(absent.status == 404 && absent.code == "not_found")
        }
    }

    @Test func theMetricsListenerServesMetricsAndNothingElse() async throws {
        let metrics = LaurelMetrics()
        let fixture = try await Self.fixture(.sqlite, metrics)
        // Something recorded on the main server appears on the listener.
        try await Self.withServer(fixture, metrics) { api in
            let health = try await api.get("/healthz")
            #expect(health.status == 200)
        }
        let listener = LaurelApplication.metricsListener(metrics: metrics, store: fixture.store, clock: fixture.clock, host: "127.0.0.1", port: 0)
        try await listener.test(.live) { client in
            let scrape = try await client.execute(uri: "/metrics", method: .get)
            #expect(scrape.status == .ok)
            let text = String(buffer: scrape.body)
            #expect(Self.value(#"laurel_http_requests_total{route="/healthz",method="GET",status="200"}"#, in: text) == 1, "\(text)")
            for path in ["/healthz", "/openapi.json", "/v1/members", "/metrics/x", "/admin/sign-in"] {
                #expect(try await client.execute(uri: path, method: .get, headers: [.authorization: "Bearer \(fixture.admin)"]).status == .notFound, "\(path)")
            }
        }
    }

    /// `/metrics` is an operational endpoint, not an API route: not in the route list the
    /// authorization tests walk, not in the OpenAPI document, and listed as such in docs/api.md.
    @Test func metricsIsAnOperationalEndpointDocumentedAsOne() throws {
        let routes = LaurelApplication.router(store: try SQLiteStore(path: ":memory:"), clock: SystemClock(), metrics: LaurelMetrics(), metricsToken: "t").1
        #expect(!routes.contains { $0.path == "/metrics" })
        let documented = try ScopeTests.documented()
        #expect(!documented.contains { $0.path == "/metrics" })
        let guide = try String(contentsOf: QuickStartTests.root.appendingPathComponent("docs/api.md"), encoding: .utf8)
        let operational = try #require(guide.components(separatedBy: "### Operational endpoints").dropFirst().first?.components(separatedBy: "\n#").first)
        #expect(operational.contains("`GET /metrics`"))
    }

    /// docs/operations.md, Metrics, names every series a server exposes.
    @Test func theOperationsGuideNamesEverySeries() async throws {
        let metrics = LaurelMetrics()
        let fixture = try await Self.fixture(.sqlite, metrics)
        try await Self.withServer(fixture, metrics) { api in
            let member = try await api.member("d1")
            _ = try await api.purchase(member)
            let text = try await api.call(.get, "/metrics", key: Self.token).text
            let names = Set(text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.compactMap { $0.split(separator: " ").dropFirst(2).first.map(String.init) })
            #expect(names.count >= 8, "\(names)")
            let docs = try String(contentsOf: QuickStartTests.root.appendingPathComponent("docs/operations.md"), encoding: .utf8)
            let section = docs.components(separatedBy: "## Metrics").dropFirst().first?.components(separatedBy: "\n## ").first ?? ""
            for name in names { #expect(section.contains("`\(name)"), "docs/operations.md, Metrics, lacks \(name)") }
        }
    }
}

/// `laurel serve` with both settings: the listener, the token on the main port, a token too short refused.
struct MetricsServeTests {
    @Test func serveExposesMetricsOnItsOwnPortAndBehindTheToken() async throws {
        let folder = try CLITests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let metricsPort = try await TestPorts.unused()
        let token = "serve-metrics-token-0123456789"
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = client.shutdown() }
        func get(_ url: String, token: String? = nil) async throws -> (status: UInt, body: String) {
            var request = HTTPClientRequest(url: url)
            if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            let response = try await client.execute(request, timeout: .seconds(10))
            return (response.status.code, String(buffer: try await response.body.collect(upTo: 1 << 20)))
        }
        try await ServeProcess.with(database: folder.appendingPathComponent("laurel.db").path,
                                    arguments: ["--settle-every", "0", "--metrics-port", "\(metricsPort)", "--metrics-token", token]) { server in
            let own = try await get("http://127.0.0.1:\(metricsPort)/metrics")
            #expect(own.status == 200 && own.body.contains(#"laurel_http_requests_total{route="/healthz",method="GET",status="200"}"#), "\(own.body)")
            #expect(own.body.contains("laurel_sqlite_reads_in_flight"))
            #expect(try await get("http://127.0.0.1:\(metricsPort)/healthz").status == 404)
            #expect(try await get("http://127.0.0.1:\(server.port)/metrics").status == 401)
            #expect(try await get("http://127.0.0.1:\(server.port)/metrics", token: token).status == 200)
        }
        let short = try await LaurelCommand.run(["serve", "--db", folder.appendingPathComponent("x.db").path, "--metrics-token", "short"])
        #expect(short.status != 0 && short.errors.contains("--metrics-token must be at least 16"), "\(short.all)")
    }
}

/// The PostgreSQL pool's series, recorded by a store given the factory.
struct PostgresPoolMetricsTests {
    @Test(.enabled(if: TestBackend.postgresURL != nil)) func thePoolsUseIsRecorded() async throws {
        let metrics = LaurelMetrics()
        let store = try PostgresStore(url: try await TestBackend.freshPostgresSchema(), metrics: metrics.factory)
        let pool = Task { await store.run() }
        defer { pool.cancel() }
        try await store.migrate()
        #expect(try await store.ledgerEntriesWritten() == 0)
        let text = String(decoding: await metrics.scrape(store: store, now: Date()), as: UTF8.self)
        #expect(MetricsTests.value("laurel_postgres_connections_max", in: text) == Double(PostgresStore.maximumConnections), "\(text)")
        #expect(MetricsTests.value("laurel_postgres_connections_in_use", in: text) == 0)
        #expect(MetricsTests.value("laurel_ledger_entries", in: text) == 0)
    }
}
