import Foundation

/// What a campaign did so far, and the audience's figures beside the holdout's so the lift can be
/// read: members, buyers, purchases and spend inside the window for each group. Pure: made from the
/// rows the store reads (`CampaignStore.campaignActivity`).
public struct CampaignReport: Hashable, Sendable {
    public struct Purchase: Hashable, Sendable {
        public var memberId: String
        public var total: Amount
        public init(memberId: String, total: Amount) { self.memberId = memberId; self.total = total }
    }
    public struct Award: Hashable, Sendable {
        public var memberId: String
        public var ruleId: String
        public var points: Int
        public init(memberId: String, ruleId: String, points: Int) { self.memberId = memberId; self.ruleId = ruleId; self.points = points }
    }
    public struct Gift: Hashable, Sendable {
        public var memberId: String
        public var points: Int
        public var rewardIssued: Bool
        public init(memberId: String, points: Int, rewardIssued: Bool) { self.memberId = memberId; self.points = points; self.rewardIssued = rewardIssued }
    }
    /// One group's figures inside the window.
    public struct Group: Hashable, Sendable {
        /// Members in the group (by the audience's member conditions as they stand now, and the hash).
        public var members = 0
        /// Members of the group with at least one purchase in the window.
        public var buyers = 0
        public var purchases = 0
        public var spend = Amount.zero
        public init() {}
    }

    /// Distinct members who got anything: points from its rules, a gift rule's reward, or its gift.
    public var membersReached: Int
    public var pointsFromRules: Int
    public var pointsFromGifts: Int
    /// Rewards issued by its gift rules and its `reward_gift`.
    public var rewardsGranted: Int
    public var audience: Group
    public var holdout: Group

    public init(campaign: Campaign, program: ProgramDefinition, members: [MemberProfile], purchases: [Purchase], awards: [Award], gifts: [Gift]) {
        let giftRules = Set(campaign.rules.compactMap { rule -> String? in if case .giftReward = rule.effect { rule.id } else { nil } })
        var reached = Set<String>()
        var pointsFromRules = 0, rewards = 0
        for award in awards {
            reached.insert(award.memberId)
            pointsFromRules = pointsFromRules.addingSaturated(award.points)
            if giftRules.contains(award.ruleId) { rewards += 1 }
        }
        var pointsFromGifts = 0
        for gift in gifts where gift.points > 0 || gift.rewardIssued {
            reached.insert(gift.memberId)
            pointsFromGifts = pointsFromGifts.addingSaturated(gift.points)
            if gift.rewardIssued { rewards += 1 }
        }
        let zone = program.calendar.timeZone
        let probe = LoyaltyEvent(id: "", type: "", occurredAt: campaign.start)
        let conditions = campaign.audience.memberConditions.map { CompiledCondition($0, timeZone: zone) }
        var group: [String: Bool] = [:] // member id → held out
        var audience = Group(), holdout = Group()
        for member in members where conditions.allSatisfy({ $0.holds(event: probe, member: member, lines: []) }) {
            switch campaign.audience.placement(memberId: member.id, campaignId: campaign.id) {
            case .outside: continue
            case .audience: group[member.id] = false; audience.members += 1
            case .holdout: group[member.id] = true; holdout.members += 1
            }
        }
        var buyers = Set<String>()
        for purchase in purchases {
            guard let heldOut = group[purchase.memberId] else { continue }
            let first = buyers.insert(purchase.memberId).inserted
            if heldOut {
                holdout.purchases += 1
                holdout.spend = Self.add(holdout.spend, purchase.total)
                if first { holdout.buyers += 1 }
            } else {
                audience.purchases += 1
                audience.spend = Self.add(audience.spend, purchase.total)
                if first { audience.buyers += 1 }
            }
        }
        self.membersReached = reached.count
        self.pointsFromRules = pointsFromRules
        self.pointsFromGifts = pointsFromGifts
        self.rewardsGranted = rewards
        self.audience = audience
        self.holdout = holdout
    }

    /// Sums saturate instead of trapping: a report is read, never written back.
    private static func add(_ lhs: Amount, _ rhs: Amount) -> Amount {
        let (sum, overflow) = lhs.units.addingReportingOverflow(rhs.units)
        return Amount(units: overflow ? .max : sum)
    }
}
