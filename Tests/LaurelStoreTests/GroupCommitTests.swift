import Foundation
import LaurelCore
import LaurelStore
import Synchronization
import Testing

/// The writer's thread ends after a second without writes (`GroupCommit.idleSeconds`) and the next
/// write starts it again; writes that arrive just as it ends must still be answered.
struct GroupCommitTests {
    @Test func writesAroundTheWritersIdleEndAreAnswered() async throws {
        let (fixture, path) = try await StoreFixture.onFile(programId: "prg_idle")
        defer { StoreFixture.removeFile(path) }
        let member = try await fixture.member("idle-1")
        // Pauses on both sides of the one second after which the thread ends, and some writes at
        // once after each pause, so some arrive while it is deciding to end.
        let pauses: [Double] = [0.97, 1.0, 1.03, 1.2, 0.99, 1.01]
        var recorded = 0
        for (index, pause) in pauses.enumerated() {
            try await Task.sleep(for: .seconds(pause))
            for burst in 0..<3 {
                let event = StoreFixture.purchase(total: "10", at: StoreFixture.at(hours: Double(index * 3 + burst)))
                // A write nobody drains is never answered: fail instead of hanging.
                try await Self.answered(within: 10) { _ = try await fixture.record(event, memberId: member.id) }
            }
            recorded += 3
        }
        let summary = try await fixture.store.pointsSummary(programId: fixture.programId, memberId: member.id,
                                                            now: StoreFixture.at(days: 1), expiringWithin: 0)
        #expect(summary.lifetimeEarned == recorded * 10)
        #expect(try await fixture.audit() == [])
    }

    struct NotAnswered: Error {}

    /// Runs `body` in a task of its own and waits for it at most `seconds`.
    static func answered(within seconds: Double, _ body: @escaping @Sendable () async throws -> Void) async throws {
        let done = Mutex(false)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let finish: @Sendable (Result<Void, any Error>) -> Void = { result in
                if done.withLock({ done in defer { done = true }; return !done }) { continuation.resume(with: result) }
            }
            Task {
                do {
                    try await body()
                    finish(.success(()))
                } catch {
                    finish(.failure(error))
                }
            }
            Task {
                try? await Task.sleep(for: .seconds(seconds))
                finish(.failure(NotAnswered()))
            }
        }
    }
}
