import Foundation
import LaurelCore
import LaurelStore

/// The `id` an exported line carries (`laurel export members|events --format jsonl`), kept on
/// import so that the file's references still hold: the events' `member_id`, a return's
/// `purchase_event_id`.
enum ExportedId {
    /// The line without its `id`, and that id, when it is one Laurel makes for `prefix`
    /// (`Identifiers.isWellFormed`). A line without the text `"id"` is passed through untouched
    /// (the usual, fast case); so is one whose `id` is anything else, which the body's decoding
    /// then refuses as a field Laurel sets (`read_only_field`).
    static func split(_ line: Data, prefix: String) -> (body: Data, id: String?) {
        guard line.range(of: Data(#""id""#.utf8)) != nil,
              case .object(var fields)? = try? JSONDecoder().decode(JSONValue.self, from: line),
              case .string(let id)? = fields.removeValue(forKey: "id"), Identifiers.isWellFormed(id, prefix: prefix),
              let body = try? encoder.encode(JSONValue.object(fields)) else { return (line, nil) }
        return (body, id)
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
