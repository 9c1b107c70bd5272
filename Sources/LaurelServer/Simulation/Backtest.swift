import Foundation
import LaurelCore
import LaurelStore

/// Replays a program's stored history into a scratch SQLite store through the same store methods
/// that ran live, each with `now:` set to the time it first happened, and reads the outcome.
///
/// History is replayed from the program's start (its first member, version or record) up to the
/// window's end, so every member enters the window with the balance, lots and tier the program
/// would have given them; the figures of the comparison count only the window. Records after the
/// window's end are not replayed. The scratch store is a private database: the live one is only read.
public struct Backtest: Sendable {
    /// The program the history belongs to.
    public var programId: String
    /// The program to replay with; nil replays the live program's own versions, each from the time it was applied.
    public var draft: ProgramDefinition?
    public var draftSource: String
    /// The window the comparison reports (`from` inclusive, `until` exclusive).
    public var from: Date
    public var until: Date
    /// How often the live scheduler runs the ledger jobs (settlement, expiry, tier reviews, club
    /// memberships, redemption expiry); the replay runs them at the same moments of the clock.
    public var jobInterval: TimeInterval
    /// Where the scratch database lives (a new file); nil: a temporary file, removed by `Outcome.close`.
    /// A file rather than `:memory:`: GRDB reads an in-memory database through its one queue, in a
    /// savepoint each, which took twice the CPU of a file's WAL readers in the replay.
    public var scratchPath: String?
    /// Where the temporary scratch files go when `scratchPath` is nil (nil: the system's temporary directory);
    /// `SimulationJob` gives each run a directory of its own, removed afterwards whatever happened.
    public var scratchDirectory: URL?

    public init(programId: String, draft: ProgramDefinition?, draftSource: String = "", from: Date, until: Date,
                jobInterval: TimeInterval = 3600, scratchPath: String? = nil) {
        self.programId = programId
        self.draft = draft
        self.draftSource = draftSource
        self.from = from
        self.until = until
        self.jobInterval = jobInterval
        self.scratchPath = scratchPath
    }

    /// What the live store holds for the replay, read once.
    public struct History: Sendable {
        public var program: ProgramRecord
        public var versions: [ProgramVersionRecord]
        public var rewards: [RewardRecord]
        public var members: [MemberRecord]
        public var events: [StoredEvent]
        public var moves: [StoredMove]
        public var redemptions: [RedemptionRecord]
        public var consents: [StoredConsent]

        /// Reads everything the replay needs from `store`.
        public static func read(from store: any LaurelStore & SimulationSource, programId: String) async throws -> History {
            guard let program = try await store.program(id: programId) else { throw StoreError.notFound("program \(programId)") }
            var members: [MemberRecord] = []
            var after: String?
            repeat {
                let page = try await store.members(programId: programId, limit: 1000, startingAfter: after)
                members += page.items
                after = page.hasMore ? page.items.last?.id : nil
            } while after != nil
            var redemptions: [RedemptionRecord] = []
            var afterRedemption: String?
            repeat {
                let page = try await store.redemptions(programId: programId, memberId: nil, limit: 1000, startingAfter: afterRedemption, now: Date())
                redemptions += page.items
                afterRedemption = page.hasMore ? page.items.last?.id : nil
            } while afterRedemption != nil
            return History(program: program, versions: try await store.programVersions(programId: programId), rewards: try await store.rewards(programId: programId),
                           members: members, events: try await store.simulationEvents(programId: programId),
                           moves: try await store.simulationMoves(programId: programId), redemptions: redemptions,
                           consents: try await store.simulationConsents(programId: programId))
        }

        /// Records that change points, for progress.
        public var recordCount: Int {
            events.count + moves.count + redemptions.count { $0.sourceEventId == nil } + redemptions.count { $0.sourceEventId == nil && $0.cancelledAt != nil }
        }
    }

