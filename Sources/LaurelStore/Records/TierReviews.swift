import Foundation

/// Scheduled tier reviews, shared by the job (`reviewTiers`) and imports, which replay the reviews
/// that fell due between a member's imported events at the times they fell due.
enum TierReviews {
    /// The tier change's `source_id` of a review at `date`.
    static func sourceId(at date: Date) -> String { "tier_review_\(date.millis)" }

    /// Whether a member whose review is due at `due` (milliseconds) is reviewed before an event
    /// judged at `date`; `last` is the review just made for them, if any: a review always moves the
    /// next one later, and if it did not, the loop stops rather than review at the same time again.
    static func isDue(_ due: Int64, after last: Int64, until date: Date) -> Bool {
        due <= date.millis && due > last
    }
}
