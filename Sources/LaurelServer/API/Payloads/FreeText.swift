/// Free-text fields such as a reason: 1 to `maximum` code points (as JSON Schema's `maxLength` counts)
/// with at least one character other than a space, tab or line break (the OpenAPI document's pattern
/// `[^ \t\n\r]`), kept without those at either end.
enum FreeText {
    static let blanks: Set<Unicode.Scalar> = [" ", "\t", "\n", "\r"]

    static func read(_ text: String, field: String, maximum: Int = 500) throws -> String {
        let scalars = text.unicodeScalars
        guard scalars.count <= maximum, let first = scalars.firstIndex(where: { !blanks.contains($0) }),
              let last = scalars.lastIndex(where: { !blanks.contains($0) }) else {
            throw Problem.invalid(field, "\(field) must be 1 to \(maximum) characters, not only spaces")
        }
        return String(Substring(scalars[first...last]))
    }
}