    /// One thing that happened, in the order of the replay.
    enum Step {
        case applyVersion(version: Int, definition: ProgramDefinition, source: String)
        case createMember(MemberRecord)
        case consent(StoredConsent)
        case event(StoredEvent)
        case move(StoredMove)
        case redeem(RedemptionRecord)
        case cancelRedemption(RedemptionRecord)

        var order: Int {
            switch self {
            case .applyVersion: 0
            case .createMember: 1
            case .consent: 2
            case .event, .move, .redeem: 3
            case .cancelRedemption: 4
            }
        }

        /// Counted in progress and refusals under this name.
        var kind: String {
            switch self {
            case .applyVersion: "program_version"
            case .createMember: "member"
            case .consent: "consent"
            case .event: "event"
            case .move(let move):
                switch move.kind {
                case .adjustment: "adjustment"
                case .adjustmentCancellation: "adjustment_cancellation"
                case .transfer: "transfer"
                }
            case .redeem: "redemption"
            case .cancelRedemption: "redemption_cancellation"
            }
        }
    }

    /// The replay's steps in time order (ties: versions, then members, then records in stored order).
    func steps(_ history: History) -> [(at: Date, step: Step)] {
        var steps: [(at: Date, step: Step)] = []
        steps.reserveCapacity(history.members.count + history.consents.count + history.events.count + history.moves.count + 2 * history.redemptions.count + history.versions.count)
        if let draft {
            let start = ([history.program.createdAt] + history.versions.map(\.createdAt)).min()!
            steps.append((start, .applyVersion(version: 1, definition: draft, source: draftSource)))
        } else {
            steps += history.versions.sorted { $0.version < $1.version }.map { ($0.createdAt, .applyVersion(version: $0.version, definition: $0.definition, source: $0.source)) }
        }
        steps += history.members.map { ($0.createdAt, .createMember($0)) }
        steps += history.consents.map { ($0.change.at, .consent($0)) }
        steps += history.events.map { ($0.recordedAt, .event($0)) }
        steps += history.moves.map { ($0.at, .move($0)) }
        // Rewards given by a rule come again from their event; only those members redeemed are steps.
        for redemption in history.redemptions where redemption.sourceEventId == nil {
            steps.append((redemption.createdAt, .redeem(redemption)))
            if let cancelled = redemption.cancelledAt { steps.append((cancelled, .cancelRedemption(redemption))) }
        }
        // A stable sort keeps each kind's stored order among equal times.
        let indexed = steps.enumerated().map { ($0.offset, $0.element) }
        return indexed.sorted { a, b in
            if a.1.at != b.1.at { return a.1.at < b.1.at }
            if a.1.step.order != b.1.step.order { return a.1.step.order < b.1.step.order }
            return a.0 < b.0
        }.map(\.1).filter { $0.at < until }
    }

    /// What a replay produced.
    public struct Outcome: Sendable {
        /// The scratch store holding the replayed ledger (the caller ends it with `close`).
        public var store: SQLiteStore
        /// The temporary database file `close` removes (nil when the caller named the file).
        var temporaryPath: String?
        /// Records replayed by kind.
        public var replayed: [String: Int]
        /// Records the program refused by kind, with up to five reasons each.
        public var refused: [String: Int]
        public var refusalSamples: [String: [String]]
        /// Events the program's fraud controls held for review instead of crediting.
        public var held: Int

        /// Counts a refused record of `kind`, keeping the first five reasons.
        mutating func refuse(_ kind: String, _ why: String) {
            refused[kind, default: 0] += 1
            if refusalSamples[kind, default: []].count < 5 { refusalSamples[kind, default: []].append(why) }
        }

