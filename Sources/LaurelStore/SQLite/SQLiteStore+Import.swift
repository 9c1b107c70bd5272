import Foundation
import GRDB
import LaurelCore

extension SQLiteStore {
    /// A batch of `laurel import` in one write. Most programs take `SQLiteImportBatch`, which judges
    /// the events in memory and writes their rows together; the others record each event with
    /// `record`, as the API does.
    ///
    /// Each event is kept or refused on its own, without a savepoint per event (SQLite would copy
    /// every page it changes into a statement journal, see `GroupCommit`): the core's and the
    /// store's refusals come before anything is written, so a refused event leaves nothing behind.
    /// One refused after writing rows could not be undone alone; it fails the whole batch instead,
    /// which `GroupCommit` then rolls back.
    public func importEvents(programId: String, events: [ImportedEvent], now: Date, journal: ImportJournalMark?,
                             allOrNothing: Bool, reviewingTiers: Bool) async throws -> [ImportResult] {
        let (cache, judging) = (programs, judging)
        return try await write { db in
            let results = try Self.importEvents(db, cache: cache, judging: judging, programId: programId, events: events, now: now,
                                                reviewingTiers: reviewingTiers)
            if allOrNothing, results.contains(where: { if case .refused = $0 { true } else { false } }) {
                throw ImportRefusedAll(results: results)
            }
            if let journal { try Self.writeJournal(db, journal.adding(results)) }
            return results
        }
    }

    private static func importEvents(_ db: Database, cache: ProgramCache, judging: JudgingCache, programId: String, events: [ImportedEvent],
                                     now: Date, reviewingTiers: Bool) throws -> [ImportResult] {
        let (version, processor) = try Self.currentVersion(db, cache: cache, programId: programId)
        if SQLiteImportBatch.judgesInMemory(processor.program) {
            var batch = SQLiteImportBatch(programId: programId, version: version.version, processor: processor, cache: cache,
                                          judgingCache: judging, now: now, reviewingTiers: reviewingTiers)
            return try batch.run(db, events)
        }
        var results: [ImportResult] = []
        results.reserveCapacity(events.count)
        for imported in events {
            var changesBefore = db.totalChangesCount
            do {
                let memberId = try Self.importedMemberId(db, programId: programId, imported.member)
                let judgedAt = imported.judgedAt(importedAt: now)
                if reviewingTiers { try Self.reviewDueTiers(db, programId: programId, memberId: memberId, processor: processor, until: judgedAt) }
                changesBefore = db.totalChangesCount
                let recorded = try Self.record(db, cache: cache, judging: judging, programId: programId, memberId: memberId,
                                               event: imported.event, payload: imported.payload(memberId), now: judgedAt)
                results.append(.recorded(eventId: imported.event.id, points: recorded.points))
            } catch let error as StoreError where db.totalChangesCount == changesBefore {
                results.append(.refused(error.description))
            } catch let error as EventProcessingError where db.totalChangesCount == changesBefore {
                results.append(.refused(error.description))
            }
        }
        return results
    }

    static func importedMemberId(_ db: Database, programId: String, _ member: ImportedEvent.Member) throws -> String {
        switch member {
        case .id(let id): return id
        case .externalId(let externalId):
            guard let id = try db.row("SELECT id FROM members WHERE program_id = ? AND external_id = ?", [programId, externalId])?["id"] as String?
            else { throw StoreError.notFound(Self.externalIdNotFound(externalId)) }
            return id
        }
    }

    static func externalIdNotFound(_ externalId: String) -> String { "member with external_id \(externalId)" }
}
