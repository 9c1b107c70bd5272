/// Every type of outbox message Laurel writes: what webhook endpoints subscribe to (an unknown
/// type in a subscription is refused) and what `GET /v1/messages` lists.
public enum MessageType {
    // Members
    public static let memberEnrolled = "member.enrolled"
    public static let memberUpdated = "member.updated"
    public static let birthday = "birthday"
    /// A one-time code for the member portal, for the brand's channel to send (docs/portal.md).
    public static let memberSignInCode = "member.sign_in_code"
    // Points
    public static let pointsEarned = "points.earned"
    public static let pointsSpent = "points.spent"
    public static let pointsExpired = "points.expired"
    public static let pointsExpiringSoon = "points.expiring_soon"
    // Tiers
    public static let tierChanged = "tier.changed"
    public static let tierUpgraded = "tier.upgraded"
    public static let tierDowngraded = "tier.downgraded"
    // Rewards
    public static let redemptionIssued = "redemption.issued"
    public static let redemptionCancelled = "redemption.cancelled"
    public static let redemptionFulfilled = "redemption.fulfilled"
    public static let redemptionExpired = "redemption.expired"
    // Clubs
    public static let clubJoined = "club.joined"
    public static let clubMembershipExpiring = "club.membership_expiring"
    public static let clubMembershipRenewed = "club.membership_renewed"
    public static let clubMembershipEnded = "club.membership_ended"
    // Campaigns and segments
    public static let campaignStarted = "campaign.started"
    public static let campaignEnded = "campaign.ended"
    public static let segmentEntered = "segment.entered"
    // Fraud controls: a velocity cap or threshold tripped (event held, redemption refused), or a
    // return took back points already spent.
    public static let fraudFlagged = "fraud.flagged"
    // Games: a spin won a prize; a raffle drew a member.
    public static let gameWon = "game.won"
    public static let raffleWon = "raffle.won"
    // Challenges and badges
    public static let challengeCompleted = "challenge.completed"
    public static let badgeAwarded = "badge.awarded"
    // Webhooks themselves
    public static let webhookEndpointDisabled = "webhook_endpoint.disabled"
    // Play
    public static let referralConverted = "referral.converted"
    public static let punchCardCompleted = "punch_card.completed"

    public static let all: [String] = [
        memberEnrolled, memberUpdated, birthday, memberSignInCode,
        pointsEarned, pointsSpent, pointsExpired, pointsExpiringSoon,
        tierChanged, tierUpgraded, tierDowngraded,
        redemptionIssued, redemptionCancelled, redemptionFulfilled, redemptionExpired,
        clubJoined, clubMembershipExpiring, clubMembershipRenewed, clubMembershipEnded,
        campaignStarted, campaignEnded, segmentEntered,
        fraudFlagged,
        webhookEndpointDisabled,
        referralConverted, punchCardCompleted, gameWon, raffleWon, challengeCompleted, badgeAwarded,
    ]
}
