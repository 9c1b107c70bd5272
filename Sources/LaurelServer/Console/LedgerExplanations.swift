import Foundation
import LaurelCore
import LaurelStore

/// Why each ledger entry happened, in words: the rules an event's points came from (from the
/// event's stored outcome), the staff member and reason of an adjustment, the redemption a spend
/// paid for, and so on.
struct LedgerExplanations {
    let store: any LaurelStore
    let programId: String
    let locale: WebLocale

    /// One sentence per entry, in order; an event is read once however many entries it made.
    func explain(_ records: [LedgerEntryRecord], memberId: String) async throws -> [String] {
        var events: [String: EventRecord?] = [:]
        var sentences: [String] = []
        for record in records {
            let entry = record.entry
            switch entry.kind {
            case .earn:
                if events[entry.sourceId] == nil { events[entry.sourceId] = .some(try await store.event(programId: programId, id: entry.sourceId)) }
                let event = events[entry.sourceId] ?? nil
                let rules = event?.outcome.rules.filter { $0.points > 0 }.map { "\($0.ruleName) (+\(locale.number($0.points)))" } ?? []
                let type = event.map { SummaryEventName.words($0.type) } ?? entry.sourceId
                sentences.append(rules.isEmpty ? locale.text("console_ledger_earn", ["event": type])
                                 : locale.text("console_ledger_earn_rules", ["event": type, "rules": rules.joined(separator: ", ")]))
            case .adjust:
                sentences.append(locale.text("console_ledger_adjust", ["actor": record.actor ?? "", "reason": record.reason ?? ""]))
            case .transfer:
                let outgoing = entry.memberId == memberId
                sentences.append(locale[outgoing ? "console_ledger_transfer_out" : "console_ledger_transfer_in"])
            default:
                sentences.append(locale.text("console_ledger_\(entry.kind.rawValue)", ["source": entry.sourceId]))
            }
        }
        return sentences
    }

    /// What an entry did to the member's available and pending points.
    static func change(_ entry: LedgerEntry, memberId: String) -> (available: Int, pending: Int) {
        func change(_ account: LedgerAccount) -> Int { (entry.to == account ? entry.points : 0) - (entry.from == account ? entry.points : 0) }
        return (change(.available(member: memberId)), change(.pending(member: memberId)))
    }
}

/// An event type as words for people: `social_share` → "social share".
enum SummaryEventName {
    static func words(_ type: String) -> String { type.replacingOccurrences(of: "_", with: " ") }
}
