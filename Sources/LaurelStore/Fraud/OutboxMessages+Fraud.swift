import Foundation
import LaurelCore

extension OutboxMessages {
    /// `fraud.flagged`: what tripped (`trips`, as `tripsJSON` writes them), on whom, and what was
    /// done: `held` (an event, with its review), `refused` (a redemption) or `flagged` (a return that
    /// took back points already spent, recorded under the debt policy).
    static func fraudFlagged(action: String, memberId: String, eventId: String?, redemptionId: String?, reviewId: String?, apiKeyId: String?,
                             trips: [FraudTrip], now: Date) -> PendingMessage {
        message(MessageType.fraudFlagged, now: now) { json in
            json.field("action", action)
            json.fieldOrNull("api_key_id", apiKeyId)
            json.fieldOrNull("event_id", eventId)
            json.field("member_id", memberId)
            json.fieldOrNull("redemption_id", redemptionId)
            json.fieldOrNull("review_id", reviewId)
            json.key("trips")
            json.raw(tripsJSON(trips))
        }
    }

    /// The trips as a JSON array: control, cap, dimension, subject and window (for a cap), the
    /// measure, the figure with this write included, and the limit it went past.
    static func tripsJSON(_ trips: [FraudTrip]) -> String {
        var json = JSONTextWriter(capacity: 96 * trips.count + 2)
        json.beginArray()
        for trip in trips {
            json.element()
            json.object { json in
                json.fieldOrNull("cap_id", trip.capId)
                json.field("control", trip.control.rawValue)
                json.fieldOrNull("dimension", trip.dimension?.rawValue)
                json.key("limit")
                if let limit = trip.limit { figure(&json, limit) } else { json.raw("null") }
                json.field("measure", trip.value.measure)
                json.field("name", trip.name)
                json.fieldOrNull("subject", trip.subject)
                json.key("value")
                figure(&json, trip.value)
                json.fieldOrNull("window", trip.window)
            }
        }
        json.endArray()
        return json.text
    }

    /// Counts and points as numbers, money as a decimal string (as everywhere in the API).
    private static func figure(_ json: inout JSONTextWriter, _ figure: FraudTrip.Figure) {
        switch figure {
        case .count(let value), .points(let value): json.raw(String(value))
        case .amount(let amount): json.string(amount.description)
        }
    }
}
