import Foundation

/// One gift a referral event earns one side: points (pending until `availableAt` when that is later
/// than the event) and/or a catalogue reward.
public struct ReferralGrant: Hashable, Sendable {
    public var rewardId: String
    public var trigger: String
    public var side: ReferralSide
    public var points: Int
    public var reward: String?
    /// When the points may be spent: the end of the return window for a purchase, else the event.
    public var availableAt: Date
    public init(rewardId: String, trigger: String, side: ReferralSide, points: Int, reward: String?, availableAt: Date) {
        self.rewardId = rewardId
        self.trigger = trigger
        self.side = side
        self.points = points
        self.reward = reward
        self.availableAt = availableAt
    }
}

extension ReferralPolicy {
    /// What an accepted friend's enrolment at `date` gives.
    public func grantsOnEnrolment(at date: Date) -> [ReferralGrant] {
        rewards.filter { $0.trigger == .enrolled }.flatMap { grants($0, availableAt: date) }
    }

    /// What an accepted friend's purchase of `total` at `date` gives. `enrolledAt` is the friend's
    /// enrolment; `timesGiven` how often each reward (by id) was given for this referral before;
    /// `programPendingDays` the program's return window, used unless the policy sets its own.
    public func grantsOnPurchase(total: Amount, at date: Date, enrolledAt: Date, timesGiven: [String: Int],
                                 programPendingDays: Int) -> [ReferralGrant] {
        let availableAt = date.addingTimeInterval(Double(pendingDays ?? programPendingDays) * 86_400)
        var result: [ReferralGrant] = []
        for reward in rewards {
            let given = timesGiven[reward.id] ?? 0
            switch reward.trigger {
            case .enrolled:
                continue
            case .firstPurchase(let minAmount):
                guard given == 0, total >= (minAmount ?? .zero) else { continue }
            case .purchases(let days, let maxTimes, let minAmount):
                guard date < enrolledAt.addingTimeInterval(Double(days) * 86_400), date >= enrolledAt,
                      given < (maxTimes ?? .max), total >= (minAmount ?? .zero) else { continue }
            }
            result += grants(reward, availableAt: availableAt)
        }
        return result
    }

    private func grants(_ reward: ReferralReward, availableAt: Date) -> [ReferralGrant] {
        [(ReferralSide.referrer, reward.referrer), (.friend, reward.friend)].compactMap { side, gift in
            guard let gift, (gift.points ?? 0) > 0 || gift.reward != nil else { return nil }
            return ReferralGrant(rewardId: reward.id, trigger: reward.trigger.name, side: side, points: gift.points ?? 0, reward: gift.reward,
                                 availableAt: availableAt)
        }
    }
}
