import Foundation
import LaurelCore

/// A CSV header for `laurel import`, and each record turned into the JSON object a JSON Lines
/// line would hold, so both formats go through one parser (docs/import.md lists the columns).
///
/// Cells are text; the point columns must be whole numbers. An empty cell leaves its field out.
/// `attr.<name>` columns become `attributes.<name>` (as text). A CSV cannot hold a purchase's
/// lines, several opening lots or typed attributes: JSON Lines carries those.
struct ImportColumns {
    private enum Column {
        case text(String)
        case number(String)
        case attribute(String)
        case consent(String)
        case purchase(String)
        case returned(String)
    }

    static let memberText = ["external_id", "email", "name", "birthday", "status", "opening_expires_at", "expected_tier", "consented_at"]
    static let memberNumbers = ["opening_balance", "expected_balance", "expected_pending"]
    static let eventText = ["member_id", "external_id", "type", "occurred_at", "store", "channel"]
    static let eventNumbers = ["points"]
    static let purchaseColumns = ["currency": "currency", "total": "total", "transaction_id": "transaction_id"]
    static let returnColumns = ["return_purchase_event_id": "purchase_event_id", "return_amount": "amount"]

    private let columns: [Column]

    init(_ header: [String], kind: ImportKind) throws(ImportFileError) {
        var columns: [Column] = []
        var seen: Set<String> = []
        for raw in header {
            let name = raw.trimmingCharacters(in: .whitespaces)
            guard seen.insert(name).inserted else { throw ImportFileError("line 1: column \(name) appears twice") }
            if name.hasPrefix("attr."), name.count > 5 {
                columns.append(.attribute(String(name.dropFirst(5))))
                continue
            }
            switch kind {
            case .members:
                if name.hasPrefix("consent."), name.count > 8 { columns.append(.consent(String(name.dropFirst(8)))); continue }
                if Self.memberText.contains(name) { columns.append(.text(name)); continue }
                if Self.memberNumbers.contains(name) { columns.append(.number(name)); continue }
            case .events:
                if Self.eventText.contains(name) { columns.append(.text(name)); continue }
                if Self.eventNumbers.contains(name) { columns.append(.number(name)); continue }
                if let field = Self.purchaseColumns[name] { columns.append(.purchase(field)); continue }
                if let field = Self.returnColumns[name] { columns.append(.returned(field)); continue }
            }
            throw ImportFileError("line 1: unknown column \"\(name)\"; the columns of a \(kind.rawValue) file are \(Self.known(kind).joined(separator: ", ")), attr.<name>"
                                  + (kind == .members ? " and consent.<name>" : ""))
        }
        self.columns = columns
    }

    static func known(_ kind: ImportKind) -> [String] {
        switch kind {
        case .members: memberText + memberNumbers
        case .events: eventText + eventNumbers + purchaseColumns.keys.sorted() + returnColumns.keys.sorted()
        }
    }

    /// The record as a JSON object's text.
    func json(_ fields: [String]) throws(ImportLineError) -> String {
        guard fields.count == columns.count else {
            throw ImportLineError(why: "\(fields.count) fields where the header names \(columns.count)")
        }
        var object: [String: JSONValue] = [:], attributes: [String: JSONValue] = [:], consents: [String: JSONValue] = [:]
        var purchase: [String: JSONValue] = [:], returned: [String: JSONValue] = [:]
        for (column, value) in zip(columns, fields) where !value.isEmpty {
            switch column {
            case .text(let name): object[name] = .string(value)
            case .number(let name):
                guard let number = Int(value.trimmingCharacters(in: .whitespaces)) else {
                    throw ImportLineError(why: "\(name) must be a whole number, got \"\(value)\"")
                }
                object[name] = .number(String(number))
            case .attribute(let name): attributes[name] = .string(value)
            case .consent(let name): consents[name] = .string(value.trimmingCharacters(in: .whitespaces).lowercased())
            case .purchase(let name): purchase[name] = .string(value)
            case .returned(let name): returned[name] = .string(value)
            }
        }
        if !attributes.isEmpty { object["attributes"] = .object(attributes) }
        if !consents.isEmpty { object["consents"] = .object(consents) }
        if !purchase.isEmpty { object["purchase"] = .object(purchase) }
        if !returned.isEmpty { object["return"] = .object(returned) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(JSONValue.object(object)), as: UTF8.self)
        } catch {
            throw ImportLineError(why: "\(error)")
        }
    }
}
