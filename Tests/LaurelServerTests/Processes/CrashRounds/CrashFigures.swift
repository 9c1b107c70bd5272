/// What crash rounds did, added up over rounds: the figures docs/guarantees.md quotes.
struct CrashFigures: Sendable {
    var rounds = 0
    /// Writes answered 2xx before the kill.
    var acknowledged = 0
    var acknowledgedByKind: [CrashOperation.Kind: Int] = [:]
    /// Writes answered before the kill with a refusal (422: not enough points, out of stock).
    var refused = 0
    /// Writes in flight at the kill: sent, never answered.
    var unanswered = 0
    /// Of those, the ones whose first retry was a replay: committed before the kill.
    var landedUnanswered = 0
    var lost = 0
    var duplicates = 0
    var killedAfter: Duration = .zero
    var duration: Duration = .zero

    mutating func add(_ round: CrashFigures) {
        rounds += round.rounds
        acknowledged += round.acknowledged
        acknowledgedByKind.merge(round.acknowledgedByKind, uniquingKeysWith: +)
        refused += round.refused
        unanswered += round.unanswered
        landedUnanswered += round.landedUnanswered
        lost += round.lost
        duplicates += round.duplicates
        duration += round.duration
    }

    var summary: String {
        let kinds = CrashOperation.Kind.allCases.map { "\($0.rawValue) \(acknowledgedByKind[$0] ?? 0)" }.joined(separator: ", ")
        return "\(rounds) round(s), \(acknowledged) acknowledged (\(kinds)), \(refused) refused, \(unanswered) unanswered "
            + "(\(landedUnanswered) of them had landed), lost \(lost), duplicates \(duplicates), "
            + "\(duration.components.seconds) s"
    }
}
