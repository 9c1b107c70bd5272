import Foundation
import LaurelCore
import Logging
import PostgresNIO

extension PostgresStore {
    /// The events of one import batch in one transaction with the journal: each under its member's
    /// lock (held to the commit) and in a savepoint of its own, so a refused event leaves nothing.
    func importEventsTogether(programId: String, events: [ImportedEvent], now: Date, journal: ImportJournalMark?,
                              allOrNothing: Bool, reviewingTiers: Bool) async throws -> [ImportResult] {
        try await transaction { connection in
            var results: [ImportResult] = []
            results.reserveCapacity(events.count)
            // Ids already recorded (an exported file imported again), then those of this batch: refused, as on SQLite.
            let ids = events.map(\.event.id)
            var taken = Set(try await connection.rows("SELECT id FROM events WHERE id = ANY(\(ids))", logger).map { try $0.get("id", String.self) })
            for imported in events {
                guard taken.insert(imported.event.id).inserted else {
                    results.append(.refused(ImportedEvent.idTaken(imported.event.id)))
                    continue
                }
                try await connection.query("SAVEPOINT imported_event", logger: logger)
                do {
                    let memberId: String
                    switch imported.member {
                    case .id(let id): memberId = id
                    case .externalId(let externalId):
                        guard let row = try await connection.row("SELECT id FROM members WHERE program_id = \(programId) AND external_id = \(externalId)",
                                                                  logger) else {
                            throw StoreError.notFound("member with external_id \(externalId)")
                        }
                        memberId = try row.get("id")
                    }
                    let judgedAt = imported.judgedAt(importedAt: now)
                    if reviewingTiers { try await reviewDueTiers(connection, programId: programId, memberId: memberId, until: judgedAt) }
                    guard let (member, currentVersion) = try await Self.lockMember(connection, programId: programId, id: memberId, logger) else {
                        throw StoreError.notFound("member \(memberId)")
                    }
                    guard member.status != .erased else { throw StoreError.memberErased(memberId) }
                    // Imports are not screened by fraud controls (docs/security.md says why).
                    let write = try await recordLocked(connection, programId: programId, member: member, currentVersion: currentVersion,
                                                       event: imported.event, payload: imported.payload(memberId), now: judgedAt,
                                                       idempotency: nil,
                                                       screening: nil)
                    try await connection.query("RELEASE SAVEPOINT imported_event", logger: logger)
                    results.append(.recorded(eventId: imported.event.id, points: write.record.points))
                } catch let error as StoreError {
                    try await connection.query("ROLLBACK TO SAVEPOINT imported_event", logger: logger)
                    results.append(.refused(error.description))
                } catch let error as EventProcessingError {
                    try await connection.query("ROLLBACK TO SAVEPOINT imported_event", logger: logger)
                    results.append(.refused(error.description))
                }
            }
            if allOrNothing, results.contains(where: { if case .refused = $0 { true } else { false } }) {
                throw ImportRefusedAll(results: results)
            }
            if let journal { try await Self.writeJournal(connection, journal.adding(results), logger) }
            return results
        }
    }

    public func importJournal(_ key: ImportJournalKey) async throws -> ImportJournalRecord? {
        try await read { connection in
            try await connection.row("""
                SELECT line, imported, refused, finished, mode, started_at, updated_at FROM import_journal
                WHERE program_id = \(key.programId) AND kind = \(key.kind) AND file_sha256 = \(key.fileHash)
                """, logger).map { row in
                ImportJournalRecord(key: key, line: Int(try row.get("line", Int64.self)), imported: Int(try row.get("imported", Int64.self)),
                                    refused: Int(try row.get("refused", Int64.self)), finished: try row.get("finished", Bool.self),
                                    mode: try row.get("mode"), startedAt: try row.date("started_at"), updatedAt: try row.date("updated_at"))
            }
        }
    }

    public func markImport(_ mark: ImportJournalMark) async throws {
        try await transaction { connection in try await Self.writeJournal(connection, mark, logger) }
    }

