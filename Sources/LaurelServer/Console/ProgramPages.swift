import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// The overview (the program in plain language), the program page with its versions, and the
/// editor: the YAML in a text area, checked on submit with every problem shown on its line, a
/// diff against the live version, then applied (manager and up).
struct ProgramPages {
    let store: any LaurelStore
    let clock: any WallClock

    func register(_ console: ConsoleRouter) {
        console.add(.get, "/admin", role: .support) { request in
            let locale = request.locale
            var page: [String: Any] = [:]
            if let version = try await store.programVersion(programId: request.programId, version: nil) {
                page["summary"] = Self.summary(version.definition, locale: locale)
                page["version"] = locale.text("console_program_version", ["version": String(version.version),
                                                                            "date": locale.date(version.createdAt, timeZone: version.definition.calendar.timeZone)])
            }
            return try await ConsolePages.render("console-overview", request, title: locale["console_nav_overview"], section: .overview, page: page)
        }

        console.add(.get, "/admin/program", role: .support) { request in
            let locale = request.locale
            let versions = try await store.programVersions(programId: request.programId)
            let zone = versions.last?.definition.calendar.timeZone ?? .gmt
            var page: [String: Any] = [
                "versions": versions.reversed().map { version -> [String: Any] in
                    ["version": version.version, "date": locale.dateTime(version.createdAt, timeZone: zone), "name": version.definition.name]
                },
                "can_edit": request.staff.role >= .manager,
            ]
            if let current = versions.last { page["summary"] = Self.summary(current.definition, locale: locale) }
            return try await ConsolePages.render("console-program", request, title: locale["console_program_title"], section: .program, page: page)
        }

        console.add(.get, "/admin/program/edit", role: .manager) { request in
            let current = try await store.programVersion(programId: request.programId, version: nil)
            return try await editor(request, source: current?.source ?? "", baseVersion: current?.version ?? 0, issues: [], status: .ok)
        }

        console.add(.post, "/admin/program/edit", role: .manager) { request in
            try await submit(request)
        }
    }

    private func submit(_ request: ConsoleRequest) async throws -> Response {
        let locale = request.locale
        let source = (request.form["source"] ?? "").replacingOccurrences(of: "\r\n", with: "\n")
        let baseVersion = Int(request.form["base_version"] ?? "") ?? 0
        // "Back to editing" from the diff: the text as it was, nothing checked.
        if request.form["step"] == "edit" { return try await editor(request, source: source, baseVersion: baseVersion, issues: [], status: .ok) }
        let definition: ProgramDefinition
        do {
            guard !source.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw ProgramValidationError(issues: [ValidationIssue(path: "", message: locale["console_editor_empty"])])
            }
            definition = try ProgramDefinition.parse(source)
        } catch let error as ProgramValidationError {
            return try await editor(request, source: source, baseVersion: baseVersion, issues: error.issues, status: .unprocessableContent)
        }
        let current = try await store.programVersion(programId: request.programId, version: nil)
        // Someone else applied a version since this edit began: show their change rather than overwrite it.
        guard (current?.version ?? 0) == baseVersion else {
            let issue = ValidationIssue(path: "", message: locale.text("console_editor_conflict", ["version": String(current?.version ?? 0)]))
            return try await editor(request, source: source, baseVersion: baseVersion, issues: [issue], status: .conflict)
        }
        guard let key = MemberActions.confirmedKey(request.form) else {
            let diff = LineDiff.lines(from: current?.source ?? "", to: source)
            let page: [String: Any] = [
                "source": source, "base_version": baseVersion, "confirmation": Identifiers.secret("cfm"),
                "next_version": locale.text("console_editor_apply", ["version": String(baseVersion + 1)]),
                "changes": LineDiff.changes(diff),
                "diff": diff.map { ["kind": $0.kind.rawValue, "text": $0.text, "mark": $0.kind == .added ? "+" : $0.kind == .removed ? "−" : " ",
                                    "old": $0.oldNumber.map(String.init) ?? "", "new": $0.newNumber.map(String.init) ?? ""] },
            ]
            return try await ConsolePages.render("console-program-diff", request, title: locale["console_editor_diff_title"], section: .program, page: page)
        }
        _ = try await store.applyProgram(id: request.programId, definition: definition, source: source, now: clock.now(),
                                         idempotency: MemberActions.idempotency(key: key, fields: ["source": source, "base": String(baseVersion)]))
        return WebResponse.redirect(to: "/admin/program?flash=console_flash_program_applied")
    }

    private func editor(_ request: ConsoleRequest, source: String, baseVersion: Int, issues: [ValidationIssue],
                        status: HTTPResponse.Status) async throws -> Response {
        let locale = request.locale
        var page = SourceIssues.fields(issues, source: source, field: "source", locale: locale)
        page["source"] = source
        page["base_version"] = baseVersion
        page["has_errors"] = !issues.isEmpty
        return try await ConsolePages.render("console-program-edit", request, title: locale["console_editor_title"], section: .program, page: page,
                                             status: status)
    }

    /// The plain-language summary in the page's language, as sections for the template.
    static func summary(_ definition: ProgramDefinition, locale: WebLocale) -> [[String: Any]] {
        ProgramSummary.make(definition, language: SummaryLanguage(rawValue: locale.code) ?? .en).sections.map { ["title": $0.title, "lines": $0.lines] }
    }
}
