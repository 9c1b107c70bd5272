import Foundation
import LaurelStore

/// Works through the bulk awards not completed yet (`POST /v1/bulk-awards`), oldest first, batch by
/// batch: each batch is one transaction that credits its members and moves the job's counts on, so a
/// job stopped by a restart continues where it stopped. Safe on several nodes at once: each credit
/// is recorded under the unique key (job, member) with it, and PostgreSQL nodes take disjoint batches.
public enum BulkAwardJob {
    /// Runs every unfinished job to its end; returns how many targets it handled.
    @discardableResult
    public static func runOnce(store: any LaurelStore, now: Date, batchSize: Int = 500) async throws -> Int {
        var handled = 0
        for award in try await store.unfinishedBulkAwards(limit: 100) {
            while let batch = try await store.runBulkAwardBatch(programId: award.programId, id: award.id, batchSize: batchSize, now: now) {
                handled += batch.processed
                if batch.award.status == .completed || batch.processed == 0 { break }
            }
        }
        return handled
    }
}
