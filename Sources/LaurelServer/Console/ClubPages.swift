import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// The program's clubs (from the live program: how one joins, for how long, how many at most) and
/// a club's current members, in member id order (the store query of `GET /v1/clubs/{id}/members`).
struct ClubPages {
    let store: any LaurelStore
    static let pageSize = 50

    func register(_ console: ConsoleRouter) {
        console.add(.get, "/admin/clubs", role: .support) { request in
            let locale = request.locale
            let program = try await store.programVersion(programId: request.programId, version: nil)?.definition
            let tierNames = Dictionary((program?.tiers?.levels ?? []).map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
            let clubs = (program?.clubs ?? []).map { club -> [String: Any] in
                var ways: [String] = []
                if club.invitations != ClubDefinition.Invitations.none { ways.append(locale["console_clubs_by_invitation"]) }
                if let cost = club.pointsCost { ways.append(locale.text("console_clubs_by_points", ["points": locale.number(cost)], count: cost)) }
                if !club.tiers.isEmpty {
                    ways.append(locale.text("console_clubs_by_tier", ["tiers": club.tiers.map { tierNames[$0] ?? $0 }.joined(separator: ", ")]))
                }
                return ["id": club.id, "name": club.name, "description": club.description ?? "",
                        "href": "/admin/clubs/\(ConsolePages.percentEncoded(club.id))",
                        "join": ways.isEmpty ? "—" : ways.joined(separator: "; "),
                        "duration": club.durationMonths.map { locale.text("console_clubs_months", ["count": locale.number($0)], count: $0) } ?? locale["console_clubs_open_ended"],
                        "cap": club.memberCap.map { locale.number($0) } ?? "—"]
            }
            return try await ConsolePages.render("console-clubs", request, title: locale["console_nav_clubs"], section: .clubs,
                                                 page: ["clubs": clubs, "has_clubs": !clubs.isEmpty])
        }

        console.add(.get, "/admin/clubs/{id}", role: .support) { request in
            let locale = request.locale
            let id = request.parameter("id")
            guard let version = try await store.programVersion(programId: request.programId, version: nil),
                  let club = version.definition.club(id) else { throw ConsoleNotFound(what: "club \(id)") }
            let zone = version.definition.calendar.timeZone
            let after = request.query("after").flatMap { $0.isEmpty ? nil : $0 }
            let result = try await store.clubMembers(programId: request.programId, clubId: club.id, limit: Self.pageSize, startingAfter: after)
            // The page's members in one read, not one each.
            let members = try await store.members(programId: request.programId, ids: result.items.map(\.memberId))
            let names = Dictionary(members.map { ($0.id, $0.name ?? $0.externalId) }, uniquingKeysWith: { first, _ in first })
            let rows: [[String: Any]] = result.items.map { membership in
                ["id": membership.memberId, "name": names[membership.memberId] ?? membership.memberId,
                 "via": locale["console_clubs_via_\(membership.via.rawValue)"],
                 "joined": locale.date(membership.joinedAt, timeZone: zone),
                 "until": membership.expiresAt.map { locale.date($0, timeZone: zone) } ?? "—"]
            }
            var page: [String: Any] = ["members": rows, "has_members": !rows.isEmpty, "description": club.description ?? ""]
            if result.hasMore, let last = result.items.last {
                page["next"] = "/admin/clubs/\(ConsolePages.percentEncoded(club.id))?after=\(ConsolePages.percentEncoded(last.memberId))"
            }
            return try await ConsolePages.render("console-club", request, title: club.name, section: .clubs, page: page)
        }
    }
}
