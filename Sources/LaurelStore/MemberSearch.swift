/// The console's member search as index ranges: a prefix `p` is every text from `p` up to, but not
/// including, `p` followed by the highest code point (byte order on both databases). The search
/// reads these ranges of `members_by_email` and `members_by_name` first and scans the program's
/// members for the text elsewhere only when they leave room (`LaurelStore.searchMembers`).
enum MemberSearch {
    /// The lowercased prefix and the text just past every text that starts with it. Only ASCII
    /// letters are lowered, as SQLite's `lower()` does, so both sides of the comparison agree.
    static func range(_ query: String) -> (low: String, high: String) {
        let low = String(String.UnicodeScalarView(query.unicodeScalars.map { scalar in
            (65...90).contains(scalar.value) ? Unicode.Scalar(scalar.value + 32)! : scalar
        }))
        return (low, low + "\u{10FFFF}")
    }
}
