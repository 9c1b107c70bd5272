import Foundation
import LaurelCore

/// Bulk point awards (`POST /v1/bulk-awards`): the same credit for many members, kept as a job that
/// `BulkAwardJob` works through in batches. Each credit is an ordinary staff adjustment, recorded
/// under the unique key (award, member) in the transaction that makes it, so a job resumed after a
/// crash, or run by two nodes at once, credits nobody twice.
public protocol BulkAwardStore: Sendable {
    /// Records the job (`queued`) with its targets, the ids as given, resolved to members now (the
    /// list is fixed at creation), and its `bulk_award.created` audit entry, in one transaction.
    func createBulkAward(_ award: BulkAwardRecord, targets: [String],
                         idempotency: Idempotency<BulkAwardRecord>?) async throws -> Idempotent<BulkAwardRecord>
    func bulkAward(programId: String, id: String) async throws -> BulkAwardRecord?
    /// The program's jobs, newest first, after the job `startingAfter`.
    func bulkAwards(programId: String, limit: Int, startingAfter: String?) async throws -> Page<BulkAwardRecord>
    /// The job's targets handled so far (credited or skipped), in list order after `startingAfter` (a
    /// position); `status` keeps one kind. Throws `StoreError.notFound` for an unknown job.
    func bulkAwardResults(programId: String, id: String, status: BulkAwardItemStatus?, limit: Int,
                          startingAfter: Int?) async throws -> Page<BulkAwardResult>
    /// Jobs not completed yet, every program's, oldest first.
    func unfinishedBulkAwards(limit: Int) async throws -> [BulkAwardRecord]
    /// Works through up to `batchSize` of the job's pending targets, in list order, in one transaction:
    /// each member credited (or skipped, with the reason), the job's counts moved on with them; the
    /// job is `completed` (with a `bulk_award.completed` audit entry) once no target is pending.
    /// PostgreSQL: nodes running the same job take disjoint batches (`FOR UPDATE SKIP LOCKED`).
    /// Nil for an unknown job.
    func runBulkAwardBatch(programId: String, id: String, batchSize: Int, now: Date) async throws -> BulkAwardBatch?
}

/// A bulk award job.
public struct BulkAwardRecord: Hashable, Sendable {
    public enum Status: String, Sendable { case queued, running, completed }
    /// What the request named: member ids, external ids, or a segment (its members when the job was made).
    public enum Target: String, Sendable { case memberIds = "member_ids", externalIds = "external_ids", segment }

    public var id: String
    public var programId: String
    public var status: Status
    public var points: Int
    public var reason: String
    /// Who asked (as adjustments name it: `jane@store via key_…`).
    public var actor: String
    /// Who the audit trail names for its credits (`api_key:key_…`); set by the store from `AuditActor.current`.
    public var auditActor: String
    public var target: Target
    public var segmentId: String?
    public var total: Int
    public var done: Int
    public var credited: Int
    public var skipped: Int
    public var createdAt: Date
    public var completedAt: Date?

    public init(id: String, programId: String, status: Status = .queued, points: Int, reason: String, actor: String,
                auditActor: String = AuditActor.system, target: Target, segmentId: String? = nil, total: Int = 0, done: Int = 0,
                credited: Int = 0, skipped: Int = 0, createdAt: Date, completedAt: Date? = nil) {
        self.id = id
        self.programId = programId
        self.status = status
        self.points = points
        self.reason = reason
        self.actor = actor
        self.auditActor = auditActor
        self.target = target
        self.segmentId = segmentId
        self.total = total
        self.done = done
        self.credited = credited
        self.skipped = skipped
        self.createdAt = createdAt
        self.completedAt = completedAt
    }

    /// The share of targets handled, 0 to 1 (an empty job is done).
    public var progress: Double { total == 0 ? 1 : Double(done) / Double(total) }

    /// The actor of each credit's adjustment: the job's, naming the job.
    public var creditActor: String { "\(actor) (\(id))" }
}

/// What happened to one target of a job.
public enum BulkAwardItemStatus: String, Sendable, CaseIterable { case pending, credited, skipped }

/// Why a target was not credited.
public enum BulkAwardSkip: String, Sendable, CaseIterable {
    /// No member of the program has that id (or external id).
    case unknownMember = "unknown_member"
    case memberErased = "member_erased"
    /// Blocked members earn nothing, as with transfers and raffle entries.
    case memberBlocked = "member_blocked"
    /// The credit would take the member's points past Laurel's bounds (`LedgerError`).
    case pointsOutOfBounds = "points_out_of_bounds"
    /// The member was credited by this job already (by another target naming them).
    case alreadyCredited = "already_credited"
}

/// One handled target of a job.
public struct BulkAwardResult: Hashable, Sendable {
    /// 1-based place in the job's list.
    public var position: Int
    /// The id as the request gave it (a member id or an external id; the member id for a segment).
    public var target: String
    public var memberId: String?
    public var status: BulkAwardItemStatus
    public var reason: BulkAwardSkip?
    public var adjustmentId: String?
    public var doneAt: Date?
    public init(position: Int, target: String, memberId: String?, status: BulkAwardItemStatus, reason: BulkAwardSkip?, adjustmentId: String?,
                doneAt: Date?) {
        self.position = position
        self.target = target
        self.memberId = memberId
        self.status = status
        self.reason = reason
        self.adjustmentId = adjustmentId
        self.doneAt = doneAt
    }
}

/// What one batch did.
public struct BulkAwardBatch: Hashable, Sendable {
    /// The job after the batch.
    public var award: BulkAwardRecord
    /// Targets handled by this batch.
    public var processed: Int
    public init(award: BulkAwardRecord, processed: Int) { self.award = award; self.processed = processed }
}

/// Outcome of one target, as both backends decide it (the credit itself is `adjust`'s).
enum BulkAwardOutcome {
    case credited(adjustmentId: String)
    case skipped(BulkAwardSkip)

    var status: BulkAwardItemStatus { if case .credited = self { .credited } else { .skipped } }
    var reason: String? { if case .skipped(let reason) = self { reason.rawValue } else { nil } }
    var adjustmentId: String? { if case .credited(let id) = self { id } else { nil } }

    /// Who the audit trail names at creation, and the snapshot it keeps.
    static func createdSnapshot(_ award: BulkAwardRecord) -> String {
        AuditRecord.json(.object([
            "points": .number(String(award.points)), "reason": .string(award.reason), "actor": .string(award.actor),
            "target": .string(award.target.rawValue), "segment_id": award.segmentId.map(JSONValue.string) ?? .null,
            "total": .number(String(award.total)),
        ]))
    }

    static func completedSnapshot(_ award: BulkAwardRecord) -> String {
        AuditRecord.json(.object([
            "status": .string(award.status.rawValue), "total": .number(String(award.total)), "credited": .number(String(award.credited)),
            "skipped": .number(String(award.skipped)),
        ]))
    }

    /// The status of a member who cannot be credited, or nil for an active one.
    static func refusal(_ status: MemberStatus) -> BulkAwardSkip? {
        switch status {
        case .active: nil
        case .blocked: .memberBlocked
        case .erased: .memberErased
        }
    }
}
