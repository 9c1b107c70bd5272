import Foundation
import LaurelServer
import LaurelStore
import LaurelTestSupport
import PostgresNIO
import Testing

/// `--read-replica`: the reads routed to the replica (exports, the audit log, analytics, finance)
/// are served by a real hot standby (`.ci/postgres.sh start-standby`) and are stale while its replay
/// is paused, while balances stay on the primary; an unreachable replica hands its reads to the
/// primary, which answers them, and each is counted.
struct ReadReplicaTests {
    static var standbyURL: String? {
        guard let url = ProcessInfo.processInfo.environment["LAUREL_TEST_POSTGRES_REPLICA_URL"], !url.isEmpty else { return nil }
        return url
    }
    static let noStandby = """
        LAUREL_TEST_POSTGRES_REPLICA_URL is not set (`source .ci/postgres.sh start-standby` starts a hot standby of the test cluster): \
        the routing test on a real replica is skipped
        """

    @Test(.enabled(if: PostgresAvailability.isConfigured, Comment(rawValue: PostgresAvailability.skipReason)),
          .enabled(if: standbyURL != nil, Comment(rawValue: noStandby)))
    func routedReadsComeFromTheStandbyAndBalancesFromThePrimary() async throws {
        let standby = try PostgresStore(url: try #require(Self.standbyURL))
        let standbyPool = Task.immediate { await standby.run() }
        defer { standbyPool.cancel() }
        // A generous wait for a standby connection: under a loaded test run a fallback would read the primary.
        let store = try await Self.store(replica: try #require(Self.standbyURL), leaseTimeout: .seconds(60))
        let fixture = try await HTTPFixture.make(on: store)
        try await fixture.withServer { api in
            let ana = try await api.member("ana")
            #expect(try await api.post("/v1/members/\(ana)/adjustments", #"{"points":100,"reason":"welcome"}"#).status == 201)
            try await Self.waitForReplay(primary: store, standby: standby)
            #expect(try await Self.exportedEntries(api) == 1)
            #expect(try await Self.auditedAdjustments(api) == 1)
            for path in ["/v1/analytics/dashboard", "/v1/finance/liability", "/v1/finance/roll-forward"] {
                let answer = try await api.get(path)
                #expect(answer.status == 200, "\(path): \(answer.text)")
            }

            let paused = try await Self.pausingReplay(of: standby) {
                (adjusted: try await api.post("/v1/members/\(ana)/adjustments", #"{"points":50,"reason":"sorry"}"#).status,
                 available: try await api.points(ana)["available"] as? Int, exported: try await Self.exportedEntries(api),
                 audited: try await Self.auditedAdjustments(api))
            }
            #expect(paused.adjusted == 201)
            #expect(paused.available == 150, "the balance is read on the primary")
            #expect(paused.exported == 1, "the ledger export reads the standby, paused before the adjustment")
            #expect(paused.audited == 1, "the audit log reads the standby, paused before the adjustment")
            try await Self.waitForReplay(primary: store, standby: standby)
            #expect(try await Self.exportedEntries(api) == 2)
            #expect(try await Self.auditedAdjustments(api) == 2)
        }
        #expect(store.replicaFallbackCount == 0, "every routed read was the standby's")
    }

    @Test(.enabled(if: PostgresAvailability.isConfigured, Comment(rawValue: PostgresAvailability.skipReason)))
    func anUnreachableReplicaHandsItsReadsToThePrimaryAndCountsThem() async throws {
        let metrics = LaurelMetrics()
        // Port 1 on loopback: nothing listens, every connection attempt is refused.
        let store = try await Self.store(replica: "postgres://laurel@127.0.0.1:1/laurel_test", leaseTimeout: .milliseconds(300), metrics: metrics)
        let fixture = try await HTTPFixture.make(on: store)
        try await fixture.withServer { api in
            let ana = try await api.member("ana")
            #expect(try await api.post("/v1/members/\(ana)/adjustments", #"{"points":100,"reason":"welcome"}"#).status == 201)
            #expect(try await Self.exportedEntries(api) == 1)
            #expect(try await Self.auditedAdjustments(api) == 1)
            for path in ["/v1/analytics/dashboard", "/v1/finance/liability"] {
                let answer = try await api.get(path)
                #expect(answer.status == 200, "\(path): \(answer.text)")
            }
        }
        #expect(store.replicaFallbackCount == 4, "the export, the audit list, the dashboard and the liability report")
        let text = String(decoding: await metrics.scrape(store: store, now: Date()), as: UTF8.self)
        #expect(MetricsTests.value("laurel_postgres_replica_fallbacks_total", in: text) == 4, "\(text)")
    }

    /// A store on a fresh schema of the test database whose replica is `replica` with the same schema.
    static func store(replica: String, leaseTimeout: Duration, metrics: LaurelMetrics? = nil) async throws -> PostgresStore {
        let primary = try await TestBackend.freshPostgresSchema()
        let schema = try #require(URLComponents(string: primary)?.queryItems?.first { $0.name == "search_path" }?.value)
        let replica = replica + "?search_path=\(schema)"
        let store = try metrics.map { try PostgresStore(url: primary, readReplica: replica, replicaLeaseTimeout: leaseTimeout, metrics: $0.factory) }
            ?? PostgresStore(url: primary, readReplica: replica, replicaLeaseTimeout: leaseTimeout)
        TestBackend.runPools(of: store)
        try await store.migrate()
        return store
    }

    static func exportedEntries(_ api: HTTPFixture.Client) async throws -> Int {
        let answer = try await api.get("/v1/exports/ledger?format=jsonl", key: api.fixture.admin)
        #expect(answer.status == 200, "\(answer.text)")
        return answer.text.split(separator: "\n").count
    }

    static func auditedAdjustments(_ api: HTTPFixture.Client) async throws -> Int {
        let answer = try await api.get("/v1/audit?action=member.points_adjusted", key: api.fixture.admin)
        #expect(answer.status == 200, "\(answer.text)")
        return (answer.json["data"] as? [Any])?.count ?? -1
    }

    /// Waits until the standby has replayed everything the primary has written so far.
    static func waitForReplay(primary: PostgresStore, standby: PostgresStore) async throws {
        var written = ""
        for try await lsn in try await primary.client.query("SELECT pg_current_wal_lsn()::text").decode(String.self) { written = lsn }
        try await waitFor("the standby to replay up to \(written)") {
            var replayed = false
            for try await done in try await standby.client.query("SELECT pg_last_wal_replay_lsn() >= \(written)::pg_lsn").decode(Bool.self) { replayed = done }
            return replayed
        }
    }

    /// `body` while the standby's replay is paused (resumed however `body` ends).
    static func pausingReplay<T>(of standby: PostgresStore, _ body: () async throws -> T) async throws -> T {
        try await standby.client.query("SELECT pg_wal_replay_pause()")
        let result: T
        do {
            try await waitFor("the standby's replay to pause") {
                var state = ""
                for try await text in try await standby.client.query("SELECT pg_get_wal_replay_pause_state()").decode(String.self) { state = text }
                return state == "paused"
            }
            result = try await body()
        } catch {
            _ = try? await standby.client.query("SELECT pg_wal_replay_resume()")
            throw error
        }
        try await standby.client.query("SELECT pg_wal_replay_resume()")
        return result
    }

    static func waitFor(_ what: String, _ done: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(60))
        while try await !done() {
            guard ContinuousClock.now < deadline else { throw WaitedTooLong(what: what) }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    struct WaitedTooLong: Error, CustomStringConvertible {
        let what: String
        var description: String { "waited 60 s for \(what)" }
    }
}
