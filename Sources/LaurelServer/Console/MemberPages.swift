import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// Finding a member and the member's page: balance, pending points with their release dates,
/// points expiring soon, tier and progress to the next, clubs, redemptions, and the full ledger
/// with each entry's explanation, and what the member plays (`MemberPlaySection`). The same store reads as the API's member view and ledger.
struct MemberPages {
    let store: any LaurelStore
    let clock: any WallClock

    static let searchLimit = 50
    static let ledgerPage = 50

    func register(_ console: ConsoleRouter) {
        console.add(.get, "/admin/members", role: .support) { request in
            let query = request.query("q")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            let members: [MemberRecord]
            if query.isEmpty {
                members = try await store.members(programId: request.programId, limit: Self.searchLimit, startingAfter: nil).items
            } else {
                members = try await store.searchMembers(programId: request.programId, query: query, limit: Self.searchLimit)
            }
            let locale = request.locale
            let rows = members.map { member -> [String: Any] in
                ["id": member.id, "name": member.name ?? member.externalId, "email": member.email ?? "", "external_id": member.externalId,
                 "available": locale.number(member.available), "blocked": member.status == .blocked]
            }
            var page: [String: Any] = ["q": query, "members": rows, "has_members": !rows.isEmpty]
            if !query.isEmpty { page["searched"] = locale.text("console_members_results", ["count": locale.number(rows.count), "query": query]) }
            return try await ConsolePages.render("console-members", request, title: locale["console_members_title"], section: .members, page: page)
        }

        console.add(.get, "/admin/members/{id}", role: .support) { request in
            try await memberPage(request)
        }
    }

    private func memberPage(_ request: ConsoleRequest) async throws -> Response {
        let id = request.parameter("id")
        let now = clock.now()
        let summary: PointsSummary
        do {
            summary = try await store.pointsSummary(programId: request.programId, memberId: id, now: now, expiringWithin: MemberRoutes.expiringWithin)
        } catch StoreError.notFound {
            throw ConsoleNotFound(what: "member \(id)")
        }
        let locale = request.locale
        let program = try await store.programVersion(programId: request.programId, version: nil)?.definition
        let zone = program.map { $0.calendar.timeZone } ?? .gmt
        let member = summary.member
        let cursor = request.query("before").flatMap { APIRequest.sequence($0[...]) }
        let ledger = try await store.ledger(programId: request.programId, memberId: id, limit: Self.ledgerPage, startingAfter: cursor)
        let explanations = try await LedgerExplanations(store: store, programId: request.programId, locale: locale)
            .explain(ledger.items, memberId: id)
        let redemptions = try await store.redemptions(programId: request.programId, memberId: id, limit: 20, startingAfter: nil, now: now)
        let rewardNames = Dictionary(try await store.rewards(programId: request.programId).map { ($0.reward.id, $0.reward.name) }) { first, _ in first }

        var page: [String: Any] = [
            "id": member.id, "name": member.name ?? member.externalId, "email": member.email ?? "", "external_id": member.externalId,
            "blocked": member.status == .blocked, "since": locale.date(member.createdAt, timeZone: zone),
            "available": locale.number(summary.available), "pending": locale.number(summary.pending),
            "lifetime": locale.number(summary.lifetimeEarned), "debt": locale.number(summary.debt), "has_debt": summary.debt > 0,
            "pending_lots": summary.pendingLots.map { lot in
                locale.text("console_member_pending_lot", ["points": locale.number(lot.points), "date": locale.date(lot.date, timeZone: zone)], count: lot.points)
            },
            "expiring": summary.expiring.map { lot in
                locale.text("console_member_expiring_lot", ["points": locale.number(lot.points), "date": locale.date(lot.date, timeZone: zone)], count: lot.points)
            },
            "clubs": summary.clubs.map { membership -> String in
                let name = program?.club(membership.clubId)?.name ?? membership.clubId
                guard let end = membership.expiresAt else { return name }
                return locale.text("console_member_club_until", ["club": name, "date": locale.date(end, timeZone: zone)])
            },
            "redemptions": redemptions.items.map { redemption -> [String: Any] in
                ["reward": rewardNames[redemption.rewardId] ?? redemption.rewardId, "points": locale.number(redemption.points),
                 "status": locale["console_redemption_\(redemption.status.rawValue)"], "date": locale.date(redemption.createdAt, timeZone: zone)]
            },
            "ledger": zip(ledger.items, explanations).map { record, explanation -> [String: Any] in
                let change = LedgerExplanations.change(record.entry, memberId: id)
                return ["date": locale.dateTime(record.createdAt, timeZone: zone), "explanation": explanation,
                        "available_change": change.available == 0 ? "" : Self.signed(change.available, locale),
                        "pending_change": change.pending == 0 ? "" : Self.signed(change.pending, locale)]
            },
            "can_manage": request.staff.role >= .manager,
        ]
        for list in ["pending_lots", "expiring", "clubs", "redemptions", "ledger"] {
            page["has_\(list)"] = !((page[list] as? [Any])?.isEmpty ?? true)
        }
        if ledger.hasMore, let last = ledger.items.last { page["older"] = "/admin/members/\(member.id)?before=\(last.sequence)" }
        if let program, let play = try await MemberPlaySection(store: store, programId: request.programId, program: program, member: member,
                                                                   locale: locale, now: now).view() {
            page["play"] = play
        }
        if let tier = summary.tier { page["tier"] = Self.tierView(tier, locale: locale, zone: zone, currency: program?.currency ?? "EUR") }
        return try await ConsolePages.render("console-member", request, title: member.name ?? member.externalId, section: .members, page: page)
    }

