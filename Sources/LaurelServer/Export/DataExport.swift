import Foundation
import LaurelCore
import LaurelStore

/// A program's members, ledger, events or redemptions as CSV or JSON Lines, read a page at a time
/// and handed to `output` page by page, so memory stays that of one page however many rows there
/// are (docs/operations.md, Export). Shared by `laurel export` and `GET /v1/exports/{kind}`.
///
/// The JSONL lines are what the import reads back: a member line is a `POST /v1/members` body
/// with the member's `id` and `status`; an event line is the stored `POST /v1/events` body (with
/// `member_id` and `occurred_at`) and the event's `id`, so a return still names its purchase.
public enum DataExport {
    /// Rows read per store call: large enough that the per-read cost vanishes, small enough that a
    /// page (and its text) is a few megabytes at most.
    public static let pageSize = 2_000

    /// Writes every row of `kind` (a CSV header first); answers the number of rows.
    /// Members, ledger entries and events come in the order they were created; redemptions newest first.
    @discardableResult
    public static func write(_ kind: ExportKind, format: ExportFormat, store: any LaurelStore, programId: String, now: Date,
                             pageSize: Int = pageSize, output: (String) async throws -> Void) async throws -> Int {
        var writer = PageWriter(kind: kind, format: format)
        if format == .csv { try await output(ExportText.csvRecord(kind.columns)) }
        var count = 0
        func emit(_ rows: [[String: JSONValue]]) async throws {
            guard !rows.isEmpty else { return }
            count += rows.count
            try await output(writer.text(rows))
        }
        switch kind {
        case .members:
            var after: String?
            while true {
                let page = try await store.members(programId: programId, limit: pageSize, startingAfter: after)
                try await emit(page.items.map(ExportRows.member))
                guard page.hasMore, let last = page.items.last else { break }
                after = last.id
            }
        case .ledger:
            var after: Int64 = 0
            while true {
                let entries = try await store.exportLedger(programId: programId, afterSequence: after, limit: pageSize)
                try await emit(entries.map(ExportRows.ledger))
                guard entries.count == pageSize, let last = entries.last else { break }
                after = last.record.sequence
            }
        case .events:
            var after = ""
            while true {
                let events = try await store.exportEvents(programId: programId, afterId: after, limit: pageSize)
                if format == .jsonl {
                    if !events.isEmpty {
                        count += events.count
                        try await output(events.map { ExportRows.eventLine($0) + "\n" }.joined())
                    }
                } else {
                    try await emit(events.map(ExportRows.event))
                }
                guard events.count == pageSize, let last = events.last else { break }
                after = last.id
            }
        case .redemptions:
            var after: String?
            while true {
                let page = try await store.redemptions(programId: programId, memberId: nil, limit: pageSize, startingAfter: after, now: now)
                try await emit(page.items.map(ExportRows.redemption))
                guard page.hasMore, let last = page.items.last else { break }
                after = last.id
            }
        }
        return count
    }

    /// Turns a page of rows into text, one encoder for the whole export.
    private struct PageWriter {
        let kind: ExportKind
        let format: ExportFormat
        let encoder: JSONEncoder = {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return encoder
        }()

        init(kind: ExportKind, format: ExportFormat) {
            self.kind = kind
            self.format = format
        }

        mutating func text(_ rows: [[String: JSONValue]]) throws -> String {
            var text = ""
            for row in rows {
                switch format {
                case .csv:
                    text += ExportText.csvRecord(kind.columns.map { ExportText.csvText(row[$0] ?? .null) })
                case .jsonl:
                    let present = row.filter { $0.value != .null }
                    text += String(decoding: try encoder.encode(present), as: UTF8.self) + "\n"
                }
            }
            return text
        }
    }
}

/// Each kind's row as named values (`ExportKind.columns`).
enum ExportRows {
    static func time(_ date: Date?) -> JSONValue { date.map { .string(Timestamps.format($0)) } ?? .null }
    static func text(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }
    static func number<T: BinaryInteger>(_ value: T?) -> JSONValue { value.map { .number(String($0)) } ?? .null }

    static func member(_ member: MemberRecord) -> [String: JSONValue] {
        ["id": .string(member.id), "external_id": .string(member.externalId), "email": text(member.email), "name": text(member.name),
         "birthday": text(member.birthday), "status": .string(member.status.rawValue), "attributes": .object(member.attributes)]
    }

    static func ledger(_ exported: ExportedLedgerEntry) -> [String: JSONValue] {
        let record = exported.record
        return ["id": .string("le_\(record.sequence)"), "member_id": .string(record.entry.memberId), "kind": .string(record.entry.kind.rawValue),
                "from_account": .string(record.entry.from.description), "to_account": .string(record.entry.to.description),
                "points": number(record.entry.points), "source_id": .string(record.entry.sourceId), "lot_id": text(record.entry.lotId),
                "lot_expires_at": time(exported.lotExpiresAt), "program_version": number(record.programVersion),
                "created_at": time(record.createdAt), "actor": text(record.actor), "reason": text(record.reason)]
    }

    /// An event for CSV: its type and time read from the stored body, which follows whole.
    static func event(_ event: StoredEvent) -> [String: JSONValue] {
        let body = (try? JSONDecoder().decode(JSONValue.self, from: Data(event.payload.utf8)))?.objectValue ?? [:]
        return ["id": .string(event.id), "member_id": .string(event.memberId), "type": body["type"] ?? .null,
                "occurred_at": body["occurred_at"] ?? .null, "recorded_at": time(event.recordedAt), "payload": .string(event.payload)]
    }

    /// An event's JSONL line: the stored body with the event's id, keys sorted.
    static func eventLine(_ event: StoredEvent) -> String {
        var body = (try? JSONDecoder().decode(JSONValue.self, from: Data(event.payload.utf8)))?.objectValue ?? ["member_id": .string(event.memberId)]
        body["id"] = .string(event.id)
        return ExportText.json(.object(body))
    }

    static func redemption(_ redemption: RedemptionRecord) -> [String: JSONValue] {
        ["id": .string(redemption.id), "member_id": .string(redemption.memberId), "reward_id": .string(redemption.rewardId),
         "points": number(redemption.points), "quantity": number(redemption.quantity), "status": .string(redemption.status.rawValue),
         "code": text(redemption.code), "value": text(redemption.value?.description), "source_event_id": text(redemption.sourceEventId),
         "created_at": time(redemption.createdAt), "updated_at": time(redemption.updatedAt), "active_from": time(redemption.activeFrom),
         "expires_at": time(redemption.expiresAt), "fulfilled_at": time(redemption.fulfilledAt), "cancelled_at": time(redemption.cancelledAt)]
    }
}
