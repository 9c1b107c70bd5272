import Crypto
import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

extension PortalRoutes {
    /// The confirmation step: what the reward costs and the balance before and after, with one
    /// button. A reward the member cannot redeem shows why instead. Paying with points asks how many.
    func confirmationPage(_ portal: PortalRequest) async throws -> Response {
        try await confirmation(portal, points: portal.request.uri.queryParameters.get("points").flatMap { Int($0) })
    }

    /// Redeems for the session's member, then redirects to their redemptions. The form's one-time
    /// token makes a second submission (a double click, a resent form) replay the first instead of
    /// redeeming twice.
    func redeem(_ portal: PortalRequest) async throws -> Response {
        let locale = portal.locale
        let points = portal.form.text("points").flatMap { Int($0) }
        guard let rewardId = portal.context.parameters.get("reward"),
              let idempotency = portal.oneTimeForm(fingerprint: SHA256.hash(data: Data("portal redeem \(rewardId) \(points.map(String.init) ?? "-")".utf8)).hexString,
                                                   id: { (redemption: RedemptionRecord) in redemption.id }) else {
            return try notFound(portal.request, program: portal.program, locale: locale)
        }
        let redemptionId: String
        do {
            redemptionId = try await store.redeem(programId: portal.program.id, id: Identifiers.make("rdm", now: portal.now), memberId: portal.member.id,
                                                  rewardId: rewardId, points: points, now: portal.now, apiKeyId: nil, idempotency: idempotency).madeId(\.id)
        } catch LoyaltyError.refused(let refusal) {
            return try await confirmation(portal, points: points, refusal: Self.refusalText(refusal, locale, timeZone: portal.program.timeZone))
        } catch is FraudRefusal {
            return try await confirmation(portal, points: points, refusal: locale["portal_refusal_velocity_cap"])
        } catch StoreError.notFound {
            return try notFound(portal.request, program: portal.program, locale: locale)
        } catch StoreError.idempotencyKeyReused {
            return WebResponse.refusal(.conflict, locale["portal_form_expired"])
        }
        return WebResponse.redirect(to: portal.program.path("/redemptions?redeemed=\(redemptionId)"))
    }

    private func confirmation(_ portal: PortalRequest, points: Int?, refusal: String? = nil) async throws -> Response {
        let locale = portal.locale
        let entries = try await MemberCatalogueReader.entries(store: store, programId: portal.program.id, memberId: portal.member.id, now: portal.now).entries
        // Only a reward the member can see: anything else is not found, as in the API.
        guard let rewardId = portal.context.parameters.get("reward"), let entry = entries.first(where: { $0.record.reward.id == rewardId }) else {
            return try notFound(portal.request, program: portal.program, locale: locale)
        }
        let reward = entry.record.reward
        let available = try await store.pointsSummary(programId: portal.program.id, memberId: portal.member.id, now: portal.now, expiringWithin: 0).available
        let name = reward.names.text(for: locale.code, fallback: reward.name)
        var fields: [String: Any] = ["reward": item(entry, portal), "back": portal.program.path("/rewards"),
                                     "action": portal.program.path("/rewards/\(Self.pathSegment(reward.id))/redeem"),
                                     "token": Identifiers.secret("redeem")]
        var cost: Int? = entry.cost
        if case .pointsToMoney(let minimum, let step) = reward.kind {
            let chosen = points ?? minimum
            fields["choose_points"] = ["value": String(chosen), "min": String(minimum), "step": String(step),
                                       "hint": locale.text("portal_redeem_points_hint", ["min": locale.number(minimum), "step": locale.number(step)])]
            switch RedemptionCheck(program: portal.program.definition).cost(of: reward, points: chosen) {
            case .success(let points): cost = points; fields["points"] = String(points)
            case .failure: cost = nil; fields["error"] = locale.text("portal_redeem_points_hint", ["min": locale.number(minimum), "step": locale.number(step)])
            }
        }
        // Only a lack of points may be solved by the amount chosen; any other reason stops here.
        let blocking = entry.refusals.filter { if case .insufficientPoints = $0 { false } else { true } }
        if let refusal {
            fields["error"] = refusal
        } else if let reason = blocking.first {
            fields["error"] = Self.refusalText(reason, locale, timeZone: portal.program.timeZone)
        }
        if let cost, cost > available, fields["error"] == nil {
            fields["error"] = locale.text("portal_refusal_insufficient_points", ["points": locale.number(cost - available)], count: cost - available)
        }
        if let cost {
            fields["question"] = locale.text("portal_redeem_question", ["reward": name, "points": locale.number(cost)], count: cost)
            fields["balance_change"] = locale.text("portal_redeem_balance_change", ["before": locale.number(available),
                                                                                    "after": locale.number(available - cost)])
        }
        fields["can_redeem"] = fields["error"] == nil && cost != nil
        let status: HTTPResponse.Status = refusal == nil ? .ok : .unprocessableContent
        return try WebResponse.page("portal-redeem", portal.page.titled(locale.text("portal_redeem_title", ["reward": name])).context(fields), status: status)
    }
}
