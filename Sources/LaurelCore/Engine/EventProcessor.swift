import Foundation

/// What the store knows about the purchase a return refers to.
public struct PurchaseRecord: Hashable, Sendable {
    public var eventId: String
    public var memberId: String
    public var total: Amount
    /// Points the purchase earned.
    public var pointsEarned: Int
    /// Points earlier returns of it already settled (taken back or forgiven).
    public var pointsReversed: Int
    public var amountRefunded: Amount
    /// What the purchase added to the tier basis as money (after tier exclusions).
    public var tierAmount: Amount
    public init(eventId: String, memberId: String, total: Amount, pointsEarned: Int, pointsReversed: Int = 0, amountRefunded: Amount = .zero,
                tierAmount: Amount? = nil) {
        self.eventId = eventId
        self.memberId = memberId
        self.total = total
        self.pointsEarned = pointsEarned
        self.pointsReversed = pointsReversed
        self.amountRefunded = amountRefunded
        self.tierAmount = tierAmount ?? total
    }
}

/// Why an event was refused outright (nothing is stored).
public enum EventProcessingError: Error, Hashable, Sendable, CustomStringConvertible {
    case currencyMismatch(expected: String, got: String)
    case missingPurchase
    case missingReturn
    case returnOfUnknownPurchase(String)
    case refundExceedsPurchase(refundable: Amount, requested: Amount)
    /// The event would earn more than `Bounds.maxPointsPerEvent`.
    case pointsOutOfRange
    /// The event would take one of the member's running totals (named) past `Bounds.maxTotal`.
    case totalOutOfRange(String)

    public var description: String {
        switch self {
        case .currencyMismatch(let expected, let got): "the program's currency is \(expected), the event's is \(got)"
        case .missingPurchase: "a purchase event needs purchase details"
        case .missingReturn: "a return event needs return details naming its purchase"
        case .returnOfUnknownPurchase(let id): "no purchase \(id) for this member"
        case .refundExceedsPurchase(let refundable, let requested): "refund \(requested) exceeds what is left to refund of the purchase (\(refundable))"
        case .pointsOutOfRange: "the event would earn more than \(Bounds.maxPointsPerEvent) points, the most one event may earn"
        case .totalOutOfRange(let total): "the event would take the member's \(total) past \(Bounds.maxTotal), the largest total Laurel keeps"
        }
    }
}

/// The result of one event: explained rule results, points moved, and the member's ledger after it.
public struct EventOutcome: Hashable, Sendable {
    /// `held`: kept for review by the program's fraud controls, nothing credited (only the store sets it).
    public enum Status: String, Sendable, Codable { case processed, rejected, held }
    public var status: Status
    /// Machine-readable reason when rejected (`member_blocked`).
    public var reason: String?
    public var rules: [RuleResult]
    public var pointsEarned: Int
    public var lot: PointLot?
    public var reversal: MemberLedger.Reversal?
    /// For a return: the purchase as it stands after it.
    public var purchaseAfterReturn: PurchaseRecord?
    public var ledger: MemberLedger
    /// What the event added to the tier basis (negative for a return); nil without tiers.
    public var tierContribution: TierContribution? = nil
    /// The member's tier after the event; nil without tiers.
    public var tier: MemberTier? = nil
    public var tierChange: TierChange? = nil

    /// The points the event's record shows: those earned, or for a return those taken back.
    public var recordedPoints: Int { reversal?.reversed ?? pointsEarned }
}

/// A member's tier going into an event: the stored state and the basis totals of the window
/// containing the event, not counting it.
public struct TierStanding: Hashable, Sendable {
    public var state: MemberTier
    public var totals: TierContribution
    /// The member's available points, for basis `points_balance` (an event's evaluation uses its ledger after it).
    public var balance: Int
    public init(state: MemberTier, totals: TierContribution, balance: Int = 0) {
        self.state = state
        self.totals = totals
        self.balance = balance
    }
}

