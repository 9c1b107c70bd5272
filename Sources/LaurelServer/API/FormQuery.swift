import Foundation

/// Query parameters read as HTML forms and most HTTP clients encode them
/// (`application/x-www-form-urlencoded`): `+` is a space and `%2B` a plus. Hummingbird's
/// `queryParameters` leaves `+` as it is, so `?external_id=a+b` would not find member "a b".
enum FormQuery {
    /// The first value of `name` in the raw query string, decoded; "" for a name without `=`.
    /// A value with a broken percent escape is taken as it was sent.
    static func value(of name: String, in query: String?) -> String? {
        guard let query else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard decode(parts[0]) == name else { continue }
            return parts.count == 2 ? decode(parts[1]) : ""
        }
        return nil
    }

    /// One name or value of a form-encoded text, decoded.
    static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? String(text)
    }
}
