import Foundation

/// A raffle: entries bought with points or earned by events until the draw time, then `winners`
/// distinct members drawn from a seed committed to before the first entry (see `RaffleDraw`).
public struct RaffleDefinition: Hashable, Sendable {
    public var id: String
    public var name: String
    /// Points one entry costs; nil: entries are only earned.
    public var entryCostPoints: Int?
    /// Entries earned by events: each recorded event of the type earns `count` entries.
    public var earnedBy: [GameEarning]
    /// Most entries one member may hold; nil: no limit.
    public var maxEntriesPerMember: Int?
    /// Entries are taken before this instant; the draw happens at it.
    public var drawAt: Date
    public var winners: Int
    /// Points each winner is credited; nil: the prize is handed over outside Laurel (`raffle.won` says who won).
    public var prizePoints: Int?

    public init(id: String, name: String, entryCostPoints: Int? = nil, earnedBy: [GameEarning] = [], maxEntriesPerMember: Int? = nil,
                drawAt: Date, winners: Int, prizePoints: Int? = nil) {
        self.id = id
        self.name = name
        self.entryCostPoints = entryCostPoints
        self.earnedBy = earnedBy
        self.maxEntriesPerMember = maxEntriesPerMember
        self.drawAt = drawAt
        self.winners = winners
        self.prizePoints = prizePoints
    }

    /// How the member pays for the next entry: an earned entry when they have one left, else points.
    public func payment(earned: Int, earnedUsed: Int, held: Int, now: Date) throws(RaffleRefusal) -> WheelDraw.Payment {
        guard now < drawAt else { throw .closed(raffleId: id) }
        if let max = maxEntriesPerMember, held >= max { throw .entryLimitReached(raffleId: id, maxEntries: max) }
        if earned > earnedUsed { return .play }
        guard let cost = entryCostPoints else { throw .noEntries(raffleId: id) }
        return .points(cost)
    }
}

/// Why a raffle refused an entry or a draw; answered as a 4xx with `code`.
public enum RaffleRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    /// The draw time has passed (or the raffle was drawn): no more entries.
    case closed(raffleId: String)
    /// No earned entry left and the raffle cannot be entered with points.
    case noEntries(raffleId: String)
    case entryLimitReached(raffleId: String, maxEntries: Int)
    case alreadyDrawn(raffleId: String)
    case notDue(raffleId: String, drawAt: Date)

    public var code: String {
        switch self {
        case .closed: "raffle_closed"
        case .noEntries: "no_entries"
        case .entryLimitReached: "entry_limit_reached"
        case .alreadyDrawn: "raffle_drawn"
        case .notDue: "raffle_not_due"
        }
    }

    public var description: String {
        switch self {
        case .closed(let raffle): "raffle \(raffle) takes no more entries: its draw time has passed"
        case .noEntries(let raffle): "no earned entry left in raffle \(raffle), and it cannot be entered with points"
        case .entryLimitReached(let raffle, let max): "a member may hold at most \(max) entries in raffle \(raffle)"
        case .alreadyDrawn(let raffle): "raffle \(raffle) was drawn already"
        case .notDue(let raffle, let at): "raffle \(raffle) is drawn at \(Timestamps.format(at)), not before"
        }
    }
}
