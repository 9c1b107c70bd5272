import Foundation
import GRDB
import LaurelCore

extension SQLiteStore {
    public func notifyExpiringPoints(now: Date, batchSize: Int) async throws -> Int {
        let cache = programs
        let programIds = try await read { db in
            try db.rows("SELECT id FROM programs WHERE current_version IS NOT NULL ORDER BY id").map { $0["id"] as String }
        }
        var noticed = 0
        for programId in programIds {
            noticed += try await write { db in
                let (_, processor) = try Self.currentVersion(db, cache: cache, programId: programId)
                let thresholds = processor.program.expiringSoonDays.sorted()
                var noticed = 0
                // Smallest threshold first: a lot inside it is marked for the larger ones too, unannounced.
                for (index, days) in thresholds.enumerated() {
                    let lots = try db.rows("""
                        SELECT id, member_id, remaining, expires_at FROM lots
                        WHERE program_id = ? AND remaining > 0 AND expires_at > ? AND expires_at <= ?
                          AND NOT EXISTS (SELECT 1 FROM expiry_notices WHERE lot_id = lots.id AND days = ?)
                        ORDER BY expires_at, id LIMIT ?
                        """, [programId, now.millis, now.addingTimeInterval(Double(days) * 86_400).millis, days, batchSize]).map { row in
                        ExpiringLot(id: row["id"], memberId: row["member_id"], points: row["remaining"], expiresAt: Date(millis: row["expires_at"]))
                    }
                    for lot in lots {
                        for marked in thresholds[index...] {
                            try db.run("INSERT OR IGNORE INTO expiry_notices (lot_id, days, sent_at) VALUES (?, ?, ?)", [lot.id, marked, now.millis])
                        }
                    }
                    for (memberId, message) in OutboxMessages.expiringSoon(lots, days: days, now: now) {
                        try Self.emit(db, programId: programId, memberId: memberId, [message], now: now)
                    }
                    noticed += lots.count
                }
                return noticed
            }
        }
        return noticed
    }

    public func recordJobRun(_ run: JobRunRecord) async throws {
        try await write { db in
            try db.run("""
                INSERT INTO job_runs (name, started_at, duration_ms, processed, error, runs) VALUES (?, ?, ?, ?, ?, 1)
                ON CONFLICT (name) DO UPDATE SET started_at = excluded.started_at, duration_ms = excluded.duration_ms,
                    processed = excluded.processed, error = excluded.error, runs = job_runs.runs + 1
                """, [run.name, run.startedAt.millis, run.durationMillis, run.processed, run.error])
        }
    }

    public func jobRuns() async throws -> [JobRunRecord] {
        try await read { db in
            try db.rows("SELECT * FROM job_runs ORDER BY name").map { row in
                JobRunRecord(name: row["name"], startedAt: Date(millis: row["started_at"]), durationMillis: row["duration_ms"],
                             processed: row["processed"], error: row["error"], runs: row["runs"])
            }
        }
    }
}

extension SQLiteStore {
    public func scheduledBacklog(now: Date) async throws -> [String: Int] {
        try await read { db in
            let at = now.millis
            func count(_ sql: String, _ arguments: StatementArguments) throws -> Int { try db.row(sql, arguments)?[0] ?? 0 }
            return [
                JobName.settlePoints: try count("""
                    SELECT COUNT(DISTINCT member_id) FROM lots WHERE remaining > 0 AND ((pending = 1 AND available_at <= ?) OR expires_at <= ?)
                    """, [at, at]),
                JobName.reviewTiers: try count("SELECT COUNT(*) FROM members WHERE tier_check_at <= ?", [at]),
                JobName.clubMemberships: try count("""
                    SELECT COUNT(*) FROM club_memberships WHERE status = 'active' AND (notify_at <= ? OR expires_at <= ?)
                    """, [at, at]),
                JobName.expireRedemptions: try count("SELECT COUNT(*) FROM redemptions WHERE status = 'issued' AND expires_at <= ?", [at]),
                JobName.deliverWebhooks: try count("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ?", [at]),
            ]
        }
    }
}
