/// A form's problems, shown twice as GOV.UK does: summarised at the top (each linking to its
/// field) and next to the field itself (`<field>_error` in the page's context).
struct FormErrors {
    private(set) var items: [(field: String, message: String)] = []

    var isEmpty: Bool { items.isEmpty }

    mutating func add(_ field: String, _ message: String) {
        if !items.contains(where: { $0.field == field }) { items.append((field, message)) }
    }

    /// The summary (`errors`) and each field's message, for a template.
    var context: [String: Any] {
        guard !items.isEmpty else { return [:] }
        var context: [String: Any] = ["errors": items.map { ["field": $0.field, "message": $0.message] }, "has_errors": true]
        for item in items { context["\(item.field)_error"] = item.message }
        return context
    }
}
