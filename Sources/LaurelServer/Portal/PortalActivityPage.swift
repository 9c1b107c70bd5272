import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

extension PortalRoutes {
    /// Recent activity, each movement of points with why it happened: for points an event earned,
    /// the explanation of every rule that gave them, as stored with the event; for a staff
    /// adjustment, its reason; for a redemption, the reward.
    func activityPage(_ portal: PortalRequest) async throws -> Response {
        let activity = try await activity(portal, limit: 50)
        let fields: [String: Any] = ["activity": activity, "has_activity": !activity.isEmpty]
        return try WebResponse.page("portal-activity", portal.page.titled(portal.locale["portal_activity_title"]).context(fields))
    }

    /// The member's latest `limit` ledger entries as the templates show them.
    func activity(_ portal: PortalRequest, limit: Int) async throws -> [[String: Any]] {
        let locale = portal.locale, programId = portal.program.id, memberId = portal.member.id
        let entries = try await store.ledger(programId: programId, memberId: memberId, limit: limit, startingAfter: nil).items
        var events: [String: EventRecord?] = [:]
        var rewardNames: [String: String]?
        var items: [[String: Any]] = []
        for record in entries {
            let entry = record.entry
            func change(_ account: LedgerAccount) -> Int { (entry.to == account ? entry.points : 0) - (entry.from == account ? entry.points : 0) }
            let net = change(.available(member: memberId)) + change(.pending(member: memberId))
            var item: [String: Any] = [
                "date": locale.date(record.createdAt, timeZone: portal.program.timeZone),
                "what": locale["portal_entry_\(entry.kind.rawValue)"],
                "points": net == 0 ? locale.number(entry.points) : (net > 0 ? "+" : "−") + locale.number(abs(net)),
                "direction": net > 0 ? "up" : net < 0 ? "down" : "same",
            ]
            var why: [String] = []
            if entry.sourceId.hasPrefix("evt_") {
                if events[entry.sourceId] == nil { events[entry.sourceId] = try await store.event(programId: programId, id: entry.sourceId) }
                if let event = events[entry.sourceId] ?? nil, event.memberId == memberId {
                    item["event"] = locale.text("portal_activity_event", ["type": Self.eventName(event.type, locale)])
                    if entry.kind == .earn {
                        why = event.outcome.rules.filter { $0.matched && $0.points > 0 }.map { "\($0.ruleName): \($0.explanation)" }
                    }
                }
            } else if entry.kind == .adjust, let reason = record.reason {
                why = [reason]
            } else if entry.sourceId.hasPrefix("rdm_"),
                      let redemption = try await store.redemption(programId: programId, id: entry.sourceId, now: portal.now), redemption.memberId == memberId {
                if rewardNames == nil { rewardNames = try await self.rewardNames(programId, locale) }
                item["event"] = locale.text("portal_activity_redeemed", ["reward": rewardNames?[redemption.rewardId] ?? redemption.rewardId])
            }
            if !why.isEmpty {
                item["why"] = why
                item["has_why"] = true
            }
            items.append(item)
        }
        return items
    }

    /// An event type as a member reads it: the locale's word for the common ones, else the type itself.
    static func eventName(_ type: String, _ locale: WebLocale) -> String {
        let key = "portal_event_\(type)"
        let text = locale[key]
        return text == key ? type.replacingOccurrences(of: "_", with: " ") : text
    }

    /// Every reward's name in the member's language, by id.
    func rewardNames(_ programId: String, _ locale: WebLocale) async throws -> [String: String] {
        Dictionary(try await store.rewards(programId: programId).map { ($0.reward.id, $0.reward.names.text(for: locale.code, fallback: $0.reward.name)) },
                   uniquingKeysWith: { first, _ in first })
    }
}
