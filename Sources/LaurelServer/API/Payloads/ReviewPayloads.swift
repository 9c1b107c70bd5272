import Foundation
import LaurelCore
import LaurelStore

/// A review as the API shows it: the held event's body (`event`), what tripped (`trips`, as the
/// `fraud.flagged` message carries them) and the decision.
enum ReviewView {
    static func json(_ review: ReviewRecord) -> Data {
        var json = JSONTextWriter(capacity: 512 + review.payload.utf8.count + review.tripsJSON.utf8.count)
        write(review, to: &json)
        return Data(json.bytes)
    }

    static func list(_ page: Page<ReviewRecord>) -> Data {
        var json = JSONTextWriter(capacity: 256 + page.items.count * 768)
        json.object { json in
            json.array("data", page.items) { json, review in write(review, to: &json) }
            json.field("has_more", page.hasMore)
            json.fieldOrNull("next_cursor", page.hasMore ? page.items.last?.id : nil)
            json.field("object", "list")
        }
        return Data(json.bytes)
    }

    private static func write(_ review: ReviewRecord, to json: inout JSONTextWriter) {
        json.object { json in
            json.fieldOrNull("api_key_id", review.apiKeyId)
            json.field("created_at", Timestamps.format(review.createdAt))
            json.fieldOrNull("decided_at", review.decidedAt.map(Timestamps.format))
            json.fieldOrNull("decided_by", review.decidedBy)
            json.key("event")
            json.raw(review.payload)
            json.field("event_id", review.eventId)
            json.field("event_type", review.eventType)
            json.field("id", review.id)
            json.field("member_id", review.memberId)
            json.field("object", "review")
            json.key("points")
            json.raw(review.points.map(String.init) ?? "null")
            json.field("status", review.status.rawValue)
            json.key("trips")
            json.raw(review.tripsJSON)
        }
    }
}
