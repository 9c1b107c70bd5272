import Foundation
import LaurelCore

/// A member found in a segment.
public struct SegmentMemberRecord: Hashable, Sendable {
    public var memberId: String
    public var externalId: String
    public init(memberId: String, externalId: String) { self.memberId = memberId; self.externalId = externalId }
}

/// What one refresh of a program's materialised segment memberships changed.
public struct SegmentRefresh: Hashable, Sendable {
    /// Memberships added (one `segment.entered` message each).
    public var entered: Int
    /// Memberships removed: members no longer in their segment, and segments no longer defined.
    public var left: Int
    public init(entered: Int = 0, left: Int = 0) { self.entered = entered; self.left = left }
}

/// Segments as the stores keep them. Live reads evaluate the segment's conditions as one SQL
/// statement over members, events, club memberships and balances (`SegmentSQL`); the
/// materialised membership (`segment_memberships`), which earning rules read as
/// `member.segments`, changes only by `refreshSegments`.
public protocol SegmentStore: Sendable {
    /// Members in the segment as of `now`, in member id order after `startingAfter`.
    func segmentMembers(programId: String, segment: SegmentDefinition, now: Date, limit: Int, startingAfter: String?) async throws -> Page<SegmentMemberRecord>
    /// How many members are in the segment as of `now`.
    func countSegmentMembers(programId: String, segment: SegmentDefinition, now: Date) async throws -> Int
    /// The ids of those of `segments` the member is in as of `now`, in the order given (one statement).
    func memberSegments(programId: String, memberId: String, segments: [SegmentDefinition], now: Date) async throws -> [String]
    /// The member's segments as of the last refresh (what rules see), by id.
    func materialisedSegments(programId: String, memberId: String) async throws -> [String]
    /// Brings the program's materialised memberships up to date with its current version's segments as
    /// of `now`: adds members who entered (with a `segment.entered` message each), removes those who left
    /// and those of segments no longer defined. One transaction; several nodes may run it at once
    /// (PostgreSQL: under an advisory lock per program), and running it again changes nothing.
    func refreshSegments(programId: String, now: Date) async throws -> SegmentRefresh
}

extension SegmentSQL {
    /// The message written when a member enters a segment.
    static func enteredPayload(segment: SegmentDefinition, memberId: String, now: Date) throws -> String {
        try JSONText.encode([
            "segment_id": JSONValue.string(segment.id), "segment_name": .string(segment.name), "member_id": .string(memberId),
            "entered_at": .string(Timestamps.format(now)),
        ])
    }
}
