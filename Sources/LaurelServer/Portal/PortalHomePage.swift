import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

extension PortalRoutes {
    /// Home: the balance big at the top, pending and expiring points with their dates, the tier
    /// journey, the nearest reward, and the latest activity.
    func homePage(_ portal: PortalRequest) async throws -> Response {
        let locale = portal.locale, program = portal.program, zone = program.timeZone
        let summary = try await store.pointsSummary(programId: program.id, memberId: portal.member.id, now: portal.now,
                                                    expiringWithin: MemberRoutes.expiringWithin)
        let catalogue = try await MemberCatalogueReader.entries(store: store, programId: program.id, memberId: portal.member.id, now: portal.now).entries
        var fields: [String: Any] = [
            "greeting": portal.member.name.map { locale.text("portal_home_greeting", ["name": $0]) } ?? locale["portal_home_greeting_plain"],
            "balance": locale.number(summary.available),
            "pending": summary.pendingLots.map { lot in
                locale.text("portal_home_pending_line", ["points": locale.number(lot.points), "date": locale.date(lot.date, timeZone: zone)], count: lot.points)
            },
            "expiring": summary.expiring.map { lot in
                locale.text("portal_home_expiring_line", ["points": locale.number(lot.points), "date": locale.date(lot.date, timeZone: zone)], count: lot.points)
            },
            "redeemable_now": locale.text("portal_home_redeemable", ["count": locale.number(catalogue.filter(\.redeemable).count)]),
        ]
        let activity = try await activity(portal, limit: 5)
        fields["activity"] = activity
        fields["has_activity"] = !activity.isEmpty
        if let journey = PortalTierJourney(policy: program.definition.tiers, progress: summary.tier, locale: locale,
                                           currency: program.definition.currency, timeZone: zone) {
            fields["journey"] = journey.context
        }
        // The nearest reward the member cannot afford yet, and only for want of points.
        let within = catalogue.filter { entry in
            !entry.refusals.isEmpty && entry.refusals.allSatisfy { if case .insufficientPoints = $0 { true } else { false } }
        }
        if let next = within.min(by: { ($0.cost, $0.record.reward.id) < ($1.cost, $1.record.reward.id) }),
           let missing = next.refusals.compactMap(\.missingPoints).first {
            fields["next_reward"] = locale.text("portal_home_next_reward", ["points": locale.number(missing),
                                                                           "reward": next.record.reward.names.text(for: locale.code, fallback: next.record.reward.name)],
                                                   count: missing)
        }
        return try WebResponse.page("portal-home", portal.page.titled(locale["portal_home_title"]).context(fields))
    }
}