        /// Closes the scratch store and removes its temporary file.
        public func close() async throws {
            try await store.close()
            if let temporaryPath {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: temporaryPath + suffix) }
            }
        }
    }

    /// Replays `history` into a new scratch store. `progress` is called with (steps done, steps in all) as it goes.
    public func replay(_ history: History, progress: @Sendable (Int, Int) -> Void = { _, _ in }) async throws -> Outcome {
        let temporaryPath = scratchPath == nil
            ? (scratchDirectory ?? FileManager.default.temporaryDirectory).appendingPathComponent("laurel-backtest-\(UUID().uuidString).db").path : nil
        let store = try SQLiteStore(path: scratchPath ?? temporaryPath!)
        try await store.migrate()
        let steps = steps(history)
        let start = steps.first?.at ?? history.program.createdAt
        _ = try await store.createProgram(id: programId, name: history.program.name, now: start)
        var outcome = Outcome(store: store, temporaryPath: temporaryPath, replayed: [:], refused: [:], refusalSamples: [:], held: 0)
        var rewardsPut = false
        var nextJobs = jobTick(after: start)
        // Events in a row (no other record, no job run between them) are replayed together, as an
        // import records history (`importEvents`, each at its own time): one transaction for many,
        // judged in memory where the program allows. Not with fraud controls: imports are not screened.
        let batchesEvents = draft.map { $0.fraud == nil } ?? history.versions.allSatisfy { $0.definition.fraud == nil }
        var events: [ImportedEvent] = []
        func replayEvents() async throws {
            guard let last = events.last?.clock else { return }
            // The jobs run here at their own ticks, as they did live: no reviews at due times in between.
            let results = try await store.importEvents(programId: programId, events: events, now: last, reviewingTiers: false)
            for (imported, result) in zip(events, results) {
                switch result {
                case .recorded: outcome.replayed["event", default: 0] += 1
                case .refused(let why): outcome.refuse("event", "\(imported.event.id): \(why)")
                }
            }
            events.removeAll(keepingCapacity: true)
        }
        for (index, (at, step)) in steps.enumerated() {
            if nextJobs <= at { try await replayEvents() }
            while nextJobs <= at {
                try await runJobs(store, now: nextJobs)
                nextJobs = jobTick(after: nextJobs)
            }
            if batchesEvents, case .event(let stored) = step {
                do {
                    events.append(ImportedEvent(member: .id(stored.memberId), event: try Self.event(of: stored), clock: stored.recordedAt) { _ in
                        stored.payload
                    })
                } catch {
                    outcome.refuse(step.kind, "\(Self.id(of: step)): \(EventImport.describe(error))")
                }
                if events.count >= Self.eventsPerBatch { try await replayEvents() }
            } else {
                try await replayEvents()
                do {
                    try await apply(step, at: at, store: store, outcome: &outcome)
                    outcome.replayed[step.kind, default: 0] += 1
                } catch {
                    outcome.refuse(step.kind, "\(Self.id(of: step)): \(EventImport.describe(error))")
                }
                if case .applyVersion = step, !rewardsPut {
                    // Rewards are not part of the program file: they are put once, as they are now, before anything can redeem them.
                    for reward in history.rewards { _ = try await store.putReward(programId: programId, reward: reward.reward, now: at) }
                    rewardsPut = true
                }
            }
            if index % 1000 == 0 {
                progress(index, steps.count)
                // A server shutting down stops a long replay here (`SimulationJob`); the scratch store goes with the task.
                try Task.checkCancellation()
            }
        }
        try await replayEvents()
        while nextJobs < until {
            try await runJobs(store, now: nextJobs)
            nextJobs = jobTick(after: nextJobs)
        }
        try await runJobs(store, now: until)
        progress(steps.count, steps.count)
        return outcome
    }

    /// A stored event as it was recorded: its payload read again, with its id and recorded time.
    private static func event(of stored: StoredEvent) throws -> LoyaltyEvent {
        try EventBody.decode(Data(stored.payload.utf8)).event(id: stored.id, now: stored.recordedAt)
    }

    private static func id(of step: Step) -> String {
        switch step {
        case .applyVersion(let version, _, _): "version \(version)"
        case .createMember(let member): member.id
        case .consent(let consent): "\(consent.memberId) \(consent.change.name)"
        case .event(let event): event.id
        case .move(let move): move.id
        case .redeem(let redemption), .cancelRedemption(let redemption): redemption.id
        }
    }

    /// Most events replayed in one transaction (an import's batch).
    static let eventsPerBatch = 2_000

    /// The first scheduler run after `date`: runs fall on whole multiples of the interval since 1970.
    func jobTick(after date: Date) -> Date {
        let interval = max(jobInterval, 1)
        return Date(timeIntervalSince1970: (floor(date.timeIntervalSince1970 / interval) + 1) * interval)
    }

    /// The ledger jobs of the live scheduler, each until nothing is due.
    public static func runJobs(_ store: any LaurelStore, now: Date) async throws {
        let batch = 1000
        while try await store.settleDuePoints(now: now, batchSize: batch) >= batch {}
        while try await store.reviewTiers(now: now, batchSize: batch) >= batch {}
        while try await store.runClubMemberships(now: now, batchSize: batch) >= batch {}
        while try await store.expireRedemptions(now: now, batchSize: batch) >= batch {}
    }

    /// The jobs that have work due at `now`, each until nothing is due: one read when none has (most
    /// ticks of the clock), where calling each job cost a write transaction per job and tick.
    private func runJobs(_ store: SQLiteStore, now: Date) async throws {
        let due = try await store.scheduledBacklog(now: now)
        let batch = 1000
        if due[JobName.settlePoints, default: 0] > 0 { while try await store.settleDuePoints(now: now, batchSize: batch) >= batch {} }
        if due[JobName.reviewTiers, default: 0] > 0 { while try await store.reviewTiers(now: now, batchSize: batch) >= batch {} }
        if due[JobName.clubMemberships, default: 0] > 0 { while try await store.runClubMemberships(now: now, batchSize: batch) >= batch {} }
        if due[JobName.expireRedemptions, default: 0] > 0 { while try await store.expireRedemptions(now: now, batchSize: batch) >= batch {} }
    }

    private func apply(_ step: Step, at: Date, store: SQLiteStore, outcome: inout Outcome) async throws {
        switch step {
        case .applyVersion(_, let definition, let source):
            _ = try await store.applyProgram(id: programId, definition: definition, source: source, now: at, idempotency: nil)
        case .createMember(let live):
            let member = MemberRecord(id: live.id, programId: programId, externalId: live.externalId, email: live.email, name: live.name,
                                      birthday: live.birthday, attributes: live.attributes, createdAt: live.createdAt, updatedAt: live.createdAt)
            _ = try await store.createMember(member, idempotency: nil)
        case .consent(let consent):
            _ = try await store.setConsents(programId: programId, memberId: consent.memberId, [consent.change.name: consent.change.granted],
                                            source: consent.change.source, now: consent.change.at, idempotency: nil)
        case .event(let stored):
            let result = try await store.recordEvent(programId: programId, memberId: stored.memberId, event: try Self.event(of: stored),
                                                     payload: stored.payload, now: stored.recordedAt, idempotency: nil)
            if result.value?.status == .held { outcome.held += 1 }
        case .move(let move):
            switch move.kind {
            case .adjustment(let points, let reason, let actor):
                _ = try await store.adjust(programId: programId, memberId: move.memberId, id: move.id, points: points, reason: reason, actor: actor,
                                           now: at, idempotency: nil)
            case .adjustmentCancellation(let adjustmentId, let reason, let actor):
                _ = try await store.cancelAdjustment(programId: programId, memberId: move.memberId, adjustmentId: adjustmentId, reason: reason,
                                                     actor: actor, now: at, idempotency: nil)
            case .transfer(let to, let points):
                _ = try await store.transfer(programId: programId, id: move.id, from: move.memberId, to: to, points: points, now: at, idempotency: nil)
            }
        case .redeem(let redemption):
            _ = try await store.redeem(programId: programId, id: redemption.id, memberId: redemption.memberId, rewardId: redemption.rewardId,
                                       points: redemption.quantity == 1 ? redemption.points : nil, quantity: redemption.quantity, now: at,
                                       idempotency: nil)
        case .cancelRedemption(let redemption):
            _ = try await store.cancelRedemption(programId: programId, id: redemption.id, now: at, idempotency: nil)
        }
    }
}
