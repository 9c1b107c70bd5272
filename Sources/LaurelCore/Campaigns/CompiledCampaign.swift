import Foundation

/// A campaign as its rules check it on every event, prepared once per program version: its window,
/// its audience's conditions and the texts that explain why a rule of it did not apply.
final class CompiledCampaign: Sendable {
    let id: String
    let campaign: Campaign
    private let conditions: [CompiledCondition]
    private let notStarted: String
    private let ended: String
    private let outsideShare: String
    private let heldOut: String
    private let notInAudience: String

    init(_ campaign: Campaign, timeZone: TimeZone) {
        id = campaign.id
        self.campaign = campaign
        conditions = (campaign.audience.memberConditions + campaign.audience.eventConditions).map { CompiledCondition($0, timeZone: timeZone) }
        notStarted = "campaign \(campaign.id) starts at \(Timestamps.format(campaign.start))"
        ended = "campaign \(campaign.id) ended at \(Timestamps.format(campaign.end))"
        outsideShare = "not in the \(campaign.audience.share?.description ?? "1") share of members campaign \(campaign.id) reaches"
        heldOut = "in the holdout of campaign \(campaign.id): gets nothing from it, for comparison"
        notInAudience = "not in the audience of campaign \(campaign.id): "
    }

    /// Why the campaign's rules do not apply to this event, or nil when they do: outside the window,
    /// outside the audience (a condition, the share), or in the holdout.
    func failure(event: LoyaltyEvent, member: MemberProfile, lines: [PurchaseLine], weekday: Int?) -> String? {
        if event.occurredAt < campaign.start { return notStarted }
        if event.occurredAt >= campaign.end { return ended }
        for condition in conditions where !condition.holds(event: event, member: member, lines: lines, weekday: weekday) {
            return notInAudience + condition.failure
        }
        switch campaign.audience.placement(memberId: member.id, campaignId: id) {
        case .audience: return nil
        case .outside: return outsideShare
        case .holdout: return heldOut
        }
    }
}

extension Campaign {
    /// Whether a member is in the audience of the campaign's gifts: the member-level conditions
    /// (tiers, segments) hold, the share picks them and the holdout does not. `stores` and `channels`
    /// belong to events and do not restrict gifts.
    public func giftsReach(_ member: MemberProfile, timeZone: TimeZone) -> Bool {
        guard member.status == .active else { return false }
        let probe = LoyaltyEvent(id: "", type: "", occurredAt: start)
        for condition in audience.memberConditions where !CompiledCondition(condition, timeZone: timeZone).holds(event: probe, member: member, lines: []) {
            return false
        }
        return audience.placement(memberId: member.id, campaignId: id) == .audience
    }
}
