import Foundation
import LaurelCore

/// A file sent to `POST /v1/imports`: imported in the background by the import job, with the same
/// rules, journal and resume as `laurel import` (docs/import.md), and what came of it.
public struct ImportJobRecord: Hashable, Sendable {
    public enum Status: String, Sendable, CaseIterable { case queued, running, completed, failed }

    /// One bad row: its line in the file and why.
    public struct Refusal: Hashable, Sendable, Codable {
        public var line: Int
        public var reason: String
        public init(line: Int, reason: String) { self.line = line; self.reason = reason }
    }

    public var id: String
    public var programId: String
    /// `members` or `events`.
    public var kind: String
    /// `csv` or `jsonl`.
    public var format: String
    /// `skip` or `refuse`.
    public var onError: String
    public var asRecorded: Bool
    /// Import a file the journal says was imported already.
    public var again: Bool
    public var bytes: Int
    /// Rows of the file (lines that are not blank, the CSV header left out).
    public var rows: Int
    public var status: Status
    /// Rows handled so far (kept or refused), those of an interrupted run it resumed included.
    public var done: Int
    public var recorded: Int
    public var refused: Int
    /// Points the rows earned or brought.
    public var points: Int
    /// The first `maxRefusals` bad rows, in line order.
    public var refusals: [Refusal]
    /// What the run said (resumed, already imported, refused as a whole).
    public var notices: [String]
    public var error: String?
    /// `"<actor> via <key id>"` of the request that sent it.
    public var actor: String
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?

    public static let maxRefusals = 1000

    public init(id: String, programId: String, kind: String, format: String, onError: String, asRecorded: Bool, again: Bool, bytes: Int,
                rows: Int, status: Status = .queued, done: Int = 0, recorded: Int = 0, refused: Int = 0, points: Int = 0, refusals: [Refusal] = [],
                notices: [String] = [], error: String? = nil, actor: String, createdAt: Date, startedAt: Date? = nil, finishedAt: Date? = nil) {
        self.id = id
        self.programId = programId
        self.kind = kind
        self.format = format
        self.onError = onError
        self.asRecorded = asRecorded
        self.again = again
        self.bytes = bytes
        self.rows = rows
        self.status = status
        self.done = done
        self.recorded = recorded
        self.refused = refused
        self.points = points
        self.refusals = refusals
        self.notices = notices
        self.error = error
        self.actor = actor
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

/// Import jobs: queued by the API, claimed by one node at a time under a lease (a node that dies
/// leaves its job to be claimed again when the lease runs out; the journal resumes it).
public protocol ImportJobStore: Sendable {
    /// Queues the job with its file, recorded in the audit trail (`import.created`).
    func createImportJob(_ job: ImportJobRecord, content: Data, idempotency: Idempotency<ImportJobRecord>?) async throws -> Idempotent<ImportJobRecord>
    func importJob(programId: String, id: String) async throws -> ImportJobRecord?
    /// Newest first (cursor: a job id).
    func importJobs(programId: String, limit: Int, startingAfter: String?) async throws -> Page<ImportJobRecord>
    /// Queued or running jobs of the program (a bound on what one program may queue).
    func unfinishedImportJobs(programId: String) async throws -> Int
    /// The oldest queued job, or a running one whose lease ran out, now running under a lease until
    /// `leaseUntil`, with its file; nil when there is none.
    func claimImportJob(now: Date, leaseUntil: Date) async throws -> (job: ImportJobRecord, content: Data)?
    /// A running job's progress, which also extends its lease.
    func recordImportProgress(id: String, done: Int, leaseUntil: Date) async throws
    /// Ends the job with its figures (`completed` or `failed`) and drops its file.
    func finishImportJob(_ job: ImportJobRecord) async throws
}

extension ImportJobRecord {
    /// What the audit trail keeps of a job: its options and size, never its file.
    var auditJSON: String {
        AuditRecord.json(.object(["kind": .string(kind), "format": .string(format), "on_error": .string(onError), "as_recorded": .bool(asRecorded),
                                  "again": .bool(again), "bytes": .number(String(bytes)), "rows": .number(String(rows))]))
    }

    var refusalsJSON: String { (try? JSONText.encode(refusals)) ?? "[]" }
    var noticesJSON: String { (try? JSONText.encode(notices)) ?? "[]" }
}
