import Foundation
import LaurelCore
import PostgresNIO

extension PostgresStore {
    public func notifyExpiringPoints(now: Date, batchSize: Int) async throws -> Int {
        let programIds = try await read { connection in
            try await connection.rows("SELECT id FROM programs WHERE current_version IS NOT NULL ORDER BY id", logger)
                .map { try $0.get("id", String.self) }
        }
        var noticed = 0
        for programId in programIds {
            noticed += try await transaction { connection in
                let (_, processor) = try await currentVersion(connection, programId: programId)
                let thresholds = processor.program.expiringSoonDays.sorted()
                var noticed = 0
                // Smallest threshold first: a lot inside it is marked for the larger ones too, unannounced.
                for (index, days) in thresholds.enumerated() {
                    let found = try await connection.rows("""
                        SELECT id, member_id, remaining, expires_at FROM lots
                        WHERE program_id = \(programId) AND remaining > 0 AND expires_at > \(now.millis)
                          AND expires_at <= \(now.addingTimeInterval(Double(days) * 86_400).millis)
                          AND NOT EXISTS (SELECT 1 FROM expiry_notices WHERE lot_id = lots.id AND days = \(days))
                        ORDER BY expires_at, id LIMIT \(batchSize)
                        """, logger).map { row in
                        ExpiringLot(id: try row.get("id"), memberId: try row.get("member_id"), points: try row.get("remaining"),
                                    expiresAt: try row.date("expires_at"))
                    }
                    guard !found.isEmpty else { continue }
                    // Only the lots this transaction marks are announced: another node marking them
                    // at the same time waits here for this one's commit, then marks none.
                    let marked = Set(try await connection.rows("""
                        INSERT INTO expiry_notices (lot_id, days, sent_at)
                        SELECT lot_id, days, \(now.millis) FROM UNNEST(\(found.map(\.id))::TEXT[]) AS lot(lot_id)
                            CROSS JOIN UNNEST(\(thresholds[index...].map { $0 })::INTEGER[]) AS threshold(days)
                        ON CONFLICT (lot_id, days) DO NOTHING RETURNING lot_id, days
                        """, logger).compactMap { row in try row.get("days", Int.self) == days ? try row.get("lot_id", String.self) : nil })
                    let lots = found.filter { marked.contains($0.id) }
                    for (memberId, message) in OutboxMessages.expiringSoon(lots, days: days, now: now) {
                        try await Self.emit(connection, programId: programId, memberId: memberId, [message], now: now, logger)
                    }
                    noticed += lots.count
                }
                return noticed
            }
        }
        return noticed
    }

    public func recordJobRun(_ run: JobRunRecord) async throws {
        _ = try await read { connection in
            try await connection.query("""
                INSERT INTO job_runs (name, started_at, duration_ms, processed, error, runs)
                VALUES (\(run.name), \(run.startedAt.millis), \(run.durationMillis), \(run.processed), \(run.error), 1)
                ON CONFLICT (name) DO UPDATE SET started_at = excluded.started_at, duration_ms = excluded.duration_ms,
                    processed = excluded.processed, error = excluded.error, runs = job_runs.runs + 1
                """, logger: logger)
        }
    }

    public func jobRuns() async throws -> [JobRunRecord] {
        try await read { connection in
            try await connection.rows("SELECT * FROM job_runs ORDER BY name", logger).map { row in
                JobRunRecord(name: try row.get("name"), startedAt: try row.date("started_at"), durationMillis: try row.get("duration_ms"),
                             processed: try row.get("processed"), error: try row.get("error", String?.self), runs: try row.get("runs"))
            }
        }
    }
}

extension PostgresStore {
    public func scheduledBacklog(now: Date) async throws -> [String: Int] {
        try await snapshotRead { connection in
            let at = now.millis
            let row = try await connection.row("""
                SELECT (SELECT COUNT(DISTINCT member_id) FROM lots
                        WHERE remaining > 0 AND ((pending AND available_at <= \(at)) OR expires_at <= \(at))) AS settle,
                       (SELECT COUNT(*) FROM members WHERE tier_check_at <= \(at)) AS tiers,
                       (SELECT COUNT(*) FROM club_memberships WHERE status = 'active' AND (notify_at <= \(at) OR expires_at <= \(at))) AS clubs,
                       (SELECT COUNT(*) FROM redemptions WHERE status = 'issued' AND expires_at <= \(at)) AS redemptions,
                       (SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= \(at)) AS deliveries
                """, logger)
            return [
                JobName.settlePoints: try row?.get("settle", Int.self) ?? 0,
                JobName.reviewTiers: try row?.get("tiers", Int.self) ?? 0,
                JobName.clubMemberships: try row?.get("clubs", Int.self) ?? 0,
                JobName.expireRedemptions: try row?.get("redemptions", Int.self) ?? 0,
                JobName.deliverWebhooks: try row?.get("deliveries", Int.self) ?? 0,
            ]
        }
    }
}
