import Foundation
import LaurelCore
import LaurelStore
import LaurelTestSupport
import Testing

/// One seeded run of the whole engine on a real store: members, purchases, returns, other events,
/// redemptions and their cancellations, transfers, adjustments, clubs, new program versions, the
/// scheduled jobs and moves of the clock, drawn from `seed`. With `injectsFaults`, a quarter of the
/// writes meet a fault at the store seam (`StoreFaults`), drawn from a stream of their own so the
/// workload is the same either way; a call that fails is retried with the same idempotency key.
///
/// After every fault: a call that failed changed nothing, its retry landed (a replay there would
/// mean the failed call had), a second retry replays the first answer and changes nothing, and the
/// invariants (`StoreSnapshot.problems`) hold. They are checked every tenth step and at the end too.
final class Simulation {
    /// What a run did and left.
    struct Report {
        var dump: [String]
        /// Each step's operation and how it ended, in order.
        var outcomes: [String]
        /// Calls of the store's writes and jobs drawn (retries not counted).
        var operations: Int
        var faults: [StoreFault: Int]
        /// Faulted calls that failed to their caller (the others were retried inside the store).
        var failedCalls: Int
        var seconds: Double
    }

    /// A write or job and how to call it; retries call `attempt` again (keyed writes with the same key).
    struct Operation {
        var name: String
        /// False for jobs, which take no key: running one again at the same moment is their retry.
        var keyed: Bool
        var attempt: () async throws -> Landing
    }

    enum Landing {
        /// Done now: `apply` updates what the simulation knows.
        case fresh(StoredResponse?, apply: () -> Void)
        case replayed(StoredResponse)
    }

    /// A purchase the simulation made, for choosing returns of it.
    struct Bought {
        var id: String
        var memberId: String
        var total: Amount
        var refunded: Amount = .zero
    }

    let seed: UInt64
    let context: String
    let fixture: StoreFixture
    let faults: StoreFaults
    let injectsFaults: Bool
    let faultKinds: Set<StoreFault>
    var random: SplitMix64
    var faultRandom: SplitMix64
    var now = StoreFixture.start
    var members: [String] = []
    var purchases: [Bought] = []
    var issued: [String] = []
    var doubled = false
    var counter = 0
    var outcomes: [String] = []
    var operations = 0
    var failedCalls = 0
    /// False once an issue was recorded: the run stops there.
    var healthy = true

    init(seed: UInt64, backend: StoreBackend, injectsFaults: Bool) async throws {
        self.seed = seed
        self.injectsFaults = injectsFaults
        faultKinds = Self.faultKinds()
        context = "seed \(seed) on \(backend) (replay: LAUREL_SIM_SEED=\(seed))"
        random = SplitMix64(seed: seed)
        faultRandom = SplitMix64(seed: seed ^ 0xFA17_FA17_FA17_FA17)
        faults = StoreFaults()
        let store = try await backend.makeStore(faults: faults)
        _ = try await store.createProgram(id: "prg_sim", name: "Simulation", now: StoreFixture.start)
        fixture = StoreFixture(store: store, programId: "prg_sim")
        try await fixture.apply(SimulationProgram.source, now: now)
        for reward in SimulationProgram.rewards { _ = try await RedemptionStoreTests.reward(reward.json, fixture: fixture) }
        for _ in 0..<6 {
            let id = nextId("mem")
            _ = try await fixture.store.createMember(Self.member(id, programId: fixture.programId, now: now), idempotency: nil)
            _ = try await fixture.store.adjust(programId: fixture.programId, memberId: id, id: nextId("adj"), points: 300, reason: "welcome",
                                               actor: "simulation", now: now, idempotency: nil)
            members.append(id)
        }
    }

