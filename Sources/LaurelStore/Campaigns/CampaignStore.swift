import Foundation
import LaurelCore

/// What campaigns and birthdays keep: when each campaign started and ended (its messages written
/// once), the gifts given (once per member: the claim row's key makes it so, on any number of
/// nodes), and what a campaign's report reads. Who is due is decided by the jobs
/// (`CampaignJob`, `BirthdayJob`) with the core's rules (`Campaign.giftsReach`, `BirthdayGift.dueYear`).
public protocol CampaignStore: Sendable {
    /// When the program's campaigns started and ended, as recorded by `markCampaign`.
    func campaignRuns(programId: String) async throws -> [CampaignRunRecord]
    /// Records that `campaign` started (or ended) and writes its `campaign.started` (`campaign.ended`)
    /// message in the same transaction, once: true when this call did it. Ending a campaign never
    /// marked as started marks (and announces) the start first.
    func markCampaign(programId: String, campaign: Campaign, transition: CampaignTransition, now: Date) async throws -> Bool
    /// Active members of the program without a gift of the campaign yet, in id order after `startingAfter`.
    func membersAwaitingCampaignGift(programId: String, campaignId: String, limit: Int, startingAfter: String?) async throws -> [MemberRecord]
    /// Gives the campaign's gift (its points as a ledger credit, its reward as an issued redemption)
    /// to the member, once: nil when it was given before (by this node or another).
    func giveCampaignGift(programId: String, campaign: Campaign, memberId: String, now: Date) async throws -> GiftGrant?
    /// Active members of the program whose birthday (`YYYY-MM-DD`) falls on one of `monthDays`
    /// (`MM-DD`) and who got no birthday gift since `grantedSince`, in id order after `startingAfter`.
    func membersWithBirthday(programId: String, monthDays: [String], grantedSince: Date, limit: Int,
                             startingAfter: String?) async throws -> [MemberRecord]
    /// Gives the program's birthday present for `year` to the member, once per year, with a
    /// `birthday` message saying what it gave: nil when it was given before.
    func giveBirthdayGift(programId: String, gift: BirthdayGift, memberId: String, year: Int, now: Date) async throws -> GiftGrant?
    /// What a campaign's report is made of (`CampaignReport`).
    func campaignActivity(programId: String, campaign: Campaign) async throws -> CampaignActivity
}

public enum CampaignTransition: String, Sendable { case started, ended }

public struct CampaignRunRecord: Hashable, Sendable {
    public var campaignId: String
    public var startedAt: Date?
    public var endedAt: Date?
    public init(campaignId: String, startedAt: Date?, endedAt: Date?) {
        self.campaignId = campaignId
        self.startedAt = startedAt
        self.endedAt = endedAt
    }
}

/// What one gift gave a member.
public struct GiftGrant: Hashable, Sendable {
    public var memberId: String
    public var points: Int
    /// The reward issued (or why not); nil when the gift has none.
    public var reward: RecordedOutcome.Gift?
    public init(memberId: String, points: Int, reward: RecordedOutcome.Gift?) {
        self.memberId = memberId
        self.points = points
        self.reward = reward
    }
}

/// The rows a campaign's report counts.
public struct CampaignActivity: Sendable {
    /// Every member of the program, as the audience sees them.
    public var members: [MemberProfile]
    /// Processed purchases that occurred inside the campaign's window.
    public var purchases: [CampaignReport.Purchase]
    /// Awards of the campaign's rules inside its window.
    public var awards: [CampaignReport.Award]
    /// The campaign's gifts given so far.
    public var gifts: [GiftGrant]
    public init(members: [MemberProfile], purchases: [CampaignReport.Purchase], awards: [CampaignReport.Award], gifts: [GiftGrant]) {
        self.members = members
        self.purchases = purchases
        self.awards = awards
        self.gifts = gifts
    }
}

extension CampaignReport {
    /// The report of `campaign` from the store's rows.
    public init(campaign: Campaign, program: ProgramDefinition, activity: CampaignActivity) {
        self.init(campaign: campaign, program: program, members: activity.members, purchases: activity.purchases, awards: activity.awards,
                  gifts: activity.gifts.map { Gift(memberId: $0.memberId, points: $0.points, rewardIssued: $0.reward?.status == "issued") })
    }
}
