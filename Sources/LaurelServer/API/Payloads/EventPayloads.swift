import Foundation
import LaurelCore
import LaurelStore

/// `POST /v1/events`: a purchase, a return, or any named event of one member.
struct EventBody: Codable {
    struct PurchaseBody: Codable {
        var currency: String
        var total: Amount?
        var lines: [LineBody]?
        var transactionId: String?
        enum CodingKeys: String, CodingKey { case currency, total, lines, transactionId = "transaction_id" }
    }

    struct LineBody: Codable {
        var sku: String
        var category: String?
        var labels: [String]?
        var quantity: Int?
        var unitPrice: Amount
        var delivery: Bool?
        enum CodingKeys: String, CodingKey { case sku, category, labels, quantity, unitPrice = "unit_price", delivery }
    }

    struct ReturnBody: Codable {
        var purchaseEventId: String
        var amount: Amount
        enum CodingKeys: String, CodingKey { case purchaseEventId = "purchase_event_id", amount }
    }

    var memberId: String?
    var externalId: String?
    var type: String
    var occurredAt: String?
    var store: String?
    var channel: String?
    var attributes: [String: JSONValue]?
    var purchase: PurchaseBody?
    var `return`: ReturnBody?

    enum CodingKeys: String, CodingKey {
        case memberId = "member_id", externalId = "external_id", type, occurredAt = "occurred_at", store, channel, attributes, purchase
        case `return` = "return"
    }

    /// Checks the body and builds the core's event. Money must be non-negative, quantities positive.
    func event(id: String, now: Date) throws -> LoyaltyEvent {
        guard !type.isEmpty, type.count <= 64, type.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) else {
            throw Problem.invalid("type", "type must be 1 to 64 lowercase letters, digits or _ (purchase, return, review…)")
        }
        guard (memberId == nil) != (externalId == nil) else {
            throw Problem.invalid("member_id", "give exactly one of member_id and external_id")
        }
        var occurred = now
        if let occurredAt {
            guard let date = Timestamps.parse(occurredAt) else {
                throw Problem.invalid("occurred_at", "occurred_at must be an RFC 3339 timestamp such as 2026-11-23T10:15:00Z")
            }
            guard date <= now.addingTimeInterval(300) else { throw Problem.invalid("occurred_at", "occurred_at is in the future") }
            occurred = date
        }
        try MemberFields.checkAttributes(attributes)
        var purchaseValue: Purchase?
        var returnValue: ReturnDetails?
        switch type {
        case LoyaltyEvent.purchaseType:
            guard let purchase else { throw Problem.invalid("purchase", "a purchase event needs a purchase object") }
            guard self.return == nil else { throw Problem.invalid("return", "a purchase event cannot carry return details") }
            purchaseValue = try purchase.validated()
        case LoyaltyEvent.returnType:
            guard let details = self.return else { throw Problem.invalid("return", "a return event needs a return object naming its purchase") }
            guard purchase == nil else { throw Problem.invalid("purchase", "a return event carries return details, not a purchase") }
            guard details.amount.isPositive else { throw Problem.invalid("return.amount", "return.amount must be greater than 0") }
            returnValue = ReturnDetails(purchaseEventId: details.purchaseEventId, amount: details.amount)
        default:
            guard purchase == nil, self.return == nil else {
                throw Problem.invalid(purchase != nil ? "purchase" : "return", "only purchase and return events carry purchase or return details")
            }
        }
        return LoyaltyEvent(id: id, type: type, occurredAt: occurred, store: store, channel: channel, attributes: attributes ?? [:],
                            purchase: purchaseValue, returnOf: returnValue)
    }
}

extension EventBody.PurchaseBody {
    func validated() throws -> Purchase {
        guard currency.count == 3, currency.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw Problem.invalid("purchase.currency", "purchase.currency must be a three-letter code such as EUR")
        }
        let lines = self.lines ?? []
        guard lines.count <= Bounds.maxLines else { throw Problem.invalid("purchase.lines", "at most \(Bounds.maxLines) lines") }
        guard !lines.isEmpty || total != nil else { throw Problem.invalid("purchase.total", "a purchase needs lines or a total") }
        var result: [PurchaseLine] = []
        var linesUnits: Int64 = 0
        for (index, line) in lines.enumerated() {
            let path = "purchase.lines[\(index)]"
            guard !line.sku.isEmpty else { throw Problem.invalid("\(path).sku", "\(path).sku must not be empty") }
            let quantity = line.quantity ?? 1
            guard quantity >= 1, quantity <= Bounds.maxQuantity else {
                throw Problem.invalid("\(path).quantity", "\(path).quantity must be a whole number from 1 to \(Bounds.maxQuantity)")
            }
            guard !line.unitPrice.isNegative else { throw Problem.invalid("\(path).unit_price", "\(path).unit_price must not be negative") }
            // The core's money arithmetic traps on overflow: refuse line totals (and their sum) beyond Amount's range.
            let (lineUnits, lineOverflow) = line.unitPrice.units.multipliedReportingOverflow(by: Int64(quantity))
            guard !lineOverflow, lineUnits <= Bounds.maxEventMoney.units else {
                throw Problem.invalid(path, "\(path): unit_price × quantity must be at most \(Bounds.maxEventMoney)")
            }
            guard lineUnits <= Bounds.maxEventMoney.units - linesUnits else {
                throw Problem.invalid("purchase.lines", "the lines must add up to at most \(Bounds.maxEventMoney)")
            }
            linesUnits += lineUnits
            result.append(PurchaseLine(sku: line.sku, category: line.category, labels: line.labels ?? [], quantity: quantity,
                                       unitPrice: line.unitPrice, delivery: line.delivery ?? false))
        }
        if let total, total.isNegative { throw Problem.invalid("purchase.total", "purchase.total must not be negative") }
        if let total, total > Bounds.maxEventMoney { throw Problem.invalid("purchase.total", "purchase.total must be at most \(Bounds.maxEventMoney)") }
        return Purchase(currency: currency, total: total, lines: result)
    }
}

/// An event as the API shows it, with its outcome: written directly as JSON (`JSONTextWriter`), the
/// bytes `APIJSON.encode` would give, because every event answers with it.
enum EventView {
    /// `details` is the event's body as JSON text with sorted keys (the stored payload is that);
    /// nil leaves it out.
    static func json(_ record: EventRecord, details: String?) -> Data {
        var json = JSONTextWriter(capacity: 512 + (details?.utf8.count ?? 0) + record.outcomeJSON.utf8.count)
        json.beginObject()
        if let details {
            json.key("details")
            json.raw(details)
        }
        json.field("id", record.id)
        json.field("member_id", record.memberId)
        json.field("object", "event")
        json.field("occurred_at", Timestamps.format(record.occurredAt))
        json.key("outcome")
        json.raw(record.outcomeJSON)
        json.field("points", record.points)
        json.field("program_version", record.programVersion)
        json.field("recorded_at", Timestamps.format(record.recordedAt))
        json.field("status", record.status.rawValue)
        json.field("type", record.type)
        json.endObject()
        return Data(json.bytes)
    }

    /// A stored event, its body read back and written again as the API writes bodies.
    static func json(_ record: EventRecord) -> Data {
        let body = try? EventBody.decode(Data(record.payload.utf8))
        let details = body.flatMap { try? $0.jsonText() }
        return json(record, details: details)
    }
}
