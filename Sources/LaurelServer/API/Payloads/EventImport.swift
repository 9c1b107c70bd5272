import Foundation
import LaurelCore
import LaurelStore

/// Historical events for `laurel import`: one JSON object per line, in the body format of
/// `POST /v1/events` (with `occurred_at`, and the member by `member_id` or `external_id`), and
/// optionally the event's `id`, as `laurel export events --format jsonl` writes it.
public enum EventImport {
    /// Reads one line into an event to import; a bad line throws a problem naming the field.
    /// `asRecorded`: the line's `points` (required, except on a return) are booked as they are
    /// (`LoyaltyEvent.recordedPoints`); without it a line with `points` is refused as the API refuses it.
    /// `id`: the new event's id, unless the line carries one of its own (`ExportedId`).
    public static func parse(_ line: String, id: String, now: Date, asRecorded: Bool = false) throws -> ImportedEvent {
        let raw = Data(line.utf8)
        if NULCharacter.isIn(raw) { throw NULCharacter.problem }
        let (withoutId, kept) = ExportedId.split(raw, prefix: "evt")
        var bytes = withoutId
        // The body is read without `points`, which the API refuses as a field Laurel sets.
        var recorded: Int?
        if asRecorded {
            recorded = try APIJSON.decode(RecordedPoints.self, from: bytes).points
            if recorded != nil, var object = try JSONDecoder().decode(JSONValue.self, from: bytes).objectValue {
                object["points"] = nil
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                bytes = try encoder.encode(JSONValue.object(object))
            }
        }
        let body: EventBody
        do {
            body = try EventBody.decode(bytes)
        } catch let problem as Problem where problem.field == "points" {
            // As the API refuses it, with the way to import recorded points.
            throw Problem(problem.status, problem.code, problem.detail + "; laurel import events --as-recorded books the points an event earned",
                          field: problem.field)
        }
        var event = try body.event(id: kept ?? id, now: now)
        if asRecorded {
            if event.returnOf != nil {
                guard recorded == nil else { throw Problem.invalid("points", "a return takes back its share of the purchase's points; it carries no points") }
            } else {
                guard let recorded else { throw Problem.invalid("points", "--as-recorded needs the points each event earned (points)") }
                guard recorded >= 0 && recorded <= Bounds.maxPointsPerEvent else {
                    throw Problem.invalid("points", "points must be from 0 to \(Bounds.maxPointsPerEvent)")
                }
                event.recordedPoints = recorded
            }
        }
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
            return (try? stored.jsonText()) ?? "{}"
        }
    }

    /// The points of an event imported as recorded.
    private struct RecordedPoints: Decodable {
        var points: Int?
    }

    /// What an import did.
    public struct Summary: Sendable {
        public var recorded = 0
        public var refused = 0
        public var points = 0
    }

    /// Imports the JSON Lines `text` in order, `batch` events per store call, without a journal
    /// (the benchmark's path; `laurel import events` goes through `ImportRun` with one); each refused
    /// line is passed to `refusal` with its number and why, in line order.
    public static func run(_ text: String, store: any LaurelStore, programId: String, batch: Int,
                           refusal: (_ line: Int, _ why: String) -> Void) async throws -> Summary {
        let report = try await ImportRun.run(Data(text.utf8), format: .jsonl,
                                             options: ImportRun.Options(programId: programId, kind: .events, batch: batch, journal: false),
                                             store: store, refusal: refusal)
        return Summary(recorded: report.recorded, refused: report.refused, points: report.points)
    }

    /// Why a line was refused, for the import's report.
    public static func describe(_ error: any Error) -> String {
        if let problem = error as? Problem { return problem.detail }
        return "\(error)"
    }
}

extension Substring {
    /// Without leading and trailing spaces, tabs and carriage returns (Foundation's
    /// `trimmingCharacters` showed in the import's profile).
    var trimmingBlanks: Substring {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else { return self[endIndex...] }
        return self[first...last]
    }
}
