import Foundation

/// RFC 4180 CSV for `laurel import`: comma-separated, fields in double quotes may hold commas,
/// line breaks and doubled quotes (`""`). A UTF-8 byte order mark is skipped, CRLF and LF both end
/// a record, blank lines are skipped. Each record carries the line it starts on, for the report.
public enum CSVRecords {
    public struct Record: Sendable, Equatable {
        public var line: Int
        public var fields: [String]
    }

    public struct Malformed: Error, Sendable, Equatable {
        public var line: Int
        public var why: String
        public init(line: Int, why: String) {
            self.line = line
            self.why = why
        }
    }

    /// The records of `text`, or the first place where it is not CSV (an unclosed quote, text right after a closing quote).
    public static func parse(_ text: String) throws(Malformed) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1, recordLine = 1
        var quoted = false, wasQuoted = false, afterQuote = false
        var bytes = Array(text.utf8)[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            wasQuoted = false
            afterQuote = false
        }
        func endRecord() {
            endField()
            // A line with nothing on it is not a record.
            if !(fields.count == 1 && fields[0].isEmpty) { records.append(Record(line: recordLine, fields: fields)) }
            fields.removeAll(keepingCapacity: true)
        }
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            index += 1
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if index < bytes.endIndex && bytes[index] == UInt8(ascii: "\"") {
                        field.append(byte)
                        index += 1
                    } else {
                        quoted = false
                        afterQuote = true
                    }
                } else {
                    if byte == UInt8(ascii: "\n") { line += 1 }
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: ","):
                endField()
            case UInt8(ascii: "\r") where index < bytes.endIndex && bytes[index] == UInt8(ascii: "\n"):
                continue
            case UInt8(ascii: "\n"):
                endRecord()
                line += 1
                recordLine = line
            case UInt8(ascii: "\""):
                guard field.isEmpty && !wasQuoted else { throw Malformed(line: line, why: "a quote inside an unquoted field (quote the whole field and double the quote)") }
                quoted = true
                wasQuoted = true
            default:
                guard !afterQuote else { throw Malformed(line: line, why: "text after a closing quote (double a quote inside a quoted field)") }
                field.append(byte)
            }
        }
        guard !quoted else { throw Malformed(line: recordLine, why: "a quoted field is not closed") }
        if !field.isEmpty || !fields.isEmpty || wasQuoted { endRecord() }
        return records
    }
}
