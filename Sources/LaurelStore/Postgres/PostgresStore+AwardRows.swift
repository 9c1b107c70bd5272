import Foundation
import LaurelCore
import Logging
import PostgresNIO

/// Award rows exist only to be counted by limits (and summed for campaigns). An event writes one
/// for each awarding rule its judging version keeps (`EventProcessor.keptAwardRuleIds`: limited and
/// campaign rules) and for each rule in `kept_award_rules`: every event has written that rule's
/// rows since it entered the table, and once `filled_in` the rows of the events before are there
/// too, written from their stored outcomes. A purchase matches ~8 rules; before, every one of them
/// wrote a row and an index entry (1.1 KB per event, and the event path's inserts).
///
/// A version that limits a rule must count the rule's awards under earlier versions too
/// (program-format.md), and with several nodes an event judged by the old version on another node
/// can commit after any fill-in that reads the events. So, before the version becomes current
/// (`applyProgram`): the rule enters `kept_award_rules` (from then on every event's write
/// statement sees it and writes the row), then every transaction writing award rows at that
/// moment is waited for (any statement that could have missed the table's row is one of them), then the
/// missing rows of the earlier events are written and the rule marked `filled_in`. An apply that
/// stops before (a crash, the wait given up) leaves the rule kept but not filled in, and the next
/// apply limiting it does the fill-in again (`NOT EXISTS` skips the rows already there). Rows
/// written for a version that then fails to apply stay: they are the rows a later version limiting
/// the rule would write.
extension PostgresStore {
    /// Makes the award rows of every rule `definition` limits complete (see above); nothing to do
    /// when they already are.
    func completeAwardRows(programId: String, definition: ProgramDefinition) async throws {
        let limited = Set(definition.allEarningRules.filter { $0.limit != nil }.map(\.id))
        guard !limited.isEmpty else { return }
        let missing = try await read { connection in
            let filled = try await connection.rows("SELECT rule_id FROM kept_award_rules WHERE program_id = \(programId) AND filled_in", logger)
                .map { try $0.get("rule_id", String.self) }
            return limited.subtracting(filled).sorted()
        }
        guard !missing.isEmpty else { return }
        // The versions whose events may lack rows of the rule: those that did not keep its awards.
        let lacking = try await read { connection -> [Int: Set<String>] in
            var lacking: [Int: Set<String>] = [:]
            for row in try await connection.rows("SELECT version FROM program_versions WHERE program_id = \(programId)", logger) {
                let number = try row.get("version", Int.self)
                guard let (_, processor) = try await loadVersion(connection, programId: programId, version: number) else { continue }
                let rules = Set(missing).subtracting(processor.keptAwardRuleIds)
                if !rules.isEmpty { lacking[number] = rules }
            }
            return lacking
        }
        try await read { connection in
            _ = try await connection.query("""
                INSERT INTO kept_award_rules (program_id, rule_id) SELECT \(programId), UNNEST(\(missing)::TEXT[])
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
        if !lacking.isEmpty {
            try await read { connection in try await Self.awaitAwardWritersRunningNow(connection, timeout: Self.transactionWait, logger) }
            try await fillInAwardRows(programId: programId, lacking: lacking)
        }
        try await read { connection in
            _ = try await connection.query("""
                UPDATE kept_award_rules SET filled_in = TRUE WHERE program_id = \(programId) AND rule_id = ANY(\(missing)::TEXT[])
                """, logger: logger)
        }
    }

    /// How long an apply waits for the transactions writing award rows when a rule became kept.
    static let transactionWait: Duration = .seconds(60)

    /// Waits until every transaction that is writing award rows now (other than this
    /// connection's) has ended. An event's write statement locks `rule_awards` for writing before
    /// it takes its snapshot and holds the lock until its transaction ends, so any statement that
    /// may have missed a rule entering `kept_award_rules` just before is among these; a statement
    /// that locks the table later sees the rule. Other transactions (reads, other schemas, other
    /// applications) are not waited for. After `timeout` it gives up
    /// (`StoreError.transactionsStillOpen`) rather than hold the caller behind a session left open.
    static func awaitAwardWritersRunningNow(_ connection: PostgresConnection, timeout: Duration, _ logger: Logger) async throws {
        let deadline = ContinuousClock.now + timeout
        // The writers now; then, of those, the ones still running.
        var running: [String]? = nil
        while true {
            running = try await connection.rows("""
                SELECT DISTINCT virtualtransaction FROM pg_locks
                WHERE locktype = 'relation' AND relation = 'rule_awards'::regclass AND mode = 'RowExclusiveLock' AND granted
                  AND pid <> pg_backend_pid() AND (\(running)::TEXT[] IS NULL OR virtualtransaction = ANY(\(running)::TEXT[]))
                """, logger).map { try $0.get("virtualtransaction", String.self) }
            guard let still = running, !still.isEmpty else { return }
            guard ContinuousClock.now < deadline else {
                throw StoreError.transactionsStillOpen(count: still.count, seconds: Int(timeout.components.seconds))
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Events read per transaction of the fill-in.
    static let fillInChunk = 2_000

    /// Writes the missing award rows of the rules `lacking` names per version, from the stored
    /// outcomes of those versions' events, a chunk of events per transaction so other writes go on
    /// in between. An advisory lock per program makes two nodes filling in at once take turns, so
    /// neither writes a row the other has written (`NOT EXISTS` then sees it).
    func fillInAwardRows(programId: String, lacking: [Int: Set<String>]) async throws {
        var after = ""
        while true {
            let last = try await transaction { connection -> String? in
                try await connection.query("SELECT pg_advisory_xact_lock(7305302, hashtext(\(programId)))", logger: logger)
                let rows = try await connection.rows("""
                    SELECT id, member_id, occurred_at, program_version, outcome FROM events
                    WHERE program_id = \(programId) AND program_version = ANY(\(lacking.keys.sorted())::INT[]) AND id > \(after)
                    ORDER BY id LIMIT \(Self.fillInChunk)
                    """, logger)
                var members: [String] = [], rules: [String] = [], times: [Int64] = [], points: [Int64] = [], events: [String] = []
                for row in rows {
                    let version = try row.get("program_version", Int.self)
                    guard let wanted = lacking[version] else { continue }
                    let outcome = try JSONText.decode(RecordedOutcome.self, try PackedOutcome.text(try row.get("outcome", ByteBuffer.self)))
                    for rule in outcome.rules where rule.isAward && wanted.contains(rule.ruleId) {
                        members.append(try row.get("member_id")); rules.append(rule.ruleId); times.append(try row.get("occurred_at"))
                        points.append(Int64(rule.points)); events.append(try row.get("id"))
                    }
                }
                if !members.isEmpty {
                    try await connection.query("""
                        INSERT INTO rule_awards (member_id, rule_id, occurred_at, points, event_id)
                        SELECT a.member_id, a.rule_id, a.occurred_at, a.points, a.event_id
                        FROM UNNEST(\(members)::TEXT[], \(rules)::TEXT[], \(times)::BIGINT[], \(points)::BIGINT[], \(events)::TEXT[])
                             AS a(member_id, rule_id, occurred_at, points, event_id)
                        WHERE NOT EXISTS (SELECT 1 FROM rule_awards x WHERE x.member_id = a.member_id AND x.rule_id = a.rule_id
                                          AND x.occurred_at = a.occurred_at AND x.event_id = a.event_id)
                        """, logger: logger)
                }
                return rows.count < Self.fillInChunk ? nil : try rows.last?.get("id", String.self)
            }
            guard let last else { return }
            after = last
        }
    }
}