extension EventOutcome {
    /// Credits points given on top of the rules (a tier's bonus, a challenge's points) as a lot of
    /// `event` available at once, within the per-event and lifetime bounds.
    mutating func creditBonus(_ points: Int, of event: LoyaltyEvent, expiresAt: Date?, now: Date) throws(EventProcessingError) {
        guard points <= Bounds.maxPointsPerEvent - pointsEarned else { throw .pointsOutOfRange }
        guard ledger.canCredit(points) else { throw .totalOutOfRange("points") }
        ledger.earn(points, sourceId: event.id, earnedAt: event.occurredAt, availableAt: event.occurredAt, expiresAt: expiresAt, now: now)
        pointsEarned += points
    }
}

extension EventOutcome {
    /// Under basis `points_balance`: the tier again on the ledger as it now stands, after points
    /// credited on top of the rules (a challenge's, a tier's bonus), as one change from the tier held
    /// before the event. Such points can lift the member further, without that level's own bonus.
    public mutating func followBalance(_ tiers: TierQualification?, now: Date) {
        guard let tiers, let tier, let (state, change) = tiers.evaluateBalance(tier, balance: ledger.available, now: now), let change else { return }
        self.tier = state
        tierChange = TierChange(from: tierChange?.from ?? change.from, to: change.to, reason: change.reason, at: now)
    }
}

/// The heart of Laurel: given a program, a member's state and an event, the outcome.
/// Pure: the clock (`now`) and all state come in, the outcome goes out for the store to apply.
public struct EventProcessor: Sendable {
    public let program: ProgramDefinition
    public let evaluator: RuleEvaluator
    /// Tier decisions; nil when the program has no tiers.
    public let tiers: TierQualification?
    /// The rules with a limit: only their awards are ever counted.
    public let limitedRuleIds: Set<String>
    /// Whether a rule tests `member.segments`: only then does the store read the member's segments.
    public let readsSegments: Bool
    /// The event types a rule or campaign judges by a consent (`ProgramDefinition.consentEventTypes`).
    public let consentEventTypes: Set<String>
    /// The campaigns' rules: their awards are kept (`rule_awards`) to count what each campaign gave.
    public let campaignRuleIds: Set<String>
    /// The rules whose awards the store keeps: the limited ones and the campaigns'.
    public let keptAwardRuleIds: Set<String>
    /// The program's challenges, made once per version; nil when it has none.
    public let challenges: ChallengeEvaluator?

    /// Whether judging `event` needs the member's consents: only then does the store read them.
    public func readsConsents(for event: LoyaltyEvent) -> Bool { consentEventTypes.contains(event.type) }

    /// The program's calendar, made once per version (each `program.calendar` makes a new one).
    public var calendar: Calendar { evaluator.calendar }

    public init(program: ProgramDefinition) {
        self.program = program
        self.evaluator = RuleEvaluator(program: program)
        self.tiers = program.tiers.map { TierQualification(policy: $0, calendar: program.calendar) }
        let rules = program.allEarningRules
        self.limitedRuleIds = Set(rules.filter { $0.limit != nil }.map(\.id))
        self.readsSegments = program.rulesReadSegments
        self.consentEventTypes = program.consentEventTypes
        self.campaignRuleIds = Set(program.campaigns.flatMap { $0.rules.map(\.id) })
        self.keptAwardRuleIds = limitedRuleIds.union(campaignRuleIds)
        self.challenges = program.challenges.isEmpty ? nil : ChallengeEvaluator(program: program, calendar: evaluator.calendar)
    }

    public func limitQueries(for event: LoyaltyEvent) -> [LimitQuery] { evaluator.limitQueries(for: event) }

    /// See `RuleEvaluator.earliestLimitStart(at:)`.
    public func earliestLimitStart(at date: Date) -> Date? { evaluator.earliestLimitStart(at: date) }

