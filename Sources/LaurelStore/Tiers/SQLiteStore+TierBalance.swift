import Foundation
import GRDB
import LaurelCore

extension SQLiteStore {
    /// Under a `points_balance` tier basis, the member's tier after their available balance moved
    /// (a redemption or its cancellation, a transfer, an adjustment, expiry, pending points released):
    /// written with its change (`tier_changes`, `tier.changed`) in the caller's transaction, with the
    /// source of the ledger operation. `saveLedger` calls it after every operation; an event's own
    /// evaluation is the core's (`EventProcessor`, `EventOutcome.followBalance`). Nothing for other bases.
    static func followBalance(_ db: Database, program: ProgramDefinition?, programId: String, ledger: MemberLedger, now: Date) throws {
        // A transfer's receiver has no entries of its own, only the lots it received.
        guard let program, let policy = program.tiers, policy.basis == .pointsBalance,
              let sourceId = ledger.entries.last?.sourceId ?? ledger.touchedLots.last?.sourceId,
              let member = try fetchMember(db, programId: programId, id: ledger.memberId) else { return }
        let tiers = TierQualification(policy: policy, calendar: program.calendar)
        guard let (state, change) = tiers.evaluateBalance(member.tier, balance: ledger.available, now: now) else { return }
        try saveTier(db, program: program, tiers: tiers, programId: programId, memberId: member.id, state: state, change: change,
                     previous: member.tier, sourceId: sourceId, now: now)
    }
}
