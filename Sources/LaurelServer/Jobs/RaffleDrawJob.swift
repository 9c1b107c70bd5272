import Foundation
import LaurelCore
import LaurelStore

/// Draws every raffle whose draw time has come: each exactly once, whichever node gets there
/// first (the store locks the raffle's row; a raffle drawn already is skipped: those drawn before
/// the pass are read once, so a past raffle costs no write transaction on later ticks).
public enum RaffleDrawJob {
    /// One pass over every program; answers how many raffles it drew.
    public static func runOnce(store: any LaurelStore, random: RandomSource, now: Date) async throws -> Int {
        var drawn = 0
        for program in try await store.programs() where program.currentVersion != nil {
            guard let version = try await store.programVersion(programId: program.id, version: nil) else { continue }
            let due = version.definition.games.raffles.filter { $0.drawAt <= now }
            guard !due.isEmpty else { continue }
            let drawnAlready = try await store.drawnRaffles(programId: program.id)
            for raffle in due where !drawnAlready.contains(raffle.id) {
                do {
                    _ = try await store.drawRaffle(programId: program.id, raffleId: raffle.id, random: random, now: now, idempotency: nil)
                    drawn += 1
                } catch RaffleRefusal.alreadyDrawn {
                    continue
                }
            }
        }
        return drawn
    }
}
