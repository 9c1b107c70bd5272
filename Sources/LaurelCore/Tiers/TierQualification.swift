import Foundation

/// Tier decisions, pure: which tier a member holds given their basis, policy, floor and the moment.
public struct TierQualification: Sendable {
    public let policy: TierPolicy
    let calendar: Calendar

    public init(policy: TierPolicy, calendar: Calendar) {
        self.policy = policy
        self.calendar = calendar
    }

    /// What prompted an evaluation; downgrades depend on it.
    public enum Trigger: Sendable {
        /// An event changed the basis: upgrades always, downgrades when the policy is automatic.
        case event
        /// The scheduled check (review date, activity leaving the window, a floor running out).
        case scheduled
        /// Staff set or removed a floor.
        case floorChanged
    }

    /// Start of the window whose activity counts at `date`; nil for a lifetime window.
    public func windowStart(at date: Date) -> Date? {
        switch policy.window {
        case .lifetime: return nil
        case .calendarYear: return calendar.dateInterval(of: .year, for: date)?.start
        case .rollingMonths(let months): return calendar.date(byAdding: .month, value: -months, to: date)
        }
    }

    /// The basis as a number: points, money or purchases from the window's `totals`, or for
    /// `points_balance` the member's available `balance` (debt counts as 0).
    public func basis(_ totals: TierContribution, balance: Int) -> Amount {
        switch policy.basis {
        case .pointsEarned: Amount(integer: totals.points)
        case .amountSpent: totals.amount
        case .purchases: Amount(integer: totals.purchases)
        case .pointsBalance: Amount(integer: max(0, balance))
        }
    }

    /// The basis of a standing as stored: its totals and balance.
    public func basis(_ standing: TierStanding) -> Amount { basis(standing.totals, balance: standing.balance) }

    /// Whether the tier follows the available balance, so every ledger change re-evaluates it.
    public var followsBalance: Bool { policy.basis == .pointsBalance }

    /// The tier after the member's available balance moved to `balance` (a redemption, a transfer,
    /// an adjustment, expiry, pending points released): upgrades at once, downgrades as the policy
    /// says for an event. Nil when the basis is not the balance.
    public func evaluateBalance(_ state: MemberTier, balance: Int, now: Date) -> (state: MemberTier, change: TierChange?)? {
        guard followsBalance else { return nil }
        return evaluate(state, basis: basis(TierContribution(), balance: balance), trigger: .event, now: now)
    }

    /// What an event adds to the basis: its points, and for a purchase the amount that counts and one purchase.
    public func contribution(of event: LoyaltyEvent, points: Int) -> TierContribution {
        guard let purchase = event.purchase, event.type == LoyaltyEvent.purchaseType else { return TierContribution(points: points) }
        var excluded = Amount.zero
        for line in purchase.lines where (policy.excludeDelivery && line.delivery) || policy.exclude.matches(line) {
            excluded = excluded + line.amount
        }
        let counted = purchase.total - excluded
        return TierContribution(points: points, amount: counted.isNegative ? .zero : counted, purchases: 1)
    }

    /// The highest level whose threshold `basis` reaches (nil only if even the first has a threshold above it).
    public func qualifiedIndex(_ basis: Amount) -> Int? { policy.levels.lastIndex { $0.threshold <= basis } }

    /// The member's tier after an evaluation, and the change if there is one.
    public func evaluate(_ state: MemberTier, basis: Amount, trigger: Trigger, now: Date) -> (state: MemberTier, change: TierChange?) {
        var state = state
        var trigger = trigger
        if let floorUntil = state.floorUntil, floorUntil <= now {
            // A floor that ran out counts as removed: the member moves to what the basis supports, whatever the policy.
            if state.floorTierId != nil { trigger = .floorChanged }
            state.floorTierId = nil
            state.floorUntil = nil
        }
        let qualified = qualifiedIndex(basis)
        let current = policy.index(state.tierId)
        let floor = policy.index(state.floorTierId)
        var target = current
        var reason = TierChangeReason.qualified

        if current == nil || (qualified ?? -1) > current! {
            target = qualified
        } else if let current, (qualified ?? -1) < current {
            let downgradeNow: Bool
            switch (policy.downgrade, trigger) {
            case (.never, .floorChanged): downgradeNow = true
            case (.never, _): downgradeNow = false
            case (.automatic, _): downgradeNow = true
            case (.review, .event): downgradeNow = false
            case (.review, .scheduled): downgradeNow = state.reviewAt.map { $0 <= now } ?? true
            case (.review, .floorChanged): downgradeNow = true
            }
            if downgradeNow {
                let supported = qualified ?? -1
                let landing = trigger == .floorChanged || policy.step == .toQualified ? supported : max(current - 1, supported)
                target = landing >= 0 ? landing : nil
                reason = trigger == .floorChanged ? .floorEnded : (policy.downgrade == .automatic ? .basisFell : .review)
            }
        }
        if let floor, floor > (target ?? -1) {
            target = floor
            if floor != current { reason = .manual }
        }

        let reviewDue = state.reviewAt.map { $0 <= now } ?? false
        guard target != current else {
            if case .review(let months) = policy.downgrade, trigger == .scheduled, reviewDue {
                // Reviewed and kept: the next review is a period later.
                state.reviewAt = calendar.date(byAdding: .month, value: months, to: now)
            }
            return (state, nil)
        }
        let change = TierChange(from: state.tierId, to: target.map { policy.levels[$0].id }, reason: reason, at: now)
        state.tierId = change.to
        state.since = now
        if case .review(let months) = policy.downgrade { state.reviewAt = calendar.date(byAdding: .month, value: months, to: now) }
        return (state, change)
    }

