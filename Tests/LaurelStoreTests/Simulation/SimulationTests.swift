import Foundation
import LaurelStore
import LaurelTestSupport
import Testing

/// The deterministic simulation of the whole engine (`Simulation`): each seed runs twice with
/// faults injected at the store seam and once without. The three must leave the same ledger (the
/// same seed always gives the same final state, and faults, once retried, change nothing), and
/// every check after every fault must hold.
///
/// `LAUREL_SIM_SEED=S` runs seed S alone (a failure names its seed), `LAUREL_SIM_SEEDS=N` seeds 1…N,
/// `LAUREL_SIM_STEPS` the steps of each run (100), `LAUREL_SIM_FAULTS` the kinds of fault (see
/// `Simulation.faultKinds`), `LAUREL_SIM_TRACE` prints each step; `scripts/simulate.sh` runs many.
struct SimulationTests {
    static let environment = ProcessInfo.processInfo.environment
    static let seeds: [UInt64] = {
        if let seed = environment["LAUREL_SIM_SEED"].flatMap(UInt64.init) { return [seed] }
        return Array(1...max(1, environment["LAUREL_SIM_SEEDS"].flatMap(UInt64.init) ?? 2))
    }()
    static let steps = environment["LAUREL_SIM_STEPS"].flatMap(Int.init) ?? 100

    @Test(arguments: StoreBackend.available, seeds)
    func theSameSeedLeavesTheSameLedgerAndFaultsChangeNothing(backend: StoreBackend, seed: UInt64) async throws {
        let context = "seed \(seed) on \(backend) (replay: LAUREL_SIM_SEED=\(seed))"
        let faulted = try await Simulation.run(backend, seed: seed, steps: Self.steps, injectsFaults: true)
        let again = try await Simulation.run(backend, seed: seed, steps: Self.steps, injectsFaults: true)
        let clean = try await Simulation.run(backend, seed: seed, steps: Self.steps, injectsFaults: false)
        #expect(faulted.outcomes == again.outcomes, "\(context): the operations ended differently: \(Simulation.difference(faulted.outcomes, again.outcomes))")
        #expect(faulted.dump == again.dump, "\(context): two runs left different ledgers: \(Simulation.difference(faulted.dump, again.dump))")
        #expect(faulted.outcomes == clean.outcomes,
                "\(context): the operations ended differently without faults: \(Simulation.difference(faulted.outcomes, clean.outcomes))")
        #expect(faulted.dump == clean.dump, "\(context): faults changed the final ledger: \(Simulation.difference(faulted.dump, clean.dump))")
        // The run did exercise what it claims to: every fault met, entries of every kind the workload makes.
        #expect(Simulation.faultKinds().allSatisfy { faulted.faults[$0, default: 0] > 0 }, "\(context): faults met \(faulted.faults)")
        #expect(clean.faults.isEmpty, "\(context): faults met in the run without faults: \(clean.faults)")
        for kind in ["earn ", "mature ", "expire ", "spend ", "reverse ", "transfer ", "adjust ", "restore "] {
            #expect(faulted.dump.contains { $0.hasPrefix("  " + kind) }, "\(context): no \(kind)entry in the final ledger")
        }
        let faults = StoreFault.allCases.map { "\($0) \(faulted.faults[$0, default: 0])" }.joined(separator: ", ")
        print("simulation: \(backend) seed \(seed): \(faulted.operations) operations, \(faulted.faults.values.reduce(0, +)) faults (\(faults)), "
            + "\(faulted.failedCalls) failed to the caller; \(String(format: "%.2f", faulted.seconds)) s with faults, "
            + "\(String(format: "%.2f", clean.seconds)) s without")
    }
}
