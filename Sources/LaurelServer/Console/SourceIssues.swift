import LaurelCore

/// Validation problems of a YAML or JSON text typed into a console text area (the program editor,
/// a reward's definition), for its template: the summary at the top linking to the text area,
/// and `listing`, the text again numbered around each problem, with the problem under its line.
enum SourceIssues {
    static func fields(_ issues: [ValidationIssue], source: String, field: String, locale: WebLocale) -> [String: Any] {
        let located = issues.map { issue -> (line: Int?, text: String) in
            (ProgramSourceLines.line(of: issue.path, in: source), issue.path.isEmpty ? issue.message : "\(issue.path): \(issue.message)")
        }
        var errors = FormErrors()
        for (index, issue) in located.enumerated() {
            let message = issue.line.map { locale.text("console_editor_issue_line", ["line": String($0), "issue": issue.text]) } ?? issue.text
            errors.add("\(field)-\(index)", message)
        }
        var page = errors.context
        // The summary's links go to the text area.
        page["errors"] = errors.isEmpty ? nil : located.map { issue in
            ["field": field, "message": issue.line.map { locale.text("console_editor_issue_line", ["line": String($0), "issue": issue.text]) } ?? issue.text]
        }
        // The source again, numbered, with each problem under its line.
        let byLine = Dictionary(grouping: located.filter { $0.line != nil }, by: { $0.line ?? 0 })
        if !issues.isEmpty {
            page["listing"] = source.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { offset, text -> [String: Any]? in
                let number = offset + 1
                let problems = byLine[number]?.map(\.text) ?? []
                // Only the lines around problems: a long file stays readable.
                guard byLine.keys.contains(where: { abs($0 - number) <= 2 }) else { return nil }
                return ["number": number, "text": String(text), "problems": problems, "has_problems": !problems.isEmpty]
            }
        }
        page["has_errors"] = !issues.isEmpty
        return page
    }
}
