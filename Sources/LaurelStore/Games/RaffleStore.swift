import Foundation
import LaurelCore

/// Raffles: entries (paid or earned) until the draw time, one draw from a seed committed to before
/// the first entry, winners credited and told (`raffle.won`).
public protocol RaffleStore: Sendable {
    /// The raffle's state, read only: no commitment until its first entry or draw makes the seed.
    func raffle(programId: String, raffleId: String) async throws -> RaffleState
    /// An entry for the member (the raffle's seed is made, from `random`, before its first entry): an earned entry when they have one left, else the entry's points cost.
    /// Throws `RaffleRefusal` (closed, no entries, limit) or `LedgerError.insufficientPoints`, writing nothing.
    func enterRaffle(programId: String, id: String, raffleId: String, memberId: String, random: RandomSource, now: Date,
                     idempotency: Idempotency<RaffleEntryRecord>?) async throws -> Idempotent<RaffleEntryRecord>
    /// A member's entries, newest first.
    func raffleEntries(programId: String, memberId: String, limit: Int, startingAfter: String?) async throws -> Page<RaffleEntryRecord>
    /// A raffle's entries in entry id order (the list the draw shuffles), after the entry `startingAfter`,
    /// with the raffle's commitment (nil only while it has no entries). Throws `StoreError.notFound`
    /// for a raffle the program does not have.
    func raffleEntries(programId: String, raffleId: String, limit: Int,
                       startingAfter: String?) async throws -> (commitment: String?, entries: Page<RaffleEntryRecord>)
    /// The ids of the program's raffles drawn already (for the scheduled draw to skip).
    func drawnRaffles(programId: String) async throws -> Set<String>
    /// Draws the raffle once: throws `RaffleRefusal.alreadyDrawn` when it was, `notDue` before its draw time.
    /// The raffle's row is locked for the draw, so concurrent draws on any nodes draw it exactly once.
    func drawRaffle(programId: String, raffleId: String, random: RandomSource, now: Date,
                    idempotency: Idempotency<RaffleState>?) async throws -> Idempotent<RaffleState>
}

/// A raffle as stored: its commitment, and after the draw its seed and winners.
public struct RaffleState: Hashable, Sendable {
    public var raffle: RaffleDefinition
    /// Nil until the first entry or the draw makes the seed.
    public var commitment: String?
    /// Published once drawn; nil before.
    public var seed: String?
    public var entries: Int
    public var drawnAt: Date?
    public var winners: [RaffleDraw.Entry]
    public init(raffle: RaffleDefinition, commitment: String?, seed: String?, entries: Int, drawnAt: Date?, winners: [RaffleDraw.Entry]) {
        self.raffle = raffle
        self.commitment = commitment
        self.seed = seed
        self.entries = entries
        self.drawnAt = drawnAt
        self.winners = winners
    }

    /// `open` (taking entries), `closed` (its draw time passed, not drawn yet) or `drawn`.
    public func status(now: Date) -> String { drawnAt != nil ? "drawn" : now < raffle.drawAt ? "open" : "closed" }
}

public struct RaffleEntryRecord: Hashable, Sendable {
    public var id: String
    public var programId: String
    public var raffleId: String
    public var memberId: String
    /// `earned` or `points`.
    public var paidWith: String
    public var costPoints: Int
    public var enteredAt: Date
    public init(id: String, programId: String, raffleId: String, memberId: String, paidWith: String, costPoints: Int, enteredAt: Date) {
        self.id = id
        self.programId = programId
        self.raffleId = raffleId
        self.memberId = memberId
        self.paidWith = paidWith
        self.costPoints = costPoints
        self.enteredAt = enteredAt
    }
}

extension OutboxMessages {
    /// `raffle.won`: a member's entry was drawn; the seed lets them check it.
    static func raffleWon(_ state: RaffleState, winner: RaffleDraw.Entry, now: Date) -> PendingMessage {
        message(MessageType.raffleWon, now: now) { json in
            json.field("commitment", state.commitment ?? "")
            json.field("entry_id", winner.id)
            json.field("member_id", winner.memberId)
            json.field("points", state.raffle.prizePoints ?? 0)
            json.field("raffle_id", state.raffle.id)
            json.field("seed", state.seed ?? "")
        }
    }
}

/// A raffle's stored seed row, as the entries and the draw see it.
struct RaffleSeedRow {
    var commitment: String
    var seed: String
    var drawnAt: Date?
    var winners: [RaffleDraw.Entry]
}

enum RaffleText {
    /// Winners as stored: `entry_id:member_id` joined by commas, in draw order.
    static func winners(_ winners: [RaffleDraw.Entry]) -> String { winners.map { "\($0.id):\($0.memberId)" }.joined(separator: ",") }
    static func winners(_ text: String?) -> [RaffleDraw.Entry] {
        (text ?? "").split(separator: ",").compactMap { pair in
            let parts = pair.split(separator: ":", maxSplits: 1)
            return parts.count == 2 ? RaffleDraw.Entry(id: String(parts[0]), memberId: String(parts[1])) : nil
        }
    }
}