    /// Checks what can be checked without the member's state.
    public func validate(_ event: LoyaltyEvent) throws(EventProcessingError) {
        switch event.type {
        case LoyaltyEvent.purchaseType:
            guard let purchase = event.purchase else { throw .missingPurchase }
            guard purchase.currency == program.currency else { throw .currencyMismatch(expected: program.currency, got: purchase.currency) }
        case LoyaltyEvent.returnType:
            guard event.returnOf != nil else { throw .missingReturn }
        default:
            break
        }
    }

    /// Runs the rules (and the member's tier multiplier) on the event, credits the points, and
    /// re-evaluates the member's tier with what the event adds to the basis: an upgrade happens
    /// here, on the event that crosses the threshold, with the new tier's bonus points.
    /// `ledger` is consumed: a caller that hands over its only copy lets the lots change in place.
    /// The rule id of the one result of an event imported with its recorded points.
    public static let asRecordedRuleId = "imported_as_recorded"

    public func process(_ event: LoyaltyEvent, member: MemberProfile, ledger initial: consuming MemberLedger, usage: [String: RuleUsage],
                        returnedPurchase: PurchaseRecord?, tier standing: TierStanding? = nil, now: Date) throws(EventProcessingError) -> EventOutcome {
        try validate(event)
        var ledger = consume initial
        ledger.settle(now: now, sourceId: event.id)

        if event.type == LoyaltyEvent.returnType {
            var outcome = try processReturn(event, ledger: ledger, purchase: returnedPurchase)
            if let tiers, let standing, let purchase = returnedPurchase, let after = outcome.purchaseAfterReturn {
                // The refunded share of what the purchase added to the basis, in 1/10 000 units.
                let refunded = after.amountRefunded - purchase.amountRefunded
                let units = purchase.total.isPositive
                    ? (ExactPoints(purchase.tierAmount) * ExactPoints(refunded) / ExactPoints(purchase.total) * ExactPoints(points: Int(Amount.scale))).rounded(.halfUp)
                    : 0
                let fullyRefunded = after.amountRefunded >= after.total && purchase.amountRefunded < purchase.total
                let contribution = TierContribution(points: -(outcome.reversal?.reversed ?? 0), amount: Amount(units: -Int64(units)),
                                                    purchases: fullyRefunded ? -1 : 0)
                try applyTier(tiers, standing, contribution, to: &outcome, now: now)
            }
            return outcome
        }
        guard member.status == .active else {
            return EventOutcome(status: .rejected, reason: "member_blocked", rules: [], pointsEarned: 0, ledger: ledger)
        }
        var rules: [RuleResult]
        if let recorded = event.recordedPoints {
            guard recorded >= 0 && recorded <= Bounds.maxPointsPerEvent else { throw .pointsOutOfRange }
            rules = [RuleResult(ruleId: Self.asRecordedRuleId, ruleName: "imported as recorded", matched: true, points: recorded,
                                explanation: "imported as recorded: \(recorded) points as the source system booked them")]
        } else {
            rules = evaluator.evaluate(event: event, member: member, usage: usage)
        }
        // Each rule's points are capped just above the maximum, so this sum only overflows with
        // thousands of rules: saturate rather than trap.
        var points = rules.reduce(0) { sum, rule in
            let (total, overflow) = sum.addingReportingOverflow(rule.points)
            return overflow ? .max : total
        }
        guard points <= Bounds.maxPointsPerEvent else { throw .pointsOutOfRange }
        if event.recordedPoints == nil, let level = tiers?.policy.level(standing?.state.tierId), let factor = level.benefits.earningMultiplier, points > 0 {
            let extra = (ExactPoints(points: points) * (ExactPoints(factor) - ExactPoints(points: 1))).rounded(program.rounding)
            guard extra <= Bounds.maxPointsPerEvent - points else { throw .pointsOutOfRange }
            rules.append(RuleResult(ruleId: "tier_multiplier", ruleName: "\(level.name) tier", matched: true, points: extra,
                                    explanation: "×\(factor) on \(points) points for \(level.name) members"))
            points += extra
        }
        try checkTotals(of: ledger, adding: points)
        // Only purchases wait out the pending period: they are what a return can undo.
        let pendingDays = event.type == LoyaltyEvent.purchaseType ? program.pendingDays : 0
        let expiresAt = program.expiry.expiryDate(earnedAt: event.occurredAt, calendar: evaluator.calendar)
        let lot = ledger.earn(points, sourceId: event.id, earnedAt: event.occurredAt,
                              availableAt: event.occurredAt.addingTimeInterval(Double(pendingDays) * 86_400), expiresAt: expiresAt, now: now)
        var outcome = EventOutcome(status: .processed, rules: rules, pointsEarned: points, lot: lot, ledger: ledger)
        if let tiers, let standing {
            try applyTier(tiers, standing, tiers.contribution(of: event, points: points), to: &outcome, now: now)
            if let change = outcome.tierChange, let reached = tiers.policy.index(change.to), reached > (tiers.policy.index(change.from) ?? -1) {
                let level = tiers.policy.levels[reached]
                if level.benefits.bonusPoints > 0 && event.recordedPoints == nil {
                    try outcome.creditBonus(level.benefits.bonusPoints, of: event, expiresAt: expiresAt, now: now)
                    outcome.rules.append(RuleResult(ruleId: "tier_bonus", ruleName: "\(level.name) tier", matched: true, points: level.benefits.bonusPoints,
                                                    explanation: "bonus for reaching \(level.name)"))
                }
            }
        }
        return outcome
    }

