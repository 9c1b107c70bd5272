import Crypto
import Foundation
import LaurelCore

/// What a file of `laurel import` holds.
public enum ImportKind: String, Sendable, CaseIterable {
    case members, events
}

/// How the file is written: by its name's ending (`.csv`, or `.jsonl` / `.ndjson`).
public enum ImportFormat: String, Sendable {
    case csv, jsonl

    public init(checking path: String) throws(ImportFileError) {
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") {
            self = .csv
        } else if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") || lower.hasSuffix(".json") {
            self = .jsonl
        } else {
            throw ImportFileError("\(path): name the file .csv or .jsonl (the format is taken from the name)")
        }
    }
}

/// A file that cannot be imported at all (not UTF-8, a bad CSV header, a CSV that does not parse).
public struct ImportFileError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// One row of the file, as the JSON object text its kind's parser reads, or why it could not be read.
public struct ImportLine: Sendable {
    public var number: Int
    public var json: Result<String, ImportLineError>
}

public struct ImportLineError: Error, Sendable {
    public var why: String
}

public enum ImportFile {
    /// The file's identity for the import journal.
    public static func sha256(_ data: Data) -> String { SHA256.hash(data: data).hexString }

    /// The rows of `data`: each non-blank JSON Lines line as it is, each CSV record turned into the
    /// JSON object of its kind (`ImportColumns`). Throws when the file cannot be read at all.
    public static func lines(_ data: Data, format: ImportFormat, kind: ImportKind) throws(ImportFileError) -> [ImportLine] {
        guard let text = String(data: data, encoding: .utf8) else { throw ImportFileError("the file is not UTF-8 text") }
        switch format {
        case .jsonl:
            var lines: [ImportLine] = []
            var number = 0
            for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
                number += 1
                // `\r\n` is one Character, so a CRLF file splits per line as well.
                var trimmed = line.trimmingBlanks
                if number == 1, trimmed.first == "\u{FEFF}" { trimmed = trimmed.dropFirst().trimmingBlanks }
                guard !trimmed.isEmpty else { continue }
                lines.append(ImportLine(number: number, json: .success(String(trimmed))))
            }
            return lines
        case .csv:
            let records: [CSVRecords.Record]
            do { records = try CSVRecords.parse(text) } catch { throw ImportFileError("line \(error.line): \(error.why)") }
            guard let header = records.first else { return [] }
            let columns = try ImportColumns(header.fields, kind: kind)
            return records.dropFirst().map { record in
                ImportLine(number: record.line, json: Result { () throws(ImportLineError) in try columns.json(record.fields) })
            }
        }
    }
}