    /// Upserts the journal row; a run started again from line 0 starts it afresh.
    static func writeJournal(_ connection: PostgresConnection, _ mark: ImportJournalMark, _ logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO import_journal (program_id, kind, file_sha256, line, imported, refused, finished, mode, started_at, updated_at)
            VALUES (\(mark.key.programId), \(mark.key.kind), \(mark.key.fileHash), \(Int64(mark.line)), \(Int64(mark.imported)),
                    \(Int64(mark.refused)), \(mark.finished), \(mark.mode), \(mark.now.millis), \(mark.now.millis))
            ON CONFLICT (program_id, kind, file_sha256) DO UPDATE SET line = excluded.line, imported = excluded.imported,
                refused = excluded.refused, finished = excluded.finished, mode = excluded.mode, updated_at = excluded.updated_at,
                started_at = CASE WHEN excluded.line = 0 THEN excluded.started_at ELSE import_journal.started_at END
            """, logger: logger)
    }

    public func importMembers(programId: String, members: [ImportedMember], now: Date, journal: ImportJournalMark?,
                              allOrNothing: Bool) async throws -> [ImportResult] {
        try await transaction { connection in
            guard try await connection.row("SELECT id FROM programs WHERE id = \(programId)", logger) != nil else {
                throw StoreError.notFound("program \(programId)")
            }
            var results: [ImportResult] = []
            results.reserveCapacity(members.count)
            for imported in members {
                let member = imported.member
                var ledger = MemberLedger(memberId: member.id, lots: [], debt: 0, lifetimeEarned: 0)
                let total = imported.opening.reduce(0) { $0 + $1.points }
                guard imported.opening.allSatisfy({ $0.points > 0 }), ledger.canCredit(total) else {
                    results.append(.refused("the opening balance is out of range"))
                    continue
                }
                if try await connection.row("SELECT id FROM members WHERE id = \(member.id) AND (program_id <> \(programId) OR external_id <> \(member.externalId))", logger) != nil {
                    results.append(.refused(ImportedMember.idTaken(member.id)))
                    continue
                }
                let inserted = try await connection.rows("""
                    INSERT INTO members (id, program_id, external_id, email, name, birthday, attributes, status, created_at, updated_at)
                    VALUES (\(member.id), \(programId), \(member.externalId), \(member.email), \(member.name), \(member.birthday),
                            \(try JSONText.encode(member.attributes)), \(member.status.rawValue), \(member.createdAt.millis), \(member.updatedAt.millis))
                    ON CONFLICT (program_id, external_id) DO NOTHING RETURNING id
                    """, logger)
                guard !inserted.isEmpty else {
                    results.append(.refused(StoreError.duplicateExternalId(member.externalId).description))
                    continue
                }
                try await Self.emit(connection, programId: programId, memberId: member.id,
                                    [OutboxMessages.member(MessageType.memberEnrolled, member, now: member.createdAt)], now: member.createdAt, logger)
                for change in imported.consents {
                    try await connection.query("""
                        INSERT INTO member_consents (program_id, member_id, name, granted, source, at)
                        VALUES (\(programId), \(member.id), \(change.name), \(change.granted), \(change.source.rawValue), \(change.at.millis))
                        """, logger: logger)
                }
                if !imported.opening.isEmpty {
                    let (version, processor) = try await currentVersion(connection, programId: programId)
                    for lot in imported.opening {
                        ledger.earn(lot.points, kind: .adjust, from: .adjusted, sourceId: "opening_\(member.id)", earnedAt: now, availableAt: now,
                                    expiresAt: lot.expiresAt, now: now)
                    }
                    try await Self.saveLedger(connection, programId: programId, ledger: ledger, version: version.version, program: processor.program,
                                              now: now, actor: ImportedMember.actor, reason: ImportedMember.openingReason, logger)
                }
                results.append(.recorded(eventId: member.id, points: total))
            }
            if allOrNothing, results.contains(where: { if case .refused = $0 { true } else { false } }) {
                throw ImportRefusedAll(results: results)
            }
            if let journal { try await Self.writeJournal(connection, journal.adding(results), logger) }
            return results
        }
    }
}
