import Foundation
import GRDB
import LaurelCore

extension SQLiteStore {
    public func importJournal(_ key: ImportJournalKey) async throws -> ImportJournalRecord? {
        try await read { db in
            try db.row("""
                SELECT line, imported, refused, finished, mode, started_at, updated_at FROM import_journal
                WHERE program_id = ? AND kind = ? AND file_sha256 = ?
                """, [key.programId, key.kind, key.fileHash]).map { row in
                ImportJournalRecord(key: key, line: row["line"], imported: row["imported"], refused: row["refused"],
                                    finished: (row["finished"] as Int) != 0, mode: row["mode"], startedAt: Date(millis: row["started_at"]),
                                    updatedAt: Date(millis: row["updated_at"]))
            }
        }
    }

    public func markImport(_ mark: ImportJournalMark) async throws {
        try await write { db in try Self.writeJournal(db, mark) }
    }

    /// Upserts the journal row; a run started again from line 0 (`--again`, or a refused run) starts it afresh.
    static func writeJournal(_ db: Database, _ mark: ImportJournalMark) throws {
        try db.run("""
            INSERT INTO import_journal (program_id, kind, file_sha256, line, imported, refused, finished, mode, started_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (program_id, kind, file_sha256) DO UPDATE SET line = excluded.line, imported = excluded.imported,
                refused = excluded.refused, finished = excluded.finished, mode = excluded.mode, updated_at = excluded.updated_at,
                started_at = CASE WHEN excluded.line = 0 THEN excluded.started_at ELSE import_journal.started_at END
            """, [mark.key.programId, mark.key.kind, mark.key.fileHash, mark.line, mark.imported, mark.refused, mark.finished ? 1 : 0, mark.mode,
                  mark.now.millis, mark.now.millis])
    }

    public func importMembers(programId: String, members: [ImportedMember], now: Date, journal: ImportJournalMark?,
                              allOrNothing: Bool) async throws -> [ImportResult] {
        let cache = programs
        return try await write { db in
            guard try db.row("SELECT id FROM programs WHERE id = ?", [programId]) != nil else { throw StoreError.notFound("program \(programId)") }
            var results: [ImportResult] = []
            results.reserveCapacity(members.count)
            for imported in members {
                let member = imported.member
                if try db.row("SELECT id FROM members WHERE program_id = ? AND external_id = ?", [programId, member.externalId]) != nil {
                    results.append(.refused(StoreError.duplicateExternalId(member.externalId).description))
                    continue
                }
                if try db.row("SELECT id FROM members WHERE id = ?", [member.id]) != nil {
                    results.append(.refused(ImportedMember.idTaken(member.id)))
                    continue
                }
                var ledger = MemberLedger(memberId: member.id, lots: [], debt: 0, lifetimeEarned: 0)
                let total = imported.opening.reduce(0) { $0 + $1.points }
                guard imported.opening.allSatisfy({ $0.points > 0 }), ledger.canCredit(total) else {
                    results.append(.refused("the opening balance is out of range"))
                    continue
                }
                try db.run("""
                    INSERT INTO members (id, program_id, external_id, email, name, birthday, attributes, status, available, pending, debt,
                                         lifetime_earned, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, ?, ?)
                    """, [member.id, programId, member.externalId, member.email, member.name, member.birthday,
                          try JSONText.encode(member.attributes), member.status.rawValue, member.createdAt.millis, member.updatedAt.millis])
                try Self.emit(db, programId: programId, memberId: member.id,
                              [OutboxMessages.member(MessageType.memberEnrolled, member, now: member.createdAt)], now: member.createdAt)
                for change in imported.consents {
                    try db.run("INSERT INTO member_consents (program_id, member_id, name, granted, source, at) VALUES (?, ?, ?, ?, ?, ?)",
                               [programId, member.id, change.name, change.granted, change.source.rawValue, change.at.millis])
                }
                if !imported.opening.isEmpty {
                    let (version, processor) = try Self.currentVersion(db, cache: cache, programId: programId)
                    for lot in imported.opening {
                        ledger.earn(lot.points, kind: .adjust, from: .adjusted, sourceId: "opening_\(member.id)", earnedAt: now, availableAt: now,
                                    expiresAt: lot.expiresAt, now: now)
                    }
                    try Self.saveLedger(db, programId: programId, ledger: ledger, version: version.version, program: processor.program, now: now,
                                        actor: ImportedMember.actor, reason: ImportedMember.openingReason)
                }
                results.append(.recorded(eventId: member.id, points: total))
            }
            if allOrNothing, results.contains(where: { if case .refused = $0 { true } else { false } }) {
                throw ImportRefusedAll(results: results)
            }
            if let journal { try Self.writeJournal(db, journal.adding(results)) }
            return results
        }
    }
}
