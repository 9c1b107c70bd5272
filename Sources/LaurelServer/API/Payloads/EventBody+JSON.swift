import Foundation
import LaurelStore

extension EventBody {
    /// The body as `APIJSON.encode` writes it, byte for byte, without Foundation's encoder: every
    /// event's stored payload is this text (a purchase's encoding was ~6 % of its CPU over HTTP,
    /// and more of an import's). Attributes, free-form JSON, still go through the encoder.
    func jsonText() throws -> String {
        var json = JSONTextWriter(capacity: 256 + (purchase?.lines?.count ?? 0) * 120)
        json.beginObject()
        if let attributes {
            json.key("attributes")
            json.raw(String(decoding: try APIJSON.encode(attributes), as: UTF8.self))
        }
        json.field("channel", channel)
        json.field("external_id", externalId)
        json.field("member_id", memberId)
        json.field("occurred_at", occurredAt)
        if let purchase {
            json.key("purchase")
            purchase.write(to: &json)
        }
        if let details = self.return {
            json.key("return")
            json.beginObject()
            json.field("amount", details.amount.description)
            json.field("purchase_event_id", details.purchaseEventId)
            json.endObject()
        }
        json.field("store", store)
        json.field("type", type)
        json.endObject()
        return json.text
    }
}

extension EventBody.PurchaseBody {
    func write(to json: inout JSONTextWriter) {
        json.beginObject()
        json.field("currency", currency)
        if let lines {
            json.key("lines")
            json.beginArray()
            for line in lines {
                json.element()
                json.beginObject()
                json.field("category", line.category)
                if let delivery = line.delivery { json.field("delivery", delivery) }
                if let labels = line.labels {
                    json.key("labels")
                    json.beginArray()
                    for label in labels {
                        json.element()
                        json.string(label)
                    }
                    json.endArray()
                }
                if let quantity = line.quantity { json.field("quantity", quantity) }
                json.field("sku", line.sku)
                json.field("unit_price", line.unitPrice.description)
                json.endObject()
            }
            json.endArray()
        }
        json.field("total", total?.description)
        json.field("transaction_id", transactionId)
        json.endObject()
    }
}
