import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

extension PortalRoutes {
    /// The rewards catalogue as the member sees it: what they can redeem now first, then the rest
    /// with why not yet (members-only and "coming soon" marked), from the same reading as the API's
    /// `GET /v1/members/{id}/rewards`.
    func cataloguePage(_ portal: PortalRequest) async throws -> Response {
        let entries = try await MemberCatalogueReader.entries(store: store, programId: portal.program.id, memberId: portal.member.id, now: portal.now).entries
        func order(_ entry: MemberCatalogueReader.Entry) -> (Int, Int, Int, String) {
            (entry.redeemable ? 0 : 1, entry.record.reward.featured ? 0 : 1, entry.cost, entry.record.reward.id)
        }
        let summary = try await store.pointsSummary(programId: portal.program.id, memberId: portal.member.id, now: portal.now, expiringWithin: 0)
        let items = entries.sorted { order($0) < order($1) }.map { item($0, portal) }
        let available = items.filter { $0["redeemable"] as? Bool == true }, later = items.filter { $0["redeemable"] as? Bool != true }
        let fields: [String: Any] = [
            "balance_line": portal.locale.text("portal_rewards_balance", ["points": portal.locale.number(summary.available)], count: summary.available),
            "available": available, "has_available": !available.isEmpty, "later": later, "has_later": !later.isEmpty,
        ]
        return try WebResponse.page("portal-rewards", portal.page.titled(portal.locale["portal_rewards_title"]).context(fields))
    }

    /// One reward of the catalogue for the templates.
    func item(_ entry: MemberCatalogueReader.Entry, _ portal: PortalRequest) -> [String: Any] {
        let reward = entry.record.reward, locale = portal.locale, definition = portal.program.definition
        var item: [String: Any] = [
            "name": reward.names.text(for: locale.code, fallback: reward.name),
            "cost": Self.costText(reward, cost: entry.cost, locale),
            "redeemable": entry.redeemable,
            "featured": reward.featured,
            "redeem_url": portal.program.path("/rewards/\(Self.pathSegment(reward.id))/redeem"),
        ]
        if let description = reward.description { item["description"] = reward.descriptions.text(for: locale.code, fallback: description) }
        if let image = reward.images.first, Branding.isLogoURL(image) { item["image"] = image }
        let tiers = reward.tiers.compactMap { id in definition.tiers?.level(id).map { $0.names.text(for: locale.code, fallback: $0.name) } }
        let clubs = reward.clubs.compactMap { id in definition.club(id).map { $0.names.text(for: locale.code, fallback: $0.name) } }
        if !tiers.isEmpty || !clubs.isEmpty || !reward.segments.isEmpty || !reward.conditions.isEmpty {
            item["members_only"] = tiers.isEmpty && clubs.isEmpty ? locale["portal_badge_members_only"]
                : locale.text("portal_badge_members_of", ["names": (tiers + clubs).joined(separator: ", ")])
        }
        for refusal in entry.refusals {
            if case .notYetAvailable(let opensAt) = refusal {
                item["coming_soon"] = locale.text("portal_badge_coming_soon", ["date": locale.date(opensAt, timeZone: portal.program.timeZone)])
            }
        }
        item["reasons"] = entry.refusals.map { Self.refusalText($0, locale, timeZone: portal.program.timeZone) }
        return item
    }

    /// "500 points", or for paying with points "from 100 points".
    static func costText(_ reward: Reward, cost: Int, _ locale: WebLocale) -> String {
        if case .pointsToMoney(let minimum, _) = reward.kind {
            return locale.text("portal_cost_from", ["points": locale.number(minimum)])
        }
        return locale.text("portal_points_count", ["points": locale.number(cost)], count: cost)
    }

    /// Why the member cannot redeem it yet, in their language.
    static func refusalText(_ refusal: RedemptionRefusal, _ locale: WebLocale, timeZone: TimeZone) -> String {
        switch refusal {
        case .insufficientPoints:
            return locale.text("portal_refusal_insufficient_points", ["points": locale.number(refusal.missingPoints ?? 0)], count: refusal.missingPoints ?? 0)
        case .notYetAvailable(let opensAt):
            return locale.text("portal_refusal_not_yet_available", ["date": locale.date(opensAt, timeZone: timeZone)])
        case .noLongerAvailable(let endedAt):
            return locale.text("portal_refusal_no_longer_available", ["date": locale.date(endedAt, timeZone: timeZone)])
        default:
            return locale["portal_refusal_\(refusal.code)"]
        }
    }

    /// A reward id as one URL path segment (ids are letters, digits, - and _, so this only guards).
    static func pathSegment(_ id: String) -> String { id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? id }
}
