import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// The audit trail, newest first: who did what to which object, filtered by actor, action, object
/// and a range of days in the program's time zone (the store query of `GET /v1/audit`).
struct AuditPages {
    let store: any LaurelStore
    static let pageSize = 50

    func register(_ console: ConsoleRouter) {
        console.add(.get, "/admin/audit", role: .manager) { request in
            let locale = request.locale
            let zone = try await store.programVersion(programId: request.programId, version: nil)?.definition.calendar.timeZone ?? .gmt
            let typed = Self.fields.reduce(into: [String: String]()) { fields, name in
                fields[name] = request.query(name)?.trimmingCharacters(in: .whitespaces) ?? ""
            }
            var errors = FormErrors()
            let filter = Self.filter(typed, zone: zone, errors: &errors, locale: locale)
            var page: [String: Any] = typed
            page["actions"] = [["value": "", "label": locale["console_audit_any_action"], "selected": typed["action", default: ""].isEmpty]]
                + AuditAction.allCases.map { ["value": $0.rawValue, "label": $0.rawValue, "selected": typed["action"] == $0.rawValue] }
            page["filtered"] = typed.values.contains { !$0.isEmpty }
            guard errors.isEmpty else {
                page.merge(errors.context) { _, new in new }
                return try await ConsolePages.render("console-audit", request, title: locale["console_nav_audit"], section: .audit, page: page,
                                                     status: .badRequest)
            }
            let cursor = request.query("before").flatMap { APIRequest.sequence($0[...]) }
            let result = try await store.auditEntries(programId: request.programId, filter: filter, limit: Self.pageSize, startingAfter: cursor)
            page["entries"] = result.items.map { entry -> [String: Any] in
                ["date": locale.dateTime(entry.createdAt, timeZone: zone), "actor": entry.actor, "action": entry.action,
                 "target": "\(entry.targetType) \(entry.targetId)", "after": entry.after ?? ""]
            }
            page["has_entries"] = !result.items.isEmpty
            if result.hasMore, let last = result.items.last {
                let kept = Self.fields.compactMap { name in typed[name].flatMap { $0.isEmpty ? nil : "\(name)=\(ConsolePages.percentEncoded($0))" } }
                page["older"] = "/admin/audit?" + (kept + ["before=\(last.sequence)"]).joined(separator: "&")
            }
            return try await ConsolePages.render("console-audit", request, title: locale["console_nav_audit"], section: .audit, page: page)
        }
    }

    /// The filter form's fields, as the query names them.
    static let fields = ["actor", "action", "target_type", "target_id", "from", "to"]

    /// The store's filter from the form: texts up to 255 characters as the API takes them, a
    /// known action, and days (`from` from its start, `to` to its end) in the program's zone.
    static func filter(_ typed: [String: String], zone: TimeZone, errors: inout FormErrors, locale: WebLocale) -> AuditFilter {
        var filter = AuditFilter()
        func text(_ name: String) -> String? {
            guard let value = typed[name], !value.isEmpty else { return nil }
            guard value.unicodeScalars.count <= 255 else {
                errors.add(name, locale["console_audit_too_long"])
                return nil
            }
            return value
        }
        filter.actor = text("actor")
        filter.targetType = text("target_type")
        filter.targetId = text("target_id")
        if let action = text("action") {
            if AuditAction(rawValue: action) == nil { errors.add("action", locale["console_audit_unknown_action"]) } else { filter.action = action }
        }
        func day(_ name: String) -> Date? {
            guard let value = text(name) else { return nil }
            guard let start = Timestamps.parseDay(value, in: zone) else {
                errors.add(name, locale["console_dashboard_not_a_date"])
                return nil
            }
            return start
        }
        filter.from = day("from")
        if let start = day("to") {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            filter.until = calendar.date(byAdding: .day, value: 1, to: start)
        }
        if let from = filter.from, let until = filter.until, from >= until {
            errors.add("from", locale["console_dashboard_from_after_to"])
        }
        return filter
    }
}
