import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// The dashboard for a chosen range of days: members, points issued / spent / expired per day,
/// outstanding points and their money value, redemption and breakage rates, tiers and their
/// movements, top and unredeemed rewards, members' repeat purchases. The figures are the report of
/// `GET /v1/analytics/dashboard` (`AnalyticsRoutes.report` of the program version and period the page read, one snapshot); every chart is drawn on
/// the server (`DashboardCharts`) with a table of the same numbers beside it.
struct DashboardPage {
    let store: any LaurelStore
    let clock: any WallClock

    static let path = "/admin/dashboard"

    func register(_ console: ConsoleRouter) {
        console.add(.get, Self.path, role: .support) { request in
            try await page(request)
        }
    }

    private func page(_ request: ConsoleRequest) async throws -> Response {
        let locale = request.locale
        let title = locale["console_nav_dashboard"]
        guard let version = try await store.programVersion(programId: request.programId, version: nil) else {
            return try await ConsolePages.render("console-dashboard", request, title: title, section: .dashboard, page: ["no_program": true])
        }
        let program = version.definition
        let zone = program.calendar.timeZone
        let now = clock.now()
        // Blank fields are the defaults (the 30 days ending today), as the API reads missing ones.
        let from = request.query("from").flatMap { $0.isEmpty ? nil : $0 }
        let to = request.query("to").flatMap { $0.isEmpty ? nil : $0 }
        var page: [String: Any] = ["presets": Self.presets(now: now, zone: zone, locale: locale, from: from, to: to)]
        let period: AnalyticsPeriod
        do {
            period = try AnalyticsPeriod(from: from, to: to, timeZone: zone, now: now)
        } catch {
            var errors = FormErrors()
            switch error {
            case .notADate(let field): errors.add(field, locale["console_dashboard_not_a_date"])
            case .fromAfterTo: errors.add("from", locale["console_dashboard_from_after_to"])
            case .tooLong: errors.add("from", locale.text("console_dashboard_too_long", ["days": locale.number(AnalyticsPeriod.maxDays)], count: AnalyticsPeriod.maxDays))
            }
            page.merge(errors.context) { _, new in new }
            page["from"] = from ?? ""
            page["to"] = to ?? ""
            return try await ConsolePages.render("console-dashboard", request, title: title, section: .dashboard, page: page,
                                                 status: .badRequest)
        }
        let report: AnalyticsReport
        do {
            report = try await AnalyticsRoutes.report(store: store, programId: request.programId, program: program, period: period,
                                                      sections: Set(AnalyticsSection.allCases))
        } catch is AnalyticsReport.LiabilityOutOfRange {
            page["report_problem"] = locale["console_dashboard_out_of_range"]
            return try await ConsolePages.render("console-dashboard", request, title: title, section: .dashboard, page: page,
                                                 status: .unprocessableContent)
        }
        page.merge(Self.fields(report, program: program, locale: locale)) { _, new in new }
        return try await ConsolePages.render("console-dashboard", request, title: title, section: .dashboard, page: page)
    }

    /// The quick ranges: the 30 and 90 days ending today, and this calendar year so far.
    static func presets(now: Date, zone: TimeZone, locale: WebLocale, from: String?, to: String?) -> [[String: Any]] {
        let today = LocalDays.day(now, zone)
        let todayLabel = AnalyticsPeriod.label(today)
        let (year, _, _) = Timestamps.civilFromDays(today)
        let ranges: [(key: String, from: Int)] = [
            ("console_dashboard_last_30", today - 29),
            ("console_dashboard_last_90", today - 89),
            ("console_dashboard_this_year", Timestamps.daysFromCivil(year: year, month: 1, day: 1)),
        ]
        return ranges.map { range in
            let start = AnalyticsPeriod.label(range.from)
            // The 30 days are also what an empty form shows.
            let current = (from == start && (to ?? todayLabel) == todayLabel) || (from == nil && to == nil && range.key == "console_dashboard_last_30")
            return ["label": locale[range.key], "href": "\(path)?from=\(start)&to=\(todayLabel)", "current": current]
        }
    }

