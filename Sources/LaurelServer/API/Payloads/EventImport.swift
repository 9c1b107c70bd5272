import Foundation
import LaurelCore
import LaurelStore

/// Historical events for `laurel import`: one JSON object per line, in the body format of
/// `POST /v1/events` (with `occurred_at`, and the member by `member_id` or `external_id`), and
/// optionally the event's `id`, as `laurel export events --format jsonl` writes it.
public enum EventImport {
    /// Reads one line into an event to import; a bad line throws a problem naming the field.
    /// `id`: the new event's id, unless the line carries one of its own (`keptId`).
    public static func parse(_ line: String, id: String, now: Date) throws -> ImportedEvent {
        let (bytes, kept) = try keptId(Data(line.utf8))
        if NULCharacter.isIn(bytes) { throw NULCharacter.problem }
        let body = try EventBody.decode(bytes)
        let event = try body.event(id: kept ?? id, now: now)
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

    /// The line without its `id`, and that id: an exported event keeps its id so that a return
    /// later in the file still names its purchase (`return.purchase_event_id`). Lines without the
    /// text `"id"` are passed through untouched (the usual, fast case); so is a line whose `id` is
    /// not an event id (`evt_` and 26 base32 digits), which `EventBody` then refuses (`read_only_field`).
    static func keptId(_ bytes: Data) throws -> (body: Data, id: String?) {
        guard bytes.range(of: Data(#""id""#.utf8)) != nil,
              case .object(var fields)? = try? JSONDecoder().decode(JSONValue.self, from: bytes),
              let value = fields.removeValue(forKey: "id") else { return (bytes, nil) }
        // Anything but an event id as Laurel makes them goes on as it came, and is refused as the field Laurel sets.
        guard case .string(let id) = value, isEventId(id) else { return (bytes, nil) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try encoder.encode(JSONValue.object(fields)), id)
    }

    /// `evt_` and 26 Crockford base32 digits (`Identifiers.make`).
    static func isEventId(_ id: String) -> Bool {
        let digits = id.utf8.dropFirst(4)
        return id.hasPrefix("evt_") && digits.count == 26
            && digits.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) }
    }

    /// What an import did.
    public struct Summary: Sendable {
        public var recorded = 0
        public var refused = 0
        public var points = 0
    }

    /// A line of the file: an event to import, or why it could not be read.
    private enum Line {
        case event(ImportedEvent)
        case unreadable(String)
    }

    /// Imports the JSON Lines `text` in order, `batch` events per store call; each refused line is
    /// passed to `refusal` with its number and why, in line order.
    ///
    /// The next batch is read while the store writes the previous one (the store is the slower
    /// part, and the two use different cores); batches are still written one after the other. A
    /// line that cannot be read waits in its batch, so it is reported after the store's answers
    /// to the lines before it.
    public static func run(_ text: String, store: any LaurelStore, programId: String, batch: Int,
                           refusal: (_ line: Int, _ why: String) -> Void) async throws -> Summary {
        var summary = Summary()
        var pending: [(number: Int, line: Line)] = []
        var events = 0
        var writing: (lines: [(number: Int, line: Line)], results: Task<[ImportResult], any Error>)?
        func finishWriting() async throws {
            guard let (lines, task) = writing else { return }
            writing = nil
            var results = try await task.value.makeIterator()
            for (number, line) in lines {
                switch line {
                case .unreadable(let why):
                    summary.refused += 1
                    refusal(number, why)
                case .event:
                    switch results.next() {
                    case .recorded(_, let earned)?:
                        summary.recorded += 1
                        summary.points += earned
                    case .refused(let why)?:
                        summary.refused += 1
                        refusal(number, why)
                    case nil:
                        break
                    }
                }
            }
        }
        func flush() async throws {
            try await finishWriting()
            guard !pending.isEmpty else { return }
            let batchEvents = pending.compactMap { if case .event(let event) = $0.line { event } else { nil } }
            writing = (pending, Task { try await store.importEvents(programId: programId, events: batchEvents, now: Date()) })
            pending.removeAll(keepingCapacity: true)
            events = 0
        }
        var number = 0
        for text in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            number += 1
            let trimmed = text.trimmingBlanks
            guard !trimmed.isEmpty else { continue }
            let now = Date()
            do {
                pending.append((number, .event(try parse(String(trimmed), id: Identifiers.make("evt", now: now), now: now))))
                events += 1
            } catch {
                pending.append((number, .unreadable(describe(error))))
            }
            if events >= batch { try await flush() }
        }
        try await flush()
        try await finishWriting()
        return summary
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
