import Foundation

/// What a cap has counted for one subject in its window, not counting the write being judged.
public struct CapUsage: Hashable, Sendable {
    public var count: Int
    public var points: Int
    public var amount: Amount
    public init(count: Int = 0, points: Int = 0, amount: Amount = .zero) {
        self.count = count
        self.points = points
        self.amount = amount
    }
}

/// A cap that applies to one write, with the subject its activity is counted under.
public struct CapSubject: Hashable, Sendable {
    public let cap: VelocityCap
    public let subject: String
}

/// One control that tripped: which, on whom, the figure it reached and the limit it went past.
public struct FraudTrip: Hashable, Sendable {
    public enum Control: String, Sendable { case velocityCap = "velocity_cap", holdThreshold = "hold_threshold", refundAfterRedeem = "refund_after_redeem" }
    /// What was measured: a count of events or redemptions, points, or money.
    public enum Figure: Hashable, Sendable {
        case count(Int)
        case points(Int)
        case amount(Amount)
        public var measure: String {
            switch self { case .count: "count"; case .points: "points"; case .amount: "amount" }
        }
        /// The figure as text: a whole number, or money as a decimal.
        public var text: String {
            switch self { case .count(let value), .points(let value): String(value); case .amount(let amount): amount.description }
        }
    }
    public var control: Control
    /// The cap's id; nil for a threshold or a refund.
    public var capId: String?
    public var dimension: FraudDimension?
    public var subject: String?
    /// The cap's window (`day`, `rolling hour`…).
    public var window: String?
    /// The figure with this write included.
    public var value: Figure
    /// The limit it went past; nil for a refund after redeem, which has none.
    public var limit: Figure?

    /// A stable, readable name: `cap:<id>:<measure>`, `hold:<measure>`, `refund_after_redeem`.
    public var name: String {
        switch control {
        case .velocityCap: "cap:\(capId ?? ""):\(value.measure)"
        case .holdThreshold: "hold:\(value.measure)"
        case .refundAfterRedeem: "refund_after_redeem"
        }
    }
}

extension FraudPolicy {
    /// The earning caps counting this event, each with its subject; a store cap skips events without a
    /// store, a key cap writes without a key (jobs, the CLI).
    public func earningSubjects(for event: LoyaltyEvent, memberId: String, apiKeyId: String?) -> [CapSubject] {
        earningCaps.compactMap { cap in
            guard cap.counts(event.type), let subject = Self.subject(cap.per, memberId: memberId, store: event.store, apiKeyId: apiKeyId) else { return nil }
            return CapSubject(cap: cap, subject: subject)
        }
    }

    /// The redemption caps counting a redemption, each with its subject.
    public func redemptionSubjects(memberId: String, apiKeyId: String?) -> [CapSubject] {
        redemptionCaps.compactMap { cap in
            Self.subject(cap.per, memberId: memberId, store: nil, apiKeyId: apiKeyId).map { CapSubject(cap: cap, subject: $0) }
        }
    }

    private static func subject(_ dimension: FraudDimension, memberId: String, store: String?, apiKeyId: String?) -> String? {
        switch dimension {
        case .member: memberId
        case .store: store
        case .apiKey: apiKeyId
        }
    }

    /// Why an event that would credit `points` must be held: the thresholds it passes and the caps
    /// it would take past a limit (`usages` in the order of `subjects`). Empty: credit it.
    public func screenEarning(_ event: LoyaltyEvent, points: Int, subjects: [CapSubject], usages: [CapUsage]) -> [FraudTrip] {
        var trips: [FraudTrip] = []
        let amount = event.purchase?.total ?? .zero
        if let over = hold.amountOver, amount > over {
            trips.append(FraudTrip(control: .holdThreshold, value: .amount(amount), limit: .amount(over)))
        }
        if let over = hold.pointsOver, points > over {
            trips.append(FraudTrip(control: .holdThreshold, value: .points(points), limit: .points(over)))
        }
        for (entry, usage) in zip(subjects, usages) {
            trips += Self.capTrips(entry, usage, count: 1, points: points, amount: amount)
        }
        return trips
    }

    /// The caps a redemption of `points` would take past a limit. Empty: let it through.
    public func screenRedemption(points: Int, subjects: [CapSubject], usages: [CapUsage]) -> [FraudTrip] {
        zip(subjects, usages).flatMap { Self.capTrips($0, $1, count: 1, points: points, amount: .zero) }
    }

    /// Points a return took back that its purchase's lots no longer held (spent or expired): from
    /// other points, into debt, or forgiven. Above zero, the return is flagged.
    public static func pointsTakenBeyondPurchase(_ outcome: EventOutcome, purchaseId: String) -> Int {
        guard let reversal = outcome.reversal else { return 0 }
        let prefix = purchaseId + "."
        let elsewhere = outcome.ledger.entries.lazy.filter { $0.kind == .reverse && !($0.lotId?.hasPrefix(prefix) ?? false) }.reduce(0) { $0 + $1.points }
        return elsewhere + reversal.forgiven
    }

    /// The trip of a return that took back points already spent.
    public static func refundAfterRedeemTrip(points: Int) -> FraudTrip {
        FraudTrip(control: .refundAfterRedeem, value: .points(points), limit: nil)
    }

    private static func capTrips(_ entry: CapSubject, _ usage: CapUsage, count: Int, points: Int, amount: Amount) -> [FraudTrip] {
        let cap = entry.cap
        func trip(_ value: FraudTrip.Figure, _ limit: FraudTrip.Figure) -> FraudTrip {
            FraudTrip(control: .velocityCap, capId: cap.id, dimension: cap.per, subject: entry.subject, window: cap.window.name, value: value, limit: limit)
        }
        var trips: [FraudTrip] = []
        if let max = cap.maxCount, usage.count + count > max { trips.append(trip(.count(usage.count + count), .count(max))) }
        // Sums saturate rather than trap: a saturated sum is past any limit anyway.
        if let max = cap.maxPoints {
            let (sum, overflow) = usage.points.addingReportingOverflow(points)
            if overflow || sum > max { trips.append(trip(.points(overflow ? Int.max : sum), .points(max))) }
        }
        if let max = cap.maxAmount {
            let (sum, overflow) = usage.amount.units.addingReportingOverflow(amount.units)
            if overflow || sum > max.units { trips.append(trip(.amount(Amount(units: overflow ? Int64.max : sum)), .amount(max))) }
        }
        return trips
    }
}
