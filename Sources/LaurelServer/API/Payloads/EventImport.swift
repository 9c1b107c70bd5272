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

    /// What an import did.
    public struct Summary: Sendable {
        public var recorded = 0
        public var refused = 0
        public var points = 0
    }

    /// Imports the JSON Lines `text` in order, `batch` events per store call; each refused line is
    /// passed to `refusal` with its number and why. Used by `laurel import` and its benchmark.
    public static func run(_ text: String, store: any LaurelStore, programId: String, batch: Int,
                           refusal: (_ line: Int, _ why: String) -> Void) async throws -> Summary {
        var summary = Summary()
        var pending: [(line: Int, event: ImportedEvent)] = []
        func flush() async throws {
            guard !pending.isEmpty else { return }
            let results = try await store.importEvents(programId: programId, events: pending.map(\.event), now: Date())
            for (item, result) in zip(pending, results) {
                switch result {
                case .recorded(_, let earned):
                    summary.recorded += 1
                    summary.points += earned
                case .refused(let why):
                    summary.refused += 1
                    refusal(item.line, why)
                }
            }
            pending.removeAll(keepingCapacity: true)
        }
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            let now = Date()
            do {
                pending.append((number, try parse(trimmed, id: Identifiers.make("evt", now: now), now: now)))
            } catch {
                summary.refused += 1
                refusal(number, describe(error))
            }
            if pending.count >= batch { try await flush() }
        }
        try await flush()
        return summary
    }

    /// Why a line was refused, for the import's report.
    public static func describe(_ error: any Error) -> String {
        if let problem = error as? Problem { return problem.detail }
        return "\(error)"
    }
}
