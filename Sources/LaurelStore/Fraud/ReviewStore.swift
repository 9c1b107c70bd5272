import Foundation
import LaurelCore

/// Events held by fraud controls and their decisions (`GET /v1/reviews`, approve, reject).
public protocol ReviewStore: Sendable {
    /// Reviews in id (creation) order after `startingAfter`, of one status when given.
    func reviews(programId: String, status: ReviewRecord.Status?, limit: Int, startingAfter: String?) async throws -> Page<ReviewRecord>
    func review(programId: String, id: String) async throws -> ReviewRecord?
    /// Approves a pending review and records its event (`event` builds it from the review: its payload,
    /// with the review's event id) in the same transaction, without screening it again: exactly one
    /// of concurrent approvals credits it. A decided review throws `StoreError.reviewDecided`.
    func approveReview(programId: String, id: String, event: @escaping @Sendable (ReviewRecord) throws -> LoyaltyEvent, actor: String, now: Date,
                       idempotency: Idempotency<ReviewRecord>?) async throws -> Idempotent<ReviewRecord>
    /// Rejects a pending review: nothing is credited. A decided review throws `StoreError.reviewDecided`.
    func rejectReview(programId: String, id: String, actor: String, now: Date,
                      idempotency: Idempotency<ReviewRecord>?) async throws -> Idempotent<ReviewRecord>
}