    /// Runs `seed` for `steps` steps on a fresh store of `backend`.
    static func run(_ backend: StoreBackend, seed: UInt64, steps: Int, injectsFaults: Bool) async throws -> Report {
        let started = ContinuousClock.now
        let simulation = try await Simulation(seed: seed, backend: backend, injectsFaults: injectsFaults)
        for index in 0..<steps where simulation.healthy { try await simulation.step(index) }
        let final = try await simulation.snapshot()
        if simulation.healthy { simulation.check(final, "\(simulation.context) at the end") }
        let elapsed = ContinuousClock.now - started
        return Report(dump: final.dump, outcomes: simulation.outcomes, operations: simulation.operations, faults: simulation.faults.counts,
                      failedCalls: simulation.failedCalls, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    func step(_ index: Int) async throws {
        now += Double(random.int(0...(4 * 3600)))
        let roll = random.int(100)
        let drawn = faultRandom.int(100) < 25 ? StoreFault.allCases[faultRandom.int(StoreFault.allCases.count)] : nil
        let fault = drawn.flatMap { faultKinds.contains($0) ? $0 : nil }
        if roll >= 91 {
            now += Double(random.int(1...6) * 86_400)
            outcomes.append("\(index) clock to \(Timestamps.format(now))")
            return
        }
        guard let operation = draw(roll) else { return outcomes.append("\(index) nothing to return or cancel") }
        operations += 1
        let site = "\(context) step \(index), \(operation.name)"
        let landing: Result<Landing, any Error>
        if ProcessInfo.processInfo.environment["LAUREL_SIM_TRACE"] != nil { FileHandle.standardError.write(Data("\(site) \(injectsFaults ? fault.map { "\($0)" } ?? "" : "")\n".utf8)) }
        if injectsFaults, let fault {
            guard let faulted = try await faulted(operation, fault, site) else { return }
            landing = faulted
        } else {
            landing = await Self.attempt(operation)
        }
        switch landing {
        case .success(.fresh(_, let apply)):
            apply()
            outcomes.append("\(index) \(operation.name): done")
        case .success(.replayed):
            fail("\(site): a call with a new key was answered as a replay")
        case .failure(let error):
            guard Self.isRefusal(error) else { return fail("\(site) failed: \(error)") }
            outcomes.append("\(index) \(operation.name): refused, \(error)")
        }
        if healthy, index % 10 == 0 {
            let state = try await snapshot()
            check(state, site)
        }
    }

    /// Calls `operation` with `fault` armed, and its retries; nil when an issue was recorded.
    private func faulted(_ operation: Operation, _ fault: StoreFault, _ site: String) async throws -> Result<Landing, any Error>? {
        let context = "\(site), meeting \(fault)"
        let before = try await snapshot()
        faults.arm(fault)
        let first = await Self.attempt(operation)
        faults.disarm()
        var landing = first
        if case .failure(let error) = first {
            if !Self.isRefusal(error) { failedCalls += 1 }
            let after = try await snapshot()
            check(after, "\(context), after the failed call")
            guard after == before else {
                fail("\(context): the call failed (\(error)) and yet took effect: \(Self.difference(before.dump, after.dump))")
                return nil
            }
            landing = await Self.attempt(operation)
            if case .success(.replayed) = landing {
                fail("\(context): the call failed (\(error)) and its retry was a replay: the failed call had landed")
                return nil
            }
        }
        // A retry after the landing: a replay of the same answer (a job: nothing more to do), and nothing changes.
        let landed = try await snapshot()
        let again = await Self.attempt(operation)
        switch (landing, again) {
        case (.success(.fresh(let response, _)), .success(.replayed(let replayed))) where operation.keyed:
            if replayed != response { fail("\(context): the retry replayed another answer than the first") }
        case (.success(.fresh), .success(.fresh)) where !operation.keyed: break
        case (.failure(let error), .failure(let retried)) where "\(error)" == "\(retried)": break
        default: fail("\(context): landed as \(landing), then a retry with the same key gave \(again)")
        }
        let retried = try await snapshot()
        check(retried, "\(context), after the retries")
        if retried != landed { fail("\(context): a retry landed again: \(Self.difference(landed.dump, retried.dump))") }
        return healthy ? landing : nil
    }

    func snapshot() async throws -> StoreSnapshot {
        try await StoreSnapshot.read(fixture.store, programId: fixture.programId, memberIds: members, clubIds: SimulationProgram.clubIds, now: now)
    }

    func check(_ snapshot: StoreSnapshot, _ context: String) {
        let stock = Dictionary(uniqueKeysWithValues: SimulationProgram.rewards.map { (Self.rewardId($0.json), $0.stock) })
        let problems = snapshot.problems(debtLimit: SimulationProgram.debtLimit, stock: stock)
        if !problems.isEmpty { fail("\(context): invariants broken:\n" + problems.joined(separator: "\n")) }
    }

    func fail(_ message: String) {
        Issue.record("\(message)")
        healthy = false
    }

    func nextId(_ prefix: String) -> String {
        counter += 1
        return "\(prefix)_s\(seed)_" + String(repeating: "0", count: max(0, 5 - String(counter).count)) + String(counter)
    }

    /// The faults injected: those `LAUREL_SIM_FAULTS` names (comma-separated), else all of them.
    static func faultKinds() -> Set<StoreFault> {
        if let names = ProcessInfo.processInfo.environment["LAUREL_SIM_FAULTS"] {
            return Set(names.split(separator: ",").compactMap { StoreFault(rawValue: String($0)) })
        }
        return Set(StoreFault.allCases)
    }

    static func attempt(_ operation: Operation) async -> Result<Landing, any Error> {
        do { return .success(try await operation.attempt()) } catch { return .failure(error) }
    }

    /// An answer the engine gives on purpose (not enough points, out of stock, not allowed…), as opposed to a failure.
    static func isRefusal(_ error: any Error) -> Bool {
        error is LoyaltyError || error is LedgerError || error is StoreError || error is EventProcessingError || error is FraudRefusal
    }

    static func member(_ id: String, programId: String, now: Date) -> MemberRecord {
        MemberRecord(id: id, programId: programId, externalId: "ext-\(id)", status: .active, createdAt: now, updatedAt: now)
    }

    static func rewardId(_ json: String) -> String {
        String(json.split(separator: "\"")[3])
    }

    /// The first line where two dumps differ, for a message.
    static func difference(_ before: [String], _ after: [String]) -> String {
        for (index, (old, new)) in zip(before, after).enumerated() where old != new {
            return "line \(index): \(old) -> \(new)"
        }
        return before.count < after.count ? "added \(after[before.count])" : after.count < before.count ? "removed \(before[after.count])" : "no line differs"
    }
}
