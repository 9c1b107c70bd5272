import Foundation
import GRDB
import LaurelCore

extension SQLiteStore {
    public func recordEvent(programId: String, memberId: String, event: LoyaltyEvent, payload: String, now: Date,
                            idempotency: Idempotency<EventRecord>?) async throws -> Idempotent<EventRecord> {
        let cache = programs
        return try await writer.write { db in
            if let idempotency, let replay = try Self.replay(db, programId: programId, idempotency) { return .replayed(replay) }
            guard let member = try Self.fetchMember(db, programId: programId, id: memberId) else { throw StoreError.notFound("member \(memberId)") }
            let (version, processor) = try Self.currentVersion(db, cache: cache, programId: programId)

            var usage: [String: RuleUsage] = [:]
            for query in processor.limitQueries(for: event) {
                let row = try db.row("""
                    SELECT COALESCE(SUM(points), 0) AS points, COUNT(*) AS times FROM rule_awards
                    WHERE member_id = ? AND rule_id = ? AND occurred_at >= ? AND occurred_at < ?
                    """, [memberId, query.ruleId, query.from?.millis ?? Int64.min, query.to == .distantFuture ? Int64.max : query.to.millis])
                usage[query.ruleId] = RuleUsage(points: row?["points"] ?? 0, times: row?["times"] ?? 0)
            }
            var purchase: PurchaseRecord?
            if let details = event.returnOf {
                purchase = try db.row("""
                    SELECT id, member_id, purchase_total, points, points_reversed, amount_refunded FROM events
                    WHERE id = ? AND program_id = ? AND member_id = ? AND type = 'purchase' AND status = 'processed'
                    """, [details.purchaseEventId, programId, memberId]).map { row in
                    PurchaseRecord(eventId: row["id"], memberId: row["member_id"], total: Amount(row["purchase_total"] as String) ?? .zero,
                                   pointsEarned: row["points"], pointsReversed: row["points_reversed"],
                                   amountRefunded: Amount(row["amount_refunded"] as String) ?? .zero)
                }
            }

            let outcome = try processor.process(event, member: member.profile, ledger: try Self.loadLedger(db, member: member), usage: usage,
                                                returnedPurchase: purchase, now: now)
            let recorded = RecordedOutcome(outcome)
            let points = outcome.reversal?.reversed ?? outcome.pointsEarned
            try db.run("""
                INSERT INTO events (id, program_id, member_id, type, occurred_at, recorded_at, program_version, status, points, purchase_total,
                                    payload, outcome)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [event.id, programId, memberId, event.type, event.occurredAt.millis, now.millis, version.version, outcome.status.rawValue,
                      points, event.purchase?.total.description, payload, try JSONText.encode(recorded)])
            try Self.saveLedger(db, programId: programId, ledger: outcome.ledger, version: version.version, now: now)
            for rule in outcome.rules where rule.points > 0 {
                try db.run("INSERT INTO rule_awards (member_id, rule_id, occurred_at, points, event_id) VALUES (?, ?, ?, ?, ?)",
                           [memberId, rule.ruleId, event.occurredAt.millis, rule.points, event.id])
            }
            if let after = outcome.purchaseAfterReturn {
                try db.run("UPDATE events SET points_reversed = ?, amount_refunded = ? WHERE id = ?",
                           [after.pointsReversed, after.amountRefunded.description, after.eventId])
            }
            let record = EventRecord(id: event.id, programId: programId, memberId: memberId, type: event.type, occurredAt: event.occurredAt,
                                     recordedAt: now, programVersion: version.version, status: outcome.status, points: points,
                                     payload: payload, outcome: recorded)
            return try Self.remember(db, programId: programId, idempotency, record, now: now)
        }
    }

    public func event(programId: String, id: String) async throws -> EventRecord? {
        try await writer.read { db in
            try db.row("SELECT * FROM events WHERE program_id = ? AND id = ?", [programId, id]).map { row in
                EventRecord(id: row["id"], programId: row["program_id"], memberId: row["member_id"], type: row["type"],
                            occurredAt: Date(millis: row["occurred_at"]), recordedAt: Date(millis: row["recorded_at"]),
                            programVersion: row["program_version"], status: EventOutcome.Status(rawValue: row["status"]) ?? .processed,
                            points: row["points"], payload: row["payload"], outcome: try JSONText.decode(RecordedOutcome.self, row["outcome"]))
            }
        }
    }
}
