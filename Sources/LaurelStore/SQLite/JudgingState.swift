import Foundation
import GRDB
import LaurelCore

/// What judging an event reads about a member besides their row: their open lots, the limited
/// rules' awards and their tier contributions, the last two each from some time on. `record`
/// keeps it between a member's events (`JudgingCache`); an import batch keeps it for the batch.
/// Each is exactly what the tables hold, so usage and tier totals computed here equal the sums
/// `record` would read with SQL.
struct JudgingState: Sendable {
    struct Award: Sendable {
        var ruleId: String
        var at: Int64
        var points: Int
    }

    /// Open lots as the database gives them back: times in whole milliseconds.
    var lots: [PointLot] { didSet { carry = nil } }
    /// What the last event's ledger carried besides its lots (nil when the lots were read from the
    /// tables), so the member's next ledger starts without a pass over every lot.
    private var carry: MemberLedger.Carry?
    /// Every award of a limited rule at or after `awardsFrom` (some earlier ones may be held too).
    var awards: [Award] = []
    var awardsFrom = Int64.max
    /// Every tier contribution at or after `contributionsFrom` (some earlier ones may be held too).
    var contributions: [(at: Int64, contribution: TierContribution)] = []
    var contributionsFrom = Int64.max

    init(lots: [PointLot]) {
        self.lots = lots
    }

    /// Each limited rule's awards in its window (`bounds`); the awards from the earliest window on
    /// must be held (`coverAwards`).
    func usage(_ queries: [LimitQuery]) -> [String: RuleUsage] {
        var usage: [String: RuleUsage] = [:]
        for query in queries {
            let (from, to) = Self.bounds(query)
            assert(from >= awardsFrom, "awards not read from \(from) on")
            var used = RuleUsage()
            for award in awards where award.ruleId == query.ruleId && award.at >= from && award.at < to {
                used.points += award.points
                used.times += 1
            }
            usage[query.ruleId] = used
        }
        return usage
    }

    /// The contributions from `from` through `through`, both included, as `tierStanding` sums them;
    /// those from `from` on must be held (`coverContributions`).
    func tierTotals(from: Int64, through: Int64) -> TierContribution {
        assert(from >= contributionsFrom, "contributions not read from \(from) on")
        return contributions.reduce(TierContribution()) { totals, item in item.at >= from && item.at <= through ? totals + item.contribution : totals }
    }

    /// When the oldest contribution at or after `from` was made, as `saveTier` looks it up.
    func oldestContribution(from: Int64) -> Int64? {
        assert(from >= contributionsFrom, "contributions not read from \(from) on")
        return contributions.lazy.map(\.at).filter { $0 >= from }.min()
    }

    /// Awards `record` holds before it looks for ones to forget.
    static let awardsHeldUncut = 64

    /// Drops the awards before `awardsBefore` and the contributions before `contributionsBefore`
    /// (nil: keep them all), which the member's later events do not count; an earlier event reads
    /// them again (`coverAwards`, `coverContributions`). Without this a member's state grew with
    /// every event for as long as the writer kept it, and so did the scans of `usage` and
    /// `tierTotals`. Only what is held whole can go: everything from `awardsFrom` on is held, so a
    /// cut after it leaves everything from the cut on.
    mutating func forget(awardsBefore: Int64?, contributionsBefore: Int64?) {
        if let cut = awardsBefore, cut > awardsFrom {
            awards.removeAll { $0.at < cut }
            awardsFrom = cut
        }
        if let cut = contributionsBefore, cut > contributionsFrom {
            contributions.removeAll { $0.at < cut }
            contributionsFrom = cut
        }
    }

    /// Keeps the ledger's open lots after an event, as `loadLedger` would read them back (the
    /// ledger keeps lot times in whole milliseconds and no emptied lot, as the tables do). Shares
    /// the ledger's array rather than copying it: a member with a long history holds thousands.
    mutating func keepLots(of ledger: MemberLedger) {
        let (lots, carry) = ledger.carried
        self.lots = lots
        self.carry = carry
    }

    /// A ledger of these lots for the member's next event.
    func ledger(memberId: String, debt: Int, lifetimeEarned: Int) -> MemberLedger {
        guard let carry else { return MemberLedger(memberId: memberId, lots: lots, debt: debt, lifetimeEarned: lifetimeEarned) }
        return MemberLedger(memberId: memberId, carrying: lots, carry, debt: debt, lifetimeEarned: lifetimeEarned)
    }

    /// The same ledger, handing it the lots (this state holds none until `keepLots`), so that the
    /// ledger owns them alone and changes them in place.
    mutating func takeLedger(memberId: String, debt: Int, lifetimeEarned: Int) -> MemberLedger {
        let ledger = ledger(memberId: memberId, debt: debt, lifetimeEarned: lifetimeEarned)
        lots = []
        return ledger
    }

    /// The milliseconds a limit query counts awards in: from included, to excluded.
    static func bounds(_ query: LimitQuery) -> (from: Int64, to: Int64) {
        (query.from?.millis ?? Int64.min, query.to == .distantFuture ? Int64.max : query.to.millis)
    }

    // MARK: Reading one member's state

    /// The member's open lots; awards and contributions are read as events need them
    /// (`coverAwards`, `coverContributions`).
    static func read(_ db: Database, memberId: String) throws -> JudgingState {
        JudgingState(lots: try SQLiteStore.openLots(db, memberId: memberId))
    }

    /// Reads what is missing for the awards of `limited` rules from `from` on.
    mutating func coverAwards(_ db: Database, memberId: String, limited: Set<String>, from: Int64) throws {
        guard from < awardsFrom else { return }
        for row in try db.rows("SELECT rule_id, occurred_at, points FROM rule_awards WHERE member_id = ? AND occurred_at >= ? AND occurred_at < ?",
                               [memberId, from, awardsFrom]) where limited.contains(row[0]) {
            awards.append(Award(ruleId: row[0], at: row[1], points: row[2]))
        }
        awardsFrom = from
    }

    /// Reads what is missing for the tier contributions from `from` on.
    mutating func coverContributions(_ db: Database, memberId: String, from: Int64) throws {
        guard from < contributionsFrom else { return }
        for row in try db.rows("""
            SELECT occurred_at, points, amount_units, purchases FROM tier_contributions WHERE member_id = ? AND occurred_at >= ? AND occurred_at < ?
            """, [memberId, from, contributionsFrom]) {
            contributions.append((row[0], TierContribution(points: row[1], amount: Amount(units: row[2]), purchases: row[3])))
        }
        contributionsFrom = from
    }
}
