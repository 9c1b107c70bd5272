import Foundation
import LaurelCore

extension AuditRecord {
    /// A member's erasure: who asked (`actor`) and why (`reason`); the snapshots hold the status only,
    /// never the data that was removed.
    static func erasure(programId: String, actor: String, memberId: String, from: MemberStatus, reason: String,
                        idempotencyKey: String?, at now: Date) -> AuditRecord {
        AuditRecord(programId: programId, actor: actor, action: .memberErased, target: ("member", memberId),
                    before: AuditSnapshots.memberStatus(from), after: AuditSnapshots.memberStatus(.erased, reason: reason),
                    idempotencyKey: idempotencyKey, at: now)
    }
}
