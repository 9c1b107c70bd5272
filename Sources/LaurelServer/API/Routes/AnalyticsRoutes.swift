import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// The dashboard's figures (read scope; member tokens are refused: these are the program's
/// numbers, not a member's). `dashboard` answers every section in one call and one snapshot; the
/// other routes one section each. Definitions of every figure: docs/api.md, Analytics.
struct AnalyticsRoutes {
    let store: any LaurelStore
    let clock: any WallClock

    func register(_ api: APIRouter) {
        api.add(.get, "/v1/analytics/dashboard", scope: .read, member: .refused) { request in
            try await respond(request, sections: Set(AnalyticsSection.allCases))
        }
        for section in AnalyticsSection.allCases {
            api.add(.get, "/v1/analytics/\(section.rawValue)", scope: .read, member: .refused) { request in
                try await respond(request, sections: [section])
            }
        }
    }

    private func respond(_ request: APIRequest, sections: Set<AnalyticsSection>) async throws -> Response {
        let report = try await Self.report(store: store, programId: request.programId, from: request.query("from"), to: request.query("to"),
                                           now: clock.now(), sections: sections)
        return APIJSON.response(.ok, try APIJSON.encode(report))
    }

    /// The report for `from` … `to` (ISO dates in the program's time zone), or the problem to answer.
    static func report(store: any LaurelStore, programId: String, from: String?, to: String?, now: Date,
                       sections: Set<AnalyticsSection>) async throws -> AnalyticsReport {
        guard let version = try await store.programVersion(programId: programId, version: nil) else {
            throw Problem(.conflict, "program_not_configured", "program \(programId) has no definition yet; apply one first")
        }
        let program = version.definition
        let period: AnalyticsPeriod
        do {
            period = try AnalyticsPeriod(from: from, to: to, timeZone: program.calendar.timeZone, now: now)
        } catch {
            throw Problem(.badRequest, "invalid_request", error.description, field: error.field)
        }
        do {
            return try await report(store: store, programId: programId, program: program, period: period, sections: sections)
        } catch is AnalyticsReport.LiabilityOutOfRange {
            throw Problem(.unprocessableContent, "out_of_range", "the outstanding points' money value exceeds what Laurel can represent")
        }
    }

    /// The report of `period` for `program`, the version the caller read (the console's dashboard
    /// reads it and the period once, for its form too). Throws `AnalyticsReport.LiabilityOutOfRange`
    /// when the outstanding points' money value is out of Laurel's bounds.
    static func report(store: any LaurelStore, programId: String, program: ProgramDefinition, period: AnalyticsPeriod,
                       sections: Set<AnalyticsSection>) async throws -> AnalyticsReport {
        let figures = try await store.analytics(programId: programId, period: period, sections: sections)
        let catalogue = sections.contains(.rewards) ? try await store.rewards(programId: programId) : []
        return try AnalyticsReport(period: period, program: program, catalogue: catalogue, figures: figures)
    }
}