    /// Refuses points that would take the member's lifetime or balance totals past `Bounds.maxTotal`.
    private func checkTotals(of ledger: MemberLedger, adding points: Int) throws(EventProcessingError) {
        guard ledger.canCredit(points) else { throw .totalOutOfRange("points") }
    }

    private func applyTier(_ tiers: TierQualification, _ standing: TierStanding, _ contribution: TierContribution,
                           to outcome: inout EventOutcome, now: Date) throws(EventProcessingError) {
        guard Bounds.totalStaysInRange(standing.totals.points, adding: contribution.points) else { throw .totalOutOfRange("tier points") }
        guard Bounds.totalStaysInRange(standing.totals.amount.units, adding: contribution.amount.units) else { throw .totalOutOfRange("tier spend") }
        let basis = tiers.basis(standing.totals + contribution, balance: outcome.ledger.available)
        let (state, change) = tiers.evaluate(standing.state, basis: basis, trigger: .event, now: now)
        outcome.tierContribution = contribution
        outcome.tier = state
        outcome.tierChange = change
    }

    /// Reverses points in proportion to the refund: after all returns of a purchase, the points taken
    /// back are `earned × refunded / total` (rounded by the program), never more than it earned.
    private func processReturn(_ event: LoyaltyEvent, ledger: MemberLedger, purchase: PurchaseRecord?) throws(EventProcessingError) -> EventOutcome {
        guard let details = event.returnOf else { throw .missingReturn }
        guard let purchase, purchase.eventId == details.purchaseEventId, purchase.memberId == ledger.memberId else {
            throw .returnOfUnknownPurchase(details.purchaseEventId)
        }
        let refundable = purchase.total - purchase.amountRefunded
        guard details.amount.isPositive, details.amount <= refundable else {
            throw .refundExceedsPurchase(refundable: refundable, requested: details.amount)
        }
        var after = purchase
        after.amountRefunded = purchase.amountRefunded + details.amount
        let target = purchase.total.isPositive
            ? (ExactPoints(points: purchase.pointsEarned) * ExactPoints(after.amountRefunded) / ExactPoints(purchase.total)).rounded(program.rounding)
            : 0
        let due = max(0, min(target, purchase.pointsEarned) - purchase.pointsReversed)
        var ledger = ledger
        let reversal = ledger.reverse(due, purchaseId: purchase.eventId, policy: program.returns, sourceId: event.id)
        after.pointsReversed = purchase.pointsReversed + due
        return EventOutcome(status: .processed, rules: [], pointsEarned: 0, reversal: reversal, purchaseAfterReturn: after, ledger: ledger)
    }
}
