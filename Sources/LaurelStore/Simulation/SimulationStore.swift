import Foundation
import LaurelCore

/// Where a backtest submitted through the API (`POST /v1/simulations`) waits, runs and keeps its
/// result. A simulation is queued by the request, claimed by one node's job (`SimulationJob`) for a
/// lease it renews while it runs, and finished with the report or the error. A node that dies leaves
/// its lease to run out; the next claim takes the simulation again, and the dead run's writes (by an
/// older attempt) change nothing.
public protocol SimulationStore: Sendable {
    /// Queues `simulation` (status `queued`) and writes its audit entry, unless the program already has
    /// `maxActive` simulations queued or running (`SimulationQueueFull`).
    func createSimulation(_ simulation: SimulationRecord, maxActive: Int,
                          idempotency: Idempotency<SimulationRecord>?) async throws -> Idempotent<SimulationRecord>
    /// One simulation of the program, with its result.
    func simulation(programId: String, id: String) async throws -> SimulationRecord?
    /// The program's simulations newest first, after the id `startingAfter`; without their results.
    func simulations(programId: String, limit: Int, startingAfter: String?) async throws -> Page<SimulationRecord>
    /// Takes the oldest simulation that is queued, or running under a lease that ran out before `now`:
    /// `running`, one more attempt, leased until `leaseUntil`. Nil when there is none. Two nodes
    /// claiming at once never take the same one.
    func claimSimulation(now: Date, leaseUntil: Date) async throws -> SimulationRecord?
    /// Writes the progress (parts per 10,000) of the claimed run `attempt` and extends its lease;
    /// false when the run lost its claim (another node took the simulation again).
    func updateSimulation(id: String, attempt: Int, progress: Int, leaseUntil: Date) async throws -> Bool
    /// Ends the claimed run `attempt`: `completed` with `result`, or `failed` with `error`; false when it lost its claim.
    func finishSimulation(id: String, attempt: Int, result: String?, error: String?, now: Date) async throws -> Bool
}

public enum SimulationStatus: String, Sendable, CaseIterable {
    case queued, running, completed, failed
}

/// A backtest asked for through the API.
public struct SimulationRecord: Sendable, Hashable {
    public var id: String
    public var programId: String
    public var status: SimulationStatus
    /// Parts per 10,000 of the replay done.
    public var progress: Int
    /// The window compared (`from` inclusive, `until` exclusive).
    public var from: Date
    public var until: Date
    /// The draft program as sent (YAML or JSON text); nil: the live program replays its own history.
    public var draftSource: String?
    /// Who asked (`AuditActor`).
    public var actor: String
    public var createdAt: Date
    public var startedAt: Date?
    public var completedAt: Date?
    /// Why it failed.
    public var error: String?
    /// The report as JSON text, once completed (never read by `simulations`, the list).
    public var result: String?
    /// Runs started (a simulation taken again after its lease ran out has more than one).
    public var attempts: Int

    public init(id: String, programId: String, status: SimulationStatus = .queued, progress: Int = 0, from: Date, until: Date,
                draftSource: String?, actor: String, createdAt: Date, startedAt: Date? = nil, completedAt: Date? = nil,
                error: String? = nil, result: String? = nil, attempts: Int = 0) {
        self.id = id
        self.programId = programId
        self.status = status
        self.progress = progress
        self.from = from
        self.until = until
        self.draftSource = draftSource
        self.actor = actor
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.error = error
        self.result = result
        self.attempts = attempts
    }

    public static let idPrefix = "sim_"
}

/// The program has as many simulations queued or running as it may have.
public struct SimulationQueueFull: Error, CustomStringConvertible, Sendable {
    public var programId: String
    public var limit: Int
    public var description: String {
        "program \(programId) already has \(limit) simulations queued or running; wait for one to finish"
    }
}

extension AuditRecord {
    /// A simulation asked for: who, the window, and whether a draft came with it (not the draft itself).
    static func simulationCreated(_ simulation: SimulationRecord, idempotencyKey: String?) -> AuditRecord {
        AuditRecord(programId: simulation.programId, actor: simulation.actor, action: .simulationCreated, target: ("simulation", simulation.id),
                    before: nil,
                    after: AuditRecord.json(.object([
                        "from": .string(Timestamps.format(simulation.from)), "to": .string(Timestamps.format(simulation.until)),
                        "draft": .bool(simulation.draftSource != nil), "status": .string(simulation.status.rawValue),
                    ])),
                    idempotencyKey: idempotencyKey, at: simulation.createdAt)
    }
}

/// The statements both backends run, in their placeholders.
enum SimulationStoreSQL {
    /// The columns a list reads: all but the result.
    static let listColumns = """
        id, program_id, status, progress, from_at, until_at, draft_source, actor, created_at, started_at, completed_at, error, attempts
        """
    static let active = "status IN ('queued', 'running')"
}