    /// When the member's tier must be looked at again without any event: the review date, the
    /// moment the oldest counted activity leaves a rolling window (or the year ends) under automatic
    /// downgrade, or the end of a staff floor. `oldestInWindow` is the oldest counted activity.
    public func nextCheck(_ state: MemberTier, oldestInWindow: Date?, now: Date) -> Date? {
        var dates: [Date] = []
        if let floorUntil = state.floorUntil, state.floorTierId != nil { dates.append(floorUntil) }
        let aboveFirst = (policy.index(state.tierId) ?? 0) > 0
        switch policy.downgrade {
        case .never:
            break
        case .review:
            if aboveFirst, let reviewAt = state.reviewAt { dates.append(reviewAt) }
        case .automatic:
            guard aboveFirst else { break }
            switch policy.window {
            case .lifetime: break
            case .calendarYear: if let end = calendar.dateInterval(of: .year, for: now)?.end { dates.append(end) }
            case .rollingMonths(let months):
                if let oldest = oldestInWindow, let leaves = calendar.date(byAdding: .month, value: months, to: oldest) {
                    // It still counts at exactly `leaves` (the window includes its start): look one millisecond later.
                    dates.append(Timestamps.date(millis: Timestamps.millis(leaves) + 1))
                }
            }
        }
        return dates.min()
    }

    /// Whether an event's evaluation leaves nothing to write: no change, the same state as stored, and
    /// a next check that depends on that state alone (not on activity leaving a rolling window).
    public func skipsWrite(_ state: MemberTier, change: TierChange?, previous: MemberTier?) -> Bool {
        guard change == nil, let previous, previous == state else { return false }
        return !checksOldestInWindow
    }

    /// Whether the next check depends on the oldest activity still in the window (automatic
    /// downgrades over rolling months): it moves as that activity leaves the window.
    public var checksOldestInWindow: Bool {
        if case .automatic = policy.downgrade, case .rollingMonths = policy.window { return true }
        return false
    }

    /// A member's standing for display: current and next tier, what is missing, what keeps the current one.
    public func progress(_ state: MemberTier, basis: Amount, now: Date) -> TierProgress {
        let current = policy.index(state.tierId)
        let next = (current ?? -1) + 1 < policy.levels.count ? policy.levels[(current ?? -1) + 1] : nil
        var toKeep: Amount?
        // The first level cannot be lost, so there is nothing to keep.
        if let current, current > 0, policy.downgrade != .never {
            let short = policy.levels[current].threshold - basis
            toKeep = short.isPositive ? short : .zero
        }
        return TierProgress(tier: current.map { policy.levels[$0] }, since: state.since, basis: basis, basisName: policy.basis,
                            nextTier: next, toNextTier: next.map { $0.threshold - basis },
                            toKeepTier: toKeep, keepBy: policy.downgrade == .never ? nil : (policy.downgrade == .automatic ? nil : state.reviewAt),
                            floor: state.activeFloor(at: now).flatMap(policy.level), floorUntil: state.activeFloor(at: now) == nil ? nil : state.floorUntil)
    }
}

/// "How far to Gold": the figures a member summary shows.
public struct TierProgress: Hashable, Sendable {
    public var tier: TierLevel?
    public var since: Date?
    public var basis: Amount
    public var basisName: TierPolicy.Basis
    public var nextTier: TierLevel?
    /// What is still needed to reach the next tier.
    public var toNextTier: Amount?
    /// What is still needed to keep the current tier (0 when it is secured); nil when tiers are never lost.
    public var toKeepTier: Amount?
    /// The review date by which `toKeepTier` must be reached.
    public var keepBy: Date?
    public var floor: TierLevel?
    public var floorUntil: Date?
}
