import Foundation

/// One member's state in one challenge, as the store keeps it (JSON with snake_case keys).
public struct ChallengeProgress: Hashable, Sendable, Codable {
    /// When the member joined an opt-in challenge; nil when they did not (or it needs no joining).
    public var joinedAt: Date?
    /// The period the figures belong to (a repeating challenge); nil for a one-off.
    public var period: Int?
    /// Events counted, distinct values, the sum, or the streak's length in periods.
    public var progress: Int
    /// The distinct values seen (`distinct` challenges), sorted.
    public var values: [String]
    /// A streak's last period with a qualifying event.
    public var lastPeriod: Int?
    /// Missed periods the current streak was forgiven.
    public var graceUsed: Int
    /// When the challenge was completed (in `period` when it repeats); nil while it is not.
    public var completedAt: Date?
    /// How many times the member completed it, over all periods.
    public var completions: Int

    public init(joinedAt: Date? = nil, period: Int? = nil, progress: Int = 0, values: [String] = [], lastPeriod: Int? = nil, graceUsed: Int = 0,
                completedAt: Date? = nil, completions: Int = 0) {
        self.joinedAt = joinedAt
        self.period = period
        self.progress = progress
        self.values = values
        self.lastPeriod = lastPeriod
        self.graceUsed = graceUsed
        self.completedAt = completedAt
        self.completions = completions
    }

    enum CodingKeys: String, CodingKey {
        case joinedAt = "joined_at", period, progress, values, lastPeriod = "last_period", graceUsed = "grace_used"
        case completedAt = "completed_at", completions
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        joinedAt = try container.decodeIfPresent(Int64.self, forKey: .joinedAt).map(Timestamps.date(millis:))
        period = try container.decodeIfPresent(Int.self, forKey: .period)
        progress = try container.decodeIfPresent(Int.self, forKey: .progress) ?? 0
        values = try container.decodeIfPresent([String].self, forKey: .values) ?? []
        lastPeriod = try container.decodeIfPresent(Int.self, forKey: .lastPeriod)
        graceUsed = try container.decodeIfPresent(Int.self, forKey: .graceUsed) ?? 0
        completedAt = try container.decodeIfPresent(Int64.self, forKey: .completedAt).map(Timestamps.date(millis:))
        completions = try container.decodeIfPresent(Int.self, forKey: .completions) ?? 0
    }

    /// Instants as epoch milliseconds, like every other stored time.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(joinedAt.map(Timestamps.millis), forKey: .joinedAt)
        try container.encodeIfPresent(period, forKey: .period)
        try container.encode(progress, forKey: .progress)
        if !values.isEmpty { try container.encode(values, forKey: .values) }
        try container.encodeIfPresent(lastPeriod, forKey: .lastPeriod)
        if graceUsed != 0 { try container.encode(graceUsed, forKey: .graceUsed) }
        try container.encodeIfPresent(completedAt.map(Timestamps.millis), forKey: .completedAt)
        try container.encode(completions, forKey: .completions)
    }
}

extension ChallengeDefinition {
    /// The progress after `event`, and whether the event completed the challenge. Pure: the same
    /// event on the same progress always gives the same answer. Events of another type, outside the
    /// window, for a period already past, or after completion (in the same period) change nothing.
    public func advance(_ before: ChallengeProgress, with event: LoyaltyEvent, zone: TimeZone) -> (progress: ChallengeProgress, completed: Bool) {
        guard event.type == self.event, isOpen(at: event.occurredAt) else { return (before, false) }
        var progress = before
        if let repeats {
            let period = repeats.index(of: event.occurredAt, in: zone)
            if let current = progress.period, period < current { return (before, false) }
            if progress.period != period {
                progress.period = period
                progress.progress = 0
                progress.values = []
                progress.completedAt = nil
            }
        }
        guard progress.completedAt == nil else { return (before, false) }
        switch measure {
        case .count:
            progress.progress = progress.progress.addingSaturated(1)
        case .distinct(let attribute):
            var values = Set(progress.values)
            for line in event.purchase?.lines ?? [] {
                switch attribute {
                case .category: if let category = line.category { values.insert(category) }
                case .sku: values.insert(line.sku)
                case .label: values.formUnion(line.labels)
                }
            }
            progress.values = values.sorted()
            progress.progress = values.count
        case .sum(let attribute):
            // Read like a `points_per_attribute` rule's: a dotted path into nested attributes, and a
            // value above `Bounds.maxEventMoney` does not count.
            guard let amount = RuleEvaluator.lookup(event.attributes, attribute.split(separator: ".").map(String.init)[...])?.amountValue,
                  amount.isPositive, amount <= Bounds.maxEventMoney else { return (before, false) }
            let whole = amount.units / Amount.scale
            progress.progress = progress.progress.addingSaturated(Int(clamping: whole))
        case .streak(let unit, let grace):
            let period = unit.index(of: event.occurredAt, in: zone)
            if let last = progress.lastPeriod {
                guard period > last else { return (before, false) }
                let missed = period - last - 1
                if missed <= grace - progress.graceUsed {
                    progress.progress += 1
                    progress.graceUsed += missed
                } else {
                    progress.progress = 1
                    progress.graceUsed = 0
                }
            } else {
                progress.progress = 1
            }
            progress.lastPeriod = period
        }
        guard progress.progress >= target else { return (progress, false) }
        progress.completedAt = event.occurredAt
        progress.completions += 1
        return (progress, true)
    }

    /// The last period a streak can continue in, from its last qualifying period: the next one,
    /// plus the grace periods still left.
    func streakDeadline(_ progress: ChallengeProgress) -> Int? {
        guard case .streak(_, let grace) = measure, let last = progress.lastPeriod else { return nil }
        return last + 1 + max(0, grace - progress.graceUsed)
    }
}
