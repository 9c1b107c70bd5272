import Foundation
import Testing
@testable import LaurelCore

/// Small builders shared by the core tests.
enum Fixtures {
    /// An RFC 3339 timestamp written in a test; a typo fails the test that uses it.
    static func at(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Date {
        try #require(Timestamps.parse(text), "bad timestamp in test: \(text)", sourceLocation: sourceLocation)
    }

    static func amount(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Amount {
        try #require(Amount(text), "bad amount in test: \(text)", sourceLocation: sourceLocation)
    }

    /// A program with the given top-level lines (timezone, rounding…) and `earning_rules` text.
    static func program(_ rules: String, header: String = "") throws -> ProgramDefinition {
        try ProgramDefinition.parse("name: Test\ncurrency: EUR\n\(header.isEmpty ? "" : header + "\n")earning_rules:\n" + rules)
    }

    static func line(_ sku: String, _ price: String, category: String? = nil, labels: [String] = [], quantity: Int = 1,
                     delivery: Bool = false) -> PurchaseLine {
        PurchaseLine(sku: sku, category: category, labels: labels, quantity: quantity, unitPrice: Amount(price)!, delivery: delivery)
    }

    static func purchase(_ id: String = "evt_p", at date: Date, lines: [PurchaseLine], total: Amount? = nil, currency: String = "EUR",
                         store: String? = nil, channel: String? = nil, attributes: [String: JSONValue] = [:]) -> LoyaltyEvent {
        LoyaltyEvent(id: id, type: LoyaltyEvent.purchaseType, occurredAt: date, store: store, channel: channel, attributes: attributes,
                     purchase: Purchase(currency: currency, total: total, lines: lines))
    }

    /// Balances of every account from a list of entries: each entry moves +p to `to` and -p from `from`.
    static func balances(_ entries: [LedgerEntry]) -> [LedgerAccount: Int] {
        var balances: [LedgerAccount: Int] = [:]
        for entry in entries {
            balances[entry.from, default: 0] -= entry.points
            balances[entry.to, default: 0] += entry.points
        }
        return balances
    }

    /// The ledger's own entries explain its balances (for a ledger that started empty and received no transfers).
    static func expectBooksBalance(_ ledger: MemberLedger, sourceLocation: SourceLocation = #_sourceLocation) {
        let balances = balances(ledger.entries)
        #expect(balances.values.reduce(0, +) == 0, sourceLocation: sourceLocation)
        #expect(balances[.available(member: ledger.memberId), default: 0] == ledger.available, sourceLocation: sourceLocation)
        #expect(balances[.pending(member: ledger.memberId), default: 0] == ledger.pending, sourceLocation: sourceLocation)
        #expect(ledger.entries.allSatisfy { $0.points > 0 }, sourceLocation: sourceLocation)
    }
}
