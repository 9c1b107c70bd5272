import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// The audit trail, newest first: who did what to which object (the store query of `GET /v1/audit`).
struct AuditPages {
    let store: any LaurelStore
    static let pageSize = 50

    func register(_ console: ConsoleRouter) {
        console.add(.get, "/admin/audit", role: .manager) { request in
            let locale = request.locale
            let cursor = request.query("before").flatMap { APIRequest.sequence($0[...]) }
            let page = try await store.auditEntries(programId: request.programId, filter: AuditFilter(), limit: Self.pageSize, startingAfter: cursor)
            let zone = try await store.programVersion(programId: request.programId, version: nil)?.definition.calendar.timeZone ?? .gmt
            var fields: [String: Any] = [
                "entries": page.items.map { entry -> [String: Any] in
                    ["date": locale.dateTime(entry.createdAt, timeZone: zone), "actor": entry.actor, "action": entry.action,
                     "target": "\(entry.targetType) \(entry.targetId)", "after": entry.after ?? ""]
                },
                "has_entries": !page.items.isEmpty,
            ]
            if page.hasMore, let last = page.items.last { fields["older"] = "/admin/audit?before=\(last.sequence)" }
            return try await ConsolePages.render("console-audit", request, title: locale["console_nav_audit"], section: .audit, page: fields)
        }
    }
}
