import Foundation
import LaurelStore

extension EventBody {
    /// The body as `APIJSON.encode` writes it, byte for byte, without Foundation's encoder: every
    /// event's stored payload is this text (a purchase's encoding was ~6 % of its CPU over HTTP,
    /// and more of an import's). Attributes, free-form JSON, still go through the encoder.
    func jsonText() throws -> String {
        var json = JSONTextWriter(capacity: 256 + (purchase?.lines?.count ?? 0) * 120)
        let attributes = try self.attributes.map { String(decoding: try APIJSON.encode($0), as: UTF8.self) }
        json.object { json in
            if let attributes {
                json.key("attributes")
                json.raw(attributes)
            }
            json.field("channel", channel)
            json.field("external_id", externalId)
            json.field("member_id", memberId)
            json.field("occurred_at", occurredAt)
            if let purchase { json.object("purchase") { purchase.write(to: &$0) } }
            if let details = self.return {
                json.object("return") { json in
                    json.field("amount", details.amount.description)
                    json.field("purchase_event_id", details.purchaseEventId)
                }
            }
            json.field("store", store)
            json.field("type", type)
        }
        return json.text
    }
}

extension EventBody.PurchaseBody {
    /// The purchase's members (the caller opens and closes the object).
    func write(to json: inout JSONTextWriter) {
        json.field("currency", currency)
        json.array("lines", lines) { json, line in
            json.object { json in
                json.field("category", line.category)
                if let delivery = line.delivery { json.field("delivery", delivery) }
                json.field("labels", line.labels)
                if let quantity = line.quantity { json.field("quantity", quantity) }
                json.field("sku", line.sku)
                json.field("unit_price", line.unitPrice.description)
            }
        }
        json.field("total", total?.description)
        json.field("transaction_id", transactionId)
    }
}
