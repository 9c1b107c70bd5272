/// One field of a CSV row (RFC 4180), for every CSV Laurel writes: exports, journal entries,
/// the reconciliation report.
public enum CSVField {
    /// `text` quoted when it holds a comma, a quote, a line break or leading or trailing spaces,
    /// with its quotes doubled; as it is otherwise.
    public static func quoted(_ text: String) -> String {
        let needsQuotes = text.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }
            || text.first == " " || text.last == " "
        guard needsQuotes else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Text from outside (an external id, a name) in a report meant for a spreadsheet: one that
    /// starts as a formula would (`=`, `+`, `-`, `@`, tab, carriage return) gets a leading `'`, so a
    /// spreadsheet shows it instead of running it. Not for exports, which must read back unchanged.
    public static func forSpreadsheet(_ text: String) -> String {
        guard let first = text.first, "=+-@\t\r".contains(first) else { return quoted(text) }
        return quoted("'" + text)
    }
}