    static func signed(_ points: Int, _ locale: WebLocale) -> String { points > 0 ? "+\(locale.number(points))" : "−\(locale.number(-points))" }

    static func tierView(_ tier: TierProgress, locale: WebLocale, zone: TimeZone, currency: String) -> [String: Any] {
        var view: [String: Any] = ["tier_name": tier.tier?.name ?? locale["console_member_no_tier"]]
        if let since = tier.since { view["tier_since"] = locale.text("console_member_tier_since", ["date": locale.date(since, timeZone: zone)]) }
        if let next = tier.nextTier, let missing = tier.toNextTier, !missing.isPositive {
            // Already enough (a first tier from 0, or a basis not yet evaluated): the next activity moves them up.
            view["tier_progress"] = locale.text("console_member_tier_next_activity", ["tier": next.name])
            view["tier_percent"] = 100
            view["has_percent"] = true
        } else if let next = tier.nextTier, let missing = tier.toNextTier {
            let amount = Self.basisAmount(missing, basis: tier.basisName, locale: locale, currency: currency)
            view["tier_progress"] = locale.text("console_member_tier_progress", ["amount": amount, "tier": next.name])
            let total = Double(next.threshold.units)
            view["tier_percent"] = total > 0 ? Int(min(100, max(0, Double(tier.basis.units) / total * 100))) : 100
            view["has_percent"] = true
        } else {
            view["tier_progress"] = locale["console_member_tier_top"]
        }
        if let floor = tier.floor {
            view["tier_floor"] = tier.floorUntil.map { locale.text("console_member_floor_until", ["tier": floor.name, "date": locale.date($0, timeZone: zone)]) }
                ?? locale.text("console_member_floor", ["tier": floor.name])
        }
        return view
    }

    static func basisAmount(_ amount: Amount, basis: TierPolicy.Basis, locale: WebLocale, currency: String) -> String {
        let whole = Int(amount.units / Amount(integer: 1).units)
        switch basis {
        case .pointsEarned, .pointsBalance: return locale.text("console_points_count", ["count": locale.number(whole)], count: whole)
        case .purchases: return locale.text("console_purchases_count", ["count": locale.number(whole)], count: whole)
        case .amountSpent: return locale.money(Decimal(string: amount.description) ?? 0, currency: currency)
        }
    }
}
