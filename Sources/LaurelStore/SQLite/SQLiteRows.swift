import Foundation
import GRDB
import LaurelCore

/// The rows an event and a ledger leave behind, as a table and the values of one row for
/// `Database.insert(_:_:)`: one definition shared by `record`, `saveLedger` and the bulk import,
/// which write the same rows one event or one batch at a time.
enum SQLiteRows {
    typealias Values = [SQLiteValue]

    /// A table rows are inserted into, with its insert statements for the few rows an event writes
    /// (up to 8) and for a full chunk built once: building them per insert showed in the writer's
    /// profile. Other counts (an import batch's last chunk) are built when needed.
    struct Table: Sendable {
        let name: String
        let columns: String
        let width: Int
        /// Rows per statement: at most 999 values (SQLite's oldest limit on parameters).
        let rowsPerStatement: Int
        /// The statements for 1…8 rows, and for a full chunk.
        private let few: [String], fullChunk: String

        init(_ name: String, _ columns: [String]) {
            let list = "(" + columns.joined(separator: ", ") + ")", width = columns.count, rowsPerStatement = 999 / columns.count
            self.name = name
            self.columns = list
            self.width = width
            self.rowsPerStatement = rowsPerStatement
            few = (1...min(8, rowsPerStatement)).map { Self.statement(name, list, width, rows: $0) }
            fullChunk = Self.statement(name, list, width, rows: rowsPerStatement)
        }

        func sql(rows: Int) -> String {
            rows <= few.count ? few[rows - 1] : rows == rowsPerStatement ? fullChunk : Self.statement(name, columns, width, rows: rows)
        }

        private static func statement(_ name: String, _ columns: String, _ width: Int, rows: Int) -> String {
            let row = "(" + repeatElement("?", count: width).joined(separator: ", ") + ")"
            return "INSERT INTO \(name) \(columns) VALUES " + repeatElement(row, count: rows).joined(separator: ", ")
        }
    }

    static let eventTable = Table("events", ["id", "program_id", "member_id", "type", "occurred_at", "recorded_at", "program_version", "status",
                                         "points", "purchase_total", "payload", "outcome", "tier_amount"])

    static func event(_ event: LoyaltyEvent, programId: String, memberId: String, version: Int, outcome: EventOutcome,
                      outcomeJSON: String, payload: String, now: Date) -> Values {
        [.text(event.id), .text(programId), .text(memberId), .text(event.type), .integer(event.occurredAt.millis), .integer(now.millis),
         .int(version), .text(outcome.status.rawValue), .int(outcome.recordedPoints), .optional(event.purchase?.total.description),
         .text(payload), .blob(PackedOutcome.pack(outcomeJSON)), .optional(event.purchase == nil ? nil : outcome.tierContribution?.amount.description)]
    }

    static let contributionTable = Table("tier_contributions", ["member_id", "occurred_at", "points", "amount_units", "purchases", "event_id"])

    static func contribution(_ contribution: TierContribution, memberId: String, event: LoyaltyEvent) -> Values {
        [.text(memberId), .integer(event.occurredAt.millis), .int(contribution.points), .integer(contribution.amount.units),
         .int(contribution.purchases), .text(event.id)]
    }

    static let awardTable = Table("rule_awards", ["member_id", "rule_id", "occurred_at", "points", "event_id"])

    /// The awards a limit counts: rules of `limited` that gave points or a gift. Only limited rules'
    /// awards are written (a purchase matches ~8 rules, each row a random index leaf to write); a
    /// version that limits a rule for the first time writes its earlier awards then
    /// (`SQLiteStore.backfillAwards`).
    static func awardedRules(_ rules: [RuleResult], limited: Set<String>) -> [RuleResult] {
        rules.filter { $0.isAward && limited.contains($0.ruleId) }
    }

    static func awards(_ rules: [RuleResult], limited: Set<String>, memberId: String, event: LoyaltyEvent) -> Values {
        awardedRules(rules, limited: limited).flatMap { rule -> Values in
            [.text(memberId), .text(rule.ruleId), .integer(event.occurredAt.millis), .int(rule.points), .text(event.id)]
        }
    }

    static let entryTable = Table("ledger_entries", ["program_id", "member_id", "kind", "from_account", "to_account", "points", "lot_id",
                                                  "source_id", "program_version", "created_at", "actor", "reason"])

    static func entries(_ entries: [LedgerEntry], programId: String, version: Int?, now: Date, actor: String?, reason: String?) -> Values {
        entries.flatMap { entry -> Values in
            [.text(programId), .text(entry.memberId), .text(entry.kind.rawValue), .text(entry.from.description), .text(entry.to.description),
             .int(entry.points), .optional(entry.lotId), .text(entry.sourceId), .optional(version), .integer(now.millis), .optional(actor),
             .optional(reason)]
        }
    }

    static let lotTable = Table("lots", ["id", "program_id", "member_id", "source_id", "earned_at", "available_at", "expires_at", "points",
                                     "remaining", "pending"])

    static func lot(_ lot: PointLot, programId: String) -> Values {
        [.text(lot.id), .text(programId), .text(lot.memberId), .text(lot.sourceId), .integer(lot.earnedAt.millis),
         .integer(lot.availableAt.millis), .optional(lot.expiresAt?.millis), .int(lot.points), .int(lot.remaining), .int(lot.pending ? 1 : 0)]
    }
}
