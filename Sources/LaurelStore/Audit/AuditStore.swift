import Foundation
import LaurelCore

/// The audit trail: written by the audited store methods in their own transactions, read here.
/// There is deliberately no way to change or delete an entry.
public protocol AuditStore: Sendable {
    /// A program's entries newest first, after the entry `startingAfter` (a sequence number), that match `filter`.
    func auditEntries(programId: String, filter: AuditFilter, limit: Int, startingAfter: Int64?) async throws -> Page<AuditEntry>
}
