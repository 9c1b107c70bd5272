import Foundation
import GRDB
import LaurelCore
@testable import LaurelStore
import PostgresNIO
import Testing

/// What the tests of `pending_days` read beside the store's API, on either backend: the rows kept,
/// the same rows recomputed from the lots, and a member's open lots as they stand.
enum PendingDaysProbe {
    /// `member_id release_day expires_at: lots points remaining last_release`, one line per row, sorted.
    static func kept(_ fixture: StoreFixture) async throws -> [String] {
        try await lines(fixture, "SELECT member_id, release_day, expires_at, lots, points, remaining, last_release FROM pending_days")
    }

    /// The rows the open pending lots make, as `kept` prints them (written here, not taken from the store).
    static func fromLots(_ fixture: StoreFixture) async throws -> [String] {
        try await lines(fixture, """
            SELECT member_id, available_at / 86400000, COALESCE(expires_at, 9223372036854775807), COUNT(*), CAST(SUM(points) AS BIGINT),
                   CAST(SUM(remaining) AS BIGINT), MAX(available_at)
            FROM lots WHERE remaining > 0 AND pending = \(fixture.store is SQLiteStore ? "1" : "TRUE")
            GROUP BY member_id, available_at / 86400000, COALESCE(expires_at, 9223372036854775807)
            """)
    }

    /// The rows kept but not made by the lots (`kept: …`) and made but not kept (`lots: …`): none when the table is right.
    static func differences(_ fixture: StoreFixture) async throws -> [String] {
        let kept = try await kept(fixture), fromLots = try await fromLots(fixture)
        return kept.filter { !fromLots.contains($0) }.map { "kept: \($0)" } + fromLots.filter { !kept.contains($0) }.map { "lots: \($0)" }
    }

    /// Every open lot of `memberId`.
    static func openLots(_ fixture: StoreFixture, memberId: String) async throws -> [PointLot] {
        let sql = "SELECT \(SQLiteStore.lotColumns) FROM lots WHERE member_id = '\(memberId)' AND remaining > 0"
        if let store = fixture.store as? SQLiteStore {
            return try await store.read { db in try Row.fetchAll(db, sql: sql).map(Self.lot) }
        }
        let store = try #require(fixture.store as? PostgresStore)
        var lots: [PointLot] = []
        let rows = try await store.client.query(PostgresQuery(unsafeSQL: sql))
        for try await (id, member, source, earned, available, expires, points, remaining, pending)
            in rows.decode((String, String, String, Int64, Int64, Int64?, Int64, Int64, Bool).self) {
            lots.append(PointLot(id: id, memberId: member, sourceId: source, earnedAt: Date(millis: earned), availableAt: Date(millis: available),
                                 expiresAt: expires.map { Date(millis: $0) }, points: Int(points), remaining: Int(remaining), pending: pending))
        }
        return lots
    }

    /// What the store's balance read must say as of `now`: the summary made from every open lot.
    static func summaryFromEveryLot(_ fixture: StoreFixture, memberId: String, now: Date, expiringWithin: TimeInterval) async throws -> PointsSummary {
        let member = try await fixture.reload(memberId)
        return PointsSummary(member: member, lotsThatCanChange: try await openLots(fixture, memberId: memberId), now: now, expiringWithin: expiringWithin)
    }

    private static func lot(_ row: Row) -> PointLot {
        PointLot(id: row[0], memberId: row[1], sourceId: row[2], earnedAt: Date(millis: row[3]), availableAt: Date(millis: row[4]),
                 expiresAt: (row[5] as Int64?).map { Date(millis: $0) }, points: row[6], remaining: row[7], pending: (row[8] as Int) == 1)
    }

    /// Rows of seven columns (a member id, then six integers), one line each, sorted.
    private static func lines(_ fixture: StoreFixture, _ sql: String) async throws -> [String] {
        var lines: [String] = []
        if let store = fixture.store as? SQLiteStore {
            lines = try await store.read { db in
                try Row.fetchAll(db, sql: sql).map { row in ([row[0] as String] + (1..<7).map { "\(row[$0] as Int64)" }).joined(separator: " ") }
            }
        } else {
            let store = try #require(fixture.store as? PostgresStore)
            let rows = try await store.client.query(PostgresQuery(unsafeSQL: sql))
            for try await (member, day, expiry, count, points, remaining, last) in rows.decode((String, Int64, Int64, Int64, Int64, Int64, Int64).self) {
                lines.append("\(member) \(day) \(expiry) \(count) \(points) \(remaining) \(last)")
            }
        }
        return lines.sorted()
    }
}
