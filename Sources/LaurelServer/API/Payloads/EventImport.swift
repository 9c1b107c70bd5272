import Foundation
import LaurelCore
import LaurelStore

/// Historical events for `laurel import`: one JSON object per line, in the body format of
/// `POST /v1/events` (with `occurred_at`, and the member by `member_id` or `external_id`).
public enum EventImport {
    /// Reads one line into an event to import; a bad line throws a problem naming the field.
    public static func parse(_ line: String, id: String, now: Date) throws -> ImportedEvent {
        let body = try APIJSON.decode(EventBody.self, from: Data(line.utf8))
        let event = try body.event(id: id, now: now)
        let member: ImportedEvent.Member
        switch (body.memberId, body.externalId) {
        case (let memberId?, nil): member = .id(memberId)
        case (nil, let externalId?): member = .externalId(externalId)
        default: throw Problem.invalid("member_id", "name the member with exactly one of member_id and external_id")
        }
        var normalizing = body
        normalizing.occurredAt = Timestamps.format(event.occurredAt)
        normalizing.externalId = nil
        let normalized = normalizing
        return ImportedEvent(member: member, event: event) { memberId in
            var stored = normalized
            stored.memberId = memberId
            return (try? APIJSON.encode(stored)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        }
    }

    /// Why a line was refused, for the import's report.
    public static func describe(_ error: any Error) -> String {
        if let problem = error as? Problem { return problem.detail }
        return "\(error)"
    }
}