    /// The template's fields for `report`: figures written for `locale`, charts as SVG, their tables.
    static func fields(_ report: AnalyticsReport, program: ProgramDefinition, locale: WebLocale) -> [String: Any] {
        var fields: [String: Any] = ["from": report.from, "to": report.to, "time_zone": report.timeZone,
                                     "range": locale.text("console_dashboard_range", ["from": report.from, "to": report.to, "zone": report.timeZone])]
        func percent(_ ratio: String?) -> String { ratio.flatMap { Decimal(string: $0) }.map { locale.percent($0) } ?? "—" }
        if let members = report.members {
            fields["members"] = ["total": locale.number(members.total), "new": locale.number(members.new), "active": locale.number(members.active),
                                 "active_label": locale.text("console_dashboard_members_active", ["days": String(members.activeDays)], count: members.activeDays)]
        }
        if let points = report.points {
            let outstanding = points.outstanding
            let movedDays = points.days.filter { $0.movements.issued != 0 || $0.movements.spent != 0 || $0.movements.expired != 0 }
            let liability = Decimal(string: outstanding.liability).map { locale.money($0, currency: outstanding.currency) } ?? outstanding.liability
            fields["points"] = [
                "issued": locale.number(points.totals.issued), "spent": locale.number(points.totals.spent),
                "expired": locale.number(points.totals.expired), "restored": locale.number(points.totals.restored),
                "outstanding": locale.number(outstanding.total), "available": locale.number(outstanding.available),
                "pending": locale.number(outstanding.pending), "debt": locale.number(outstanding.debt), "has_debt": outstanding.debt > 0,
                "liability": liability,
                "point_value": locale.text("console_dashboard_point_value", [
                    "value": Decimal(string: outstanding.pointValue).map { locale.money($0, currency: outstanding.currency) } ?? outstanding.pointValue,
                ]),
                "redemption_rate": percent(points.redemptionRate.value), "breakage_rate": percent(points.breakageRate.value),
                "chart": DashboardCharts.points(points, locale: locale).svg,
                // Only the days something moved: a year of empty rows says nothing.
                "days": movedDays.map { day in
                    ["date": day.date, "issued": locale.number(day.movements.issued), "spent": locale.number(day.movements.spent),
                     "expired": locale.number(day.movements.expired)]
                },
                "has_days": !movedDays.isEmpty,
            ] as [String: Any]
        }
        if let tiers = report.tiers {
            let names = Dictionary((program.tiers?.levels ?? []).map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
            func name(_ id: String?) -> String { id.map { names[$0] ?? $0 } ?? locale["console_member_no_tier"] }
            fields["tiers"] = [
                "chart": DashboardCharts.tiers(tiers, locale: locale).svg,
                "distribution": tiers.distribution.map { ["name": $0.name.value ?? name($0.tier.value), "members": locale.number($0.members)] },
                "movements": tiers.movements.map { move -> [String: Any] in
                    ["from": name(move.from.value), "to": name(move.to.value), "members": locale.number(move.members),
                     "direction": locale["console_dashboard_direction_\(move.direction)"]]
                },
                "has_movements": !tiers.movements.isEmpty,
                "upgrades": locale.number(tiers.upgrades), "downgrades": locale.number(tiers.downgrades),
            ] as [String: Any]
        }
        if let rewards = report.rewards {
            fields["rewards"] = [
                "redemptions": locale.number(rewards.redemptions), "points": locale.number(rewards.points),
                "chart": DashboardCharts.rewards(rewards, locale: locale).svg,
                "top": rewards.top.map { ["name": $0.name, "redemptions": locale.number($0.redemptions), "points": locale.number($0.points)] },
                "has_top": !rewards.top.isEmpty,
                "unredeemed": rewards.unredeemed.map { ["name": $0.name, "id": $0.rewardId] },
                "has_unredeemed": !rewards.unredeemed.isEmpty,
            ] as [String: Any]
        }
        if let purchases = report.purchases {
            fields["purchases"] = [
                "purchases": locale.number(purchases.purchases), "buyers": locale.number(purchases.buyers),
                "repeat_buyers": locale.number(purchases.repeatBuyers), "repeat_rate": percent(purchases.repeatRate.value),
            ]
        }
        return fields
    }
}
