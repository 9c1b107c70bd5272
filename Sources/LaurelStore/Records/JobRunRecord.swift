import Foundation

/// The names of the scheduled jobs whose work the store does (the server's scheduler runs them).
public enum JobName {
    public static let settlePoints = "settle_points"
    public static let reviewTiers = "review_tiers"
    public static let clubMemberships = "club_memberships"
    public static let expireRedemptions = "expire_redemptions"
    public static let pointsExpiringSoon = "points_expiring_soon"
    public static let refreshSegments = "refresh_segments"
    public static let campaigns = "campaigns"
    public static let birthdays = "birthdays"
    public static let deliverWebhooks = "deliver_webhooks"
    public static let drawRaffles = "draw_raffles"
    public static let imports = "imports"
    public static let bulkAwards = "bulk_awards"
}

/// The last run of a scheduled job, as `laurel jobs list` shows it (whichever node ran it last).
public struct JobRunRecord: Hashable, Sendable {
    public var name: String
    public var startedAt: Date
    public var durationMillis: Int
    /// What the run handled (members settled, messages sent, deliveries made…).
    public var processed: Int
    /// The error that ended the run, if one did.
    public var error: String?
    /// Runs recorded so far.
    public var runs: Int

    public init(name: String, startedAt: Date, durationMillis: Int, processed: Int, error: String? = nil, runs: Int = 1) {
        self.name = name
        self.startedAt = startedAt
        self.durationMillis = durationMillis
        self.processed = processed
        self.error = error
        self.runs = runs
    }
}
