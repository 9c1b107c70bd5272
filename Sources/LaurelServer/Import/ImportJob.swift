import Foundation
import LaurelCore
import LaurelStore

/// Runs the files sent to `POST /v1/imports`, one after another, through `ImportRun` (the same
/// batches, journal and resume as `laurel import`). Each job runs under a lease its progress
/// extends; a node that dies mid-file leaves the job to be claimed again when the lease runs
/// out, and the journal resumes it after its last committed batch.
public enum ImportJob {
    /// How long a claim holds without progress (a batch of 500 events takes well under a second).
    static let lease: TimeInterval = 300
    static let batch = 500

    /// Runs every job waiting now; answers how many ended.
    public static func runOnce(store: any LaurelStore) async throws -> Int {
        var ended = 0
        while let (claimed, content) = try await store.claimImportJob(now: Date(), leaseUntil: Date().addingTimeInterval(lease)) {
            var job = claimed
            var refusals: [ImportJobRecord.Refusal] = [], notices: [String] = []
            do {
                guard let kind = ImportKind(rawValue: job.kind), let format = ImportFormat(rawValue: job.format),
                      let onError = ImportRun.OnError(rawValue: job.onError) else { throw ImportFileError("unknown kind, format or on_error") }
                let options = ImportRun.Options(programId: job.programId, kind: kind, batch: batch, onError: onError, again: job.again,
                                                asRecorded: job.asRecorded)
                let id = job.id
                let report = try await ImportRun.run(content, format: format, options: options, store: store, notice: { notices.append($0) },
                                                     refusal: { line, why in
                                                         if refusals.count < ImportJobRecord.maxRefusals { refusals.append(.init(line: line, reason: why)) }
                                                     },
                                                     progress: { done, _ in
                                                         try? await store.recordImportProgress(id: id, done: done, leaseUntil: Date().addingTimeInterval(lease))
                                                     })
                if report.refusedWhole { notices.append("refused as a whole (on_error refuse): the file has bad rows, nothing was imported") }
                job.status = .completed
                job.recorded = report.recorded
                job.refused = report.refused
                job.points = report.points
                job.done = report.refusedWhole || report.alreadyImported ? job.rows : report.recorded + report.refused
            } catch {
                job.status = .failed
                job.error = EventImport.describe(error)
            }
            job.refusals = refusals
            job.notices = notices
            job.finishedAt = Date()
            try await store.finishImportJob(job)
            ended += 1
        }
        return ended
    }
}
