import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// The audit trail of admin and staff actions: listed, never changed (there is no route that could).
struct AuditRoutes {
    let store: any LaurelStore

    func register(_ api: APIRouter) {
        api.add(.get, "/v1/audit", scope: .admin, member: .refused) { request in
            let filter = try Self.filter(request)
            let cursor = try request.sequenceCursor(prefix: AuditEntry.idPrefix, naming: "an audit entry id")
            let page = try await store.auditEntries(programId: request.programId, filter: filter, limit: try request.limit(), startingAfter: cursor)
            let data = page.items.map(AuditEntryView.init)
            return APIJSON.response(.ok, try APIJSON.encode(ListView(data: data, hasMore: page.hasMore, nextCursor: page.hasMore ? data.last?.entry.id : nil)))
        }
    }

    /// `actor`, `action`, `target_type`, `target_id`, and the time range `from` (inclusive) to `until` (exclusive).
    static func filter(_ request: APIRequest) throws -> AuditFilter {
        var filter = AuditFilter()
        filter.actor = try text(request, "actor")
        filter.targetType = try text(request, "target_type")
        filter.targetId = try text(request, "target_id")
        if let action = request.query("action") {
            guard AuditAction(rawValue: action) != nil else {
                throw Problem(.badRequest, "invalid_request", "action must be one of \(AuditAction.allCases.map(\.rawValue).joined(separator: ", "))",
                              field: "action")
            }
            filter.action = action
        }
        filter.from = try request.timestamp("from")
        filter.until = try request.timestamp("until")
        return filter
    }

    private static func text(_ request: APIRequest, _ name: String) throws -> String? {
        guard let value = request.query(name) else { return nil }
        // Counted in code points, as the OpenAPI document's maxLength counts them.
        guard (1...255).contains(value.unicodeScalars.count) else {
            throw Problem(.badRequest, "invalid_request", "\(name) must be 1 to 255 characters", field: name)
        }
        return value
    }
}
