import ArgumentParser
import Foundation
import GRDB
import LaurelCore
import LaurelStore

/// The dashboard's queries on a large SQLite program: `members` members and `events` events over
/// `days` days, written straight into the tables by set-based SQL (an import through the engine
/// would take an hour at this size), with ledger entries of every kind, redemptions of 15 of 20
/// rewards and tier changes in proportion. Then each section, and all of them as the dashboard
/// reads them, is timed over the last 30 days and over the whole year.
struct AnalyticsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "analytics",
                                                    abstract: "Time the dashboard's analytics queries on a large generated SQLite database.")
    @Option(help: "Members.") var members = 100_000
    @Option(help: "Events (nine purchases in ten, then reviews), spread evenly over the days before now.") var events = 2_000_000
    @Option(help: "Days of history.") var days = 365
    @Option(help: "Times each query runs (the first run and the best are reported).") var runs = 3
    @Option(help: "Keep the database at this path and reuse it when it exists (skips seeding).") var path: String?

    static let programYAML = """
        name: Analytics bench
        currency: EUR
        point_value: "0.01"
        earning_rules:
          - {id: spend, event: purchase, effect: {type: points_per_amount, points: 1, per: 1}}
          - {id: review, event: review, effect: {type: fixed_points, points: 20}}
        tiers:
          basis: points_earned
          window: {rolling_months: 12}
          levels:
            - {id: bronze, threshold: 0}
            - {id: silver, threshold: 1000}
            - {id: gold, threshold: 5000}
        """

    func run() async throws {
        let file = path ?? FileManager.default.temporaryDirectory.appendingPathComponent("laurel-analytics-\(UUID().uuidString).db").path
        defer { if path == nil { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) } } }
        let now = Timestamps.date(millis: Timestamps.millis(Date()) / 86_400_000 * 86_400_000 + 43_200_000)
        if !FileManager.default.fileExists(atPath: file) {
            let started = ContinuousClock.now
            try await seed(file, now: now)
            say("seeded \(members) members, \(events) events over \(days) days in \(String(format: "%.1f", (ContinuousClock.now - started).seconds)) s: \(file)")
        }
        let store = try SQLiteStore(path: file)
        try await store.migrate()
        let seededNow = try await Self.newest(file) ?? now
        let today = AnalyticsPeriod.label(Int(Timestamps.millis(seededNow) / 86_400_000))
        for (name, from) in [("30 days", AnalyticsPeriod.label(Int(Timestamps.millis(seededNow) / 86_400_000) - 29)),
                             ("\(days) days", AnalyticsPeriod.label(Int(Timestamps.millis(seededNow) / 86_400_000) - days + 1))] {
            let period = try AnalyticsPeriod(from: from, to: today, timeZone: TimeZone(identifier: "UTC")!, now: seededNow)
            var line: [String] = []
            for (label, sections) in AnalyticsSection.allCases.map({ ($0.rawValue, Set([$0])) }) + [("dashboard", Set(AnalyticsSection.allCases))] {
                var times: [Double] = []
                var figures = AnalyticsFigures()
                for _ in 0..<runs {
                    let started = ContinuousClock.now
                    figures = try await store.analytics(programId: "bench", period: period, sections: sections)
                    times.append((ContinuousClock.now - started).seconds * 1000)
                }
                line.append(String(format: "%@ %.0f ms (first %.0f)", label, times.min() ?? 0, times.first ?? 0))
                if label == "dashboard" {
                    let points = figures.points?.days.reduce(0) { $0 + $1.issued } ?? 0
                    say("\(name) (\(from) … \(today)): members \(figures.members?.total ?? 0), new \(figures.members?.new ?? 0), active \(figures.members?.active ?? 0); "
                        + "issued \(points); purchases \(figures.purchases?.purchases ?? 0) by \(figures.purchases?.buyers ?? 0) "
                        + "(\(figures.purchases?.repeatBuyers ?? 0) repeat); redeemed rewards \(figures.rewards?.count ?? 0)")
                }
            }
            say("  " + line.joined(separator: "; "))
        }
    }

    /// The most recent event, as the timed ranges' end (a kept database was seeded on another day).
    static func newest(_ file: String) async throws -> Date? {
        let queue = try DatabaseQueue(path: file)
        return try await queue.read { db in try Int64.fetchOne(db, sql: "SELECT max(occurred_at) FROM events").map { Timestamps.date(millis: $0) } }
    }

    /// The program and catalogue through the store; then every row by SQL in one transaction.
    func seed(_ file: String, now: Date) async throws {
        let store = try SQLiteStore(path: file)
        try await store.migrate()
        let start = now.addingTimeInterval(-Double(days) * 86_400)
        _ = try await store.createProgram(id: "bench", name: "Bench", now: start)
        let definition = try ProgramDefinition.parse(Self.programYAML)
        _ = try await store.applyProgram(id: "bench", definition: definition, source: Self.programYAML, now: start, idempotency: nil)
        for index in 0..<20 {
            let json = #"{"id": "reward-\#(index)", "name": "Reward \#(index)", "type": "experience", "cost": \#(100 * (index + 1))}"#
            _ = try await store.putReward(programId: "bench", reward: try Reward.read(try ProgramSourceParser.parse(json), program: definition), now: start)
        }
        let queue = try DatabaseQueue(path: file)
        let n = members, e = events, first = Timestamps.millis(start), span = Int64(days) * 86_400_000
        try await queue.write { db in
            // Member i enrolled up to 200 days before the history starts; one in 20 gold, one in 5 silver.
            try db.execute(sql: """
                WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < \(n - 1))
                INSERT INTO members (id, program_id, external_id, attributes, status, available, pending, debt, lifetime_earned,
                                     created_at, updated_at, tier_id)
                SELECT printf('mem_%08d', i), 'bench', printf('ext-%d', i), '{}', 'active', 500 + i % 1000, i % 7, 0, 2000,
                       \(first) - 200 * 86400000 + (i * 7919) % ((\(days) + 200) * 86400) * 1000,
                       \(first), CASE WHEN i % 20 = 0 THEN 'gold' WHEN i % 5 = 0 THEN 'silver' ELSE 'bronze' END
                FROM seq
                """)
            // Event i at an even spread over the days, for a member picked by a multiplicative hash.
            try db.execute(sql: """
                WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < \(e - 1))
                INSERT INTO events (id, program_id, member_id, type, occurred_at, recorded_at, program_version, status, points, purchase_total,
                                    payload, outcome)
                SELECT printf('evt_%09d', i), 'bench', printf('mem_%08d', (i * 2654435761) % \(n)),
                       CASE WHEN i % 10 = 9 THEN 'review' ELSE 'purchase' END, t, t, 1, 'processed', 10 + i % 90,
                       CASE WHEN i % 10 = 9 THEN NULL ELSE printf('%d.00', 10 + i % 90) END, '{}', '{}'
                FROM (SELECT i, \(first) + i * \(span) / \(e) AS t FROM seq)
                """)
            // Every event earns; one in 8 is followed by a spend, 1 in 20 by an expiry, 1 in 50 by a return's
            // reversal, 1 in 100 by a cancelled redemption's restore, 1 in 200 by a staff adjustment.
            try db.execute(sql: """
                INSERT INTO ledger_entries (program_id, member_id, kind, from_account, to_account, points, source_id, program_version, created_at)
                SELECT 'bench', member_id, kind, from_account, to_account, points, id, 1, occurred_at FROM (
                    SELECT member_id, 'earn' AS kind, 'issued' AS from_account, 'member:' || member_id || ':available' AS to_account, points, id, occurred_at, rowid AS r FROM events
                    UNION ALL SELECT member_id, 'spend', 'member:' || member_id || ':available', 'redeemed', points, id, occurred_at + 1000, rowid FROM events WHERE rowid % 8 = 0
                    UNION ALL SELECT member_id, 'expire', 'member:' || member_id || ':available', 'expired', points, id, occurred_at + 2000, rowid FROM events WHERE rowid % 20 = 0
                    UNION ALL SELECT member_id, 'reverse', 'member:' || member_id || ':available', 'reversed', points / 2, id, occurred_at + 3000, rowid FROM events WHERE rowid % 50 = 0
                    UNION ALL SELECT member_id, 'restore', 'redeemed', 'member:' || member_id || ':available', points, id, occurred_at + 4000, rowid FROM events WHERE rowid % 100 = 0
                    UNION ALL SELECT member_id, 'adjust', CASE WHEN rowid % 400 = 0 THEN 'member:' || member_id || ':available' ELSE 'adjusted' END,
                                     CASE WHEN rowid % 400 = 0 THEN 'adjusted' ELSE 'member:' || member_id || ':available' END, 25, id, occurred_at + 5000, rowid
                              FROM events WHERE rowid % 200 = 0)
                ORDER BY occurred_at, r
                """)
            // The spends' redemptions, of rewards 0–14 (15–19 are never redeemed); one in 8 cancelled.
            try db.execute(sql: """
                INSERT INTO redemptions (id, program_id, member_id, reward_id, points, status, created_at, updated_at)
                SELECT 'red_' || id, 'bench', member_id, 'reward-' || ((rowid / 8) % 15), points,
                       CASE WHEN rowid % 64 = 0 THEN 'cancelled' ELSE 'fulfilled' END, occurred_at + 1000, occurred_at + 1000
                FROM events WHERE rowid % 8 = 0
                """)
            // One tier change per 100 events: mostly up a level, one in four down.
            try db.execute(sql: """
                INSERT INTO tier_changes (program_id, member_id, from_tier, to_tier, reason, source_id, created_at)
                SELECT 'bench', member_id, CASE WHEN rowid % 400 = 0 THEN 'gold' ELSE 'bronze' END, 'silver',
                       CASE WHEN rowid % 400 = 0 THEN 'basis_fell' ELSE 'qualified' END, id, occurred_at
                FROM events WHERE rowid % 100 = 0
                """)
        }
    }
}
