import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

extension PortalRoutes {
    /// My codes and redemptions, newest first: the code to show at the till or type at checkout,
    /// its value, status and expiry. Lists only the session's member's redemptions.
    func redemptionsPage(_ portal: PortalRequest) async throws -> Response {
        let locale = portal.locale
        let page = try await store.redemptions(programId: portal.program.id, memberId: portal.member.id, limit: 100, startingAfter: nil, now: portal.now)
        let names = try await rewardNames(portal.program.id, locale)
        let just = portal.request.uri.queryParameters.get("redeemed").map { String($0) }
        let items = page.items.map { item($0, names: names, just: just, portal) }
        var fields: [String: Any] = ["redemptions": items, "has_redemptions": !items.isEmpty]
        if let record = page.items.first(where: { $0.id == just }) {
            fields["flash"] = locale.text("portal_redeemed_flash", ["reward": names[record.rewardId] ?? record.rewardId])
        }
        return try WebResponse.page("portal-redemptions", portal.page.titled(locale["portal_redemptions_title"]).context(fields))
    }

    /// One redemption of the session's member; another member's (or an unknown id) is not found.
    func redemptionPage(_ portal: PortalRequest) async throws -> Response {
        guard let id = portal.context.parameters.get("redemption"),
              let record = try await store.redemption(programId: portal.program.id, id: id, now: portal.now), record.memberId == portal.member.id else {
            return try notFound(portal.request, program: portal.program, locale: portal.locale)
        }
        let names = try await rewardNames(portal.program.id, portal.locale)
        let fields: [String: Any] = ["redemptions": [item(record, names: names, just: nil, portal)], "has_redemptions": true,
                                     "single": true]
        return try WebResponse.page("portal-redemptions", portal.page.titled(names[record.rewardId] ?? record.rewardId).context(fields))
    }

    private func item(_ record: RedemptionRecord, names: [String: String], just: String?, _ portal: PortalRequest) -> [String: Any] {
        let locale = portal.locale, zone = portal.program.timeZone
        var item: [String: Any] = [
            "id": record.id,
            "reward": names[record.rewardId] ?? record.rewardId,
            "status": locale["portal_status_\(record.status.rawValue)"],
            "status_class": record.status.rawValue,
            "date": locale.date(record.createdAt, timeZone: zone),
            "points": record.points > 0 ? locale.text("portal_points_count", ["points": locale.number(record.points)], count: record.points) : locale["portal_redemption_gift"],
            "just_redeemed": record.id == just,
        ]
        if let code = record.code, record.status == .issued { item["code"] = code }
        if let value = record.value {
            item["value"] = locale.money(Decimal(string: value.description) ?? 0, currency: portal.program.definition.currency)
        }
        if let activeFrom = record.activeFrom, record.status == .issued, portal.now < activeFrom {
            item["active_from"] = locale.text("portal_redemption_active_from", ["date": locale.date(activeFrom, timeZone: zone)])
        }
        if let expiresAt = record.expiresAt, record.status == .issued {
            item["expires"] = locale.text("portal_redemption_expires", ["date": locale.date(expiresAt, timeZone: zone)])
        }
        return item
    }
}
