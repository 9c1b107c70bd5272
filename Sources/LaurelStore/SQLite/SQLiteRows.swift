import Foundation
import GRDB
import LaurelCore

/// The rows an event and a ledger leave behind, as a column list and the values of one row for
/// `Database.insert(into:_:width:_:)`: one definition shared by `record`, `saveLedger` and the
/// bulk import, which write the same rows one event or one batch at a time.
enum SQLiteRows {
    typealias Values = [(any DatabaseValueConvertible)?]

    static let eventColumns = """
        (id, program_id, member_id, type, occurred_at, recorded_at, program_version, status, points, purchase_total, payload, outcome, tier_amount)
        """
    static let eventWidth = 13

    static func event(_ event: LoyaltyEvent, programId: String, memberId: String, version: Int, outcome: EventOutcome,
                      recorded: RecordedOutcome, payload: String, now: Date) -> Values {
        [event.id, programId, memberId, event.type, event.occurredAt.millis, now.millis, version, outcome.status.rawValue,
         outcome.reversal?.reversed ?? outcome.pointsEarned, event.purchase?.total.description, payload, recorded.jsonText,
         event.purchase == nil ? nil : outcome.tierContribution?.amount.description]
    }

    static let contributionColumns = "(member_id, occurred_at, points, amount_units, purchases, event_id)"
    static let contributionWidth = 6

    static func contribution(_ contribution: TierContribution, memberId: String, event: LoyaltyEvent) -> Values {
        [memberId, event.occurredAt.millis, contribution.points, contribution.amount.units, contribution.purchases, event.id]
    }

    static let awardColumns = "(member_id, rule_id, occurred_at, points, event_id)"
    static let awardWidth = 5

    /// The awards a limit counts: rules of `limited` that gave points or a gift. Only limited rules'
    /// awards are written (a purchase matches ~8 rules, each row a random index leaf to write); a
    /// version that limits a rule for the first time writes its earlier awards then
    /// (`SQLiteStore.backfillAwards`).
    static func awardedRules(_ rules: [RuleResult], limited: Set<String>) -> [RuleResult] {
        rules.filter { ($0.points > 0 || $0.gift != nil) && limited.contains($0.ruleId) }
    }

    static func awards(_ rules: [RuleResult], limited: Set<String>, memberId: String, event: LoyaltyEvent) -> Values {
        awardedRules(rules, limited: limited).flatMap { rule -> Values in [memberId, rule.ruleId, event.occurredAt.millis, rule.points, event.id] }
    }

    static let entryColumns = """
        (program_id, member_id, kind, from_account, to_account, points, lot_id, source_id, program_version, created_at, actor, reason)
        """
    static let entryWidth = 12

    static func entries(_ entries: [LedgerEntry], programId: String, version: Int?, now: Date, actor: String?, reason: String?) -> Values {
        entries.flatMap { entry -> Values in
            [programId, entry.memberId, entry.kind.rawValue, entry.from.description, entry.to.description, entry.points,
             entry.lotId, entry.sourceId, version, now.millis, actor, reason]
        }
    }

    static let lotColumns = "(id, program_id, member_id, source_id, earned_at, available_at, expires_at, points, remaining, pending)"
    static let lotWidth = 10

    static func lot(_ lot: PointLot, programId: String) -> Values {
        [lot.id, programId, lot.memberId, lot.sourceId, lot.earnedAt.millis, lot.availableAt.millis, lot.expiresAt?.millis, lot.points,
         lot.remaining, lot.pending ? 1 : 0]
    }
}
