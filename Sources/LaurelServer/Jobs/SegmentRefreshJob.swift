import Foundation
import LaurelStore

/// Refreshes the materialised segment memberships that earning rules read as `member.segments`:
/// for every program, members who entered a segment are added (with a `segment.entered` message
/// each) and those who left are removed. Live reads (`GET /v1/segments/{id}/members`, a member's
/// `segments`) do not depend on it. Safe on several nodes at once (see `SegmentStore.refreshSegments`).
public enum SegmentRefreshJob {
    /// One pass over every program; answers how many memberships were added.
    public static func runOnce(store: any LaurelStore, now: Date) async throws -> Int {
        var entered = 0
        for program in try await store.programs() where program.currentVersion != nil {
            entered += try await store.refreshSegments(programId: program.id, now: now).entered
        }
        return entered
    }
}
