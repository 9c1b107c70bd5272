import Foundation
import LaurelTestSupport
import Testing

/// The crash test (issue 29): rounds of `CrashRound` on SQLite and on PostgreSQL. The test suite runs
/// `LAUREL_CRASH_ROUNDS` rounds per backend (default 3, under a minute); `scripts/crash-rounds.sh`
/// runs 50 or more for the figures in docs/guarantees.md. Each run prints its seed;
/// `LAUREL_CRASH_SEED=<seed>` replays the same workloads and kill moments.
@Suite(.serialized) struct CrashRoundTests {
    static var rounds: Int { ProcessInfo.processInfo.environment["LAUREL_CRASH_ROUNDS"].flatMap { Int($0) } ?? 3 }
    static var seed: UInt64 { ProcessInfo.processInfo.environment["LAUREL_CRASH_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...999_999) }

    @Test(arguments: TestBackend.available)
    func killedAtRandomMomentsNothingIsLostOrDoubled(_ backend: TestBackend) async throws {
        let seed = Self.seed
        print("crash rounds [\(backend)]: \(Self.rounds) round(s), seed \(seed)")
        var total = CrashFigures()
        for round in 0..<Self.rounds {
            let roundSeed = seed &+ UInt64(round)
            let (figures, problems) = try await CrashRound(backend: backend, seed: roundSeed, name: "r\(roundSeed)").run()
            print("crash rounds [\(backend)]: round \(round + 1) (seed \(roundSeed)), killed after \(figures.killedAfter): \(figures.summary)")
            #expect(problems.isEmpty, "round \(round + 1) on \(backend), seed \(roundSeed):\n\(problems.prefix(20).joined(separator: "\n"))")
            total.add(figures)
        }
        print("crash rounds [\(backend)] total: \(total.summary), seed \(seed)")
        #expect(total.lost == 0 && total.duplicates == 0)
        #expect(total.acknowledged > 0, "the rounds acknowledged writes before their kills")
    }
}
