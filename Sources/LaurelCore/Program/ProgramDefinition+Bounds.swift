/// What one program may hold, and the check that its rules cannot earn more than
/// `Bounds.maxPointsPerEvent` on one event whatever the event carries.
extension ProgramDefinition {
    public static let maxEarningRules = 1000
    public static let maxTierLevels = 50
    public static let maxClubs = 100

    /// The most points one event of each type named by a rule could earn: every rule matching (campaigns'
    /// rules too, as if every campaign ran at once) at the largest
    /// inputs the API accepts (`Bounds`), each rule's limit and every multiplier applied, then the highest
    /// tier multiplier and tier bonus. Overflow (beyond 128 bits) is `nil`.
    public func largestAwards() -> [String: Int?] {
        let money = ExactPoints(Bounds.maxEventMoney)
        var running: [String: ExactPoints] = [:]
        for rule in allEarningRules {
            var total = running[rule.event] ?? .zero
            var award: ExactPoints
            switch rule.effect {
            case .pointsPerAmount(let rate): award = money * ExactPoints(rate.points) / ExactPoints(rate.per)
            case .pointsPerAttribute(let rate): award = money * ExactPoints(rate.points) / ExactPoints(rate.per)
            case .fixedPoints(let points): award = ExactPoints(points: points)
            case .productBonus(let bonus):
                let times = switch bonus.per {
                case .unit: Bounds.maxLines * Bounds.maxQuantity
                case .line: Bounds.maxLines
                case .order: 1
                }
                award = ExactPoints(points: bonus.points) * ExactPoints(points: times)
            // A factor below 1 only takes points back: it adds nothing to the most an event can earn.
            case .multiplier(let multiplier): award = multiplier.factor < .one ? .zero : total * (ExactPoints(multiplier.factor) - ExactPoints(points: 1))
            case .giftReward: award = .zero
            }
            if let cap = rule.limit?.maxPoints, award.rounded(.up) > cap { award = ExactPoints(points: cap) }
            total = total + award
            running[rule.event] = total
        }
        let tierFactor = tiers?.levels.compactMap(\.benefits.earningMultiplier).max() ?? .one
        let tierBonus = tiers?.levels.map(\.benefits.bonusPoints).max() ?? 0
        return running.mapValues { total in
            let most = total * ExactPoints(max(tierFactor, .one)) + ExactPoints(points: tierBonus)
            return most.isOverflow ? nil : most.rounded(.up)
        }
    }

    /// One issue per event type whose rules could earn more than `Bounds.maxPointsPerEvent` on one event.
    func pointsBoundIssues() -> [ValidationIssue] {
        largestAwards().sorted { $0.key < $1.key }.compactMap { type, most in
            if let most, most <= Bounds.maxPointsPerEvent { return nil }
            let amount = most.map { "up to \($0)" } ?? "more than 10^38"
            return ValidationIssue(path: "earning_rules", message: """
                the rules for "\(type)" events could earn \(amount) points on one event (every rule matching, at the largest \
                amounts the API accepts: \(Bounds.maxEventMoney) of money, \(Bounds.maxLines) lines of \(Bounds.maxQuantity) units), \
                more than the \(Bounds.maxPointsPerEvent) one event may earn: lower the rates, multipliers or fixed points, or add a limit
                """)
        }
    }
}
