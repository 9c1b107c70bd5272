import Foundation
import LaurelCore

/// What `laurel export` and `GET /v1/exports/{kind}` can write.
public enum ExportKind: String, Sendable, CaseIterable {
    case members, ledger, events, redemptions

    /// The columns of a CSV export, in order; a JSONL line has the same names as keys (sorted,
    /// and without the empty ones). Events are the exception: their JSONL line is the stored
    /// `POST /v1/events` body with the event's `id` (`DataExport.eventLine`).
    public var columns: [String] {
        switch self {
        case .members: ["id", "external_id", "email", "name", "birthday", "status", "attributes"]
        case .ledger: ["id", "member_id", "kind", "from_account", "to_account", "points", "source_id", "lot_id", "lot_expires_at",
                       "program_version", "created_at", "actor", "reason"]
        case .events: ["id", "member_id", "type", "occurred_at", "recorded_at", "payload"]
        case .redemptions: ["id", "member_id", "reward_id", "points", "quantity", "status", "code", "value", "source_event_id",
                            "created_at", "updated_at", "active_from", "expires_at", "fulfilled_at", "cancelled_at"]
        }
    }
}

public enum ExportFormat: String, Sendable, CaseIterable {
    case csv, jsonl

    public var contentType: String {
        switch self {
        case .csv: "text/csv"
        case .jsonl: "application/x-ndjson"
        }
    }
}

/// Writing rows as CSV (RFC 4180) and JSON Lines.
enum ExportText {
    /// A value as a CSV field's text: empty for null, JSON text for objects and arrays.
    static func csvText(_ value: JSONValue) -> String {
        switch value {
        case .null: ""
        case .bool(let bool): bool ? "true" : "false"
        case .number(let number): number
        case .string(let text): text
        case .array, .object: json(value)
        }
    }

    /// One CSV record (CRLF-terminated, as RFC 4180 writes them).
    static func csvRecord(_ fields: [String]) -> String {
        fields.map(CSVField.quoted).joined(separator: ",") + "\r\n"
    }

    /// JSON text with sorted keys.
    static func json(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}
