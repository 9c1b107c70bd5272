import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

extension PortalRoutes {
    /// Play: the member's challenges with their progress (and a Join button on opt-in ones), badges,
    /// punch cards as stamp cards, their referral code and friends, wheels with a Spin button and
    /// raffles with an Enter button. Only the sections the program has are shown.
    func playPage(_ portal: PortalRequest) async throws -> Response {
        let query = portal.request.uri.queryParameters
        var flash: String?
        if let joined = query.get("joined"), let challenge = portal.program.definition.challenges.first(where: { $0.id == String(joined) }) {
            flash = portal.locale.text("portal_play_joined_flash", ["challenge": challenge.names.text(for: portal.locale.code, fallback: challenge.name)])
        }
        if let entered = query.get("entered"), let raffle = portal.program.definition.games.raffle(String(entered)) {
            flash = portal.locale.text("portal_play_entered_flash", ["raffle": raffle.name])
        }
        return try await play(portal, flash: flash)
    }

    /// The play page, with `error` summarised at the top (a refused join, spin or entry: 422).
    func play(_ portal: PortalRequest, flash: String? = nil, error: String? = nil) async throws -> Response {
        let locale = portal.locale
        var fields = try await PlaySections(store: store, portal: portal).fields()
        if let flash { fields["flash"] = flash }
        if let error { fields["error"] = error }
        let status: HTTPResponse.Status = error == nil ? .ok : .unprocessableContent
        return try WebResponse.page("portal-play", portal.page.titled(locale["portal_play_title"]).context(fields), status: status)
    }

    /// Joins an opt-in challenge for the session's member, then back to the play page.
    func joinChallenge(_ portal: PortalRequest) async throws -> Response {
        let program = portal.program
        guard let id = portal.context.parameters.get("challenge"), let challenge = program.definition.challenges.first(where: { $0.id == id }) else {
            return try notFound(portal.request, program: program, locale: portal.locale)
        }
        do {
            _ = try await store.joinChallenge(programId: program.id, memberId: portal.member.id, challengeId: challenge.id, now: portal.now, idempotency: nil)
        } catch let refusal as ChallengeJoinRefusal {
            let name = challenge.names.text(for: portal.locale.code, fallback: challenge.name)
            return try await play(portal, error: portal.locale.text("portal_play_join_\(refusal.code)", ["challenge": name]))
        } catch StoreError.notFound {
            return try notFound(portal.request, program: program, locale: portal.locale)
        }
        return WebResponse.redirect(to: program.path("/play?joined=\(Self.pathSegment(challenge.id))#challenges"))
    }

    /// Spins a wheel for the session's member and shows the result. The form's one-time token makes
    /// a second submission replay the first spin instead of paying again.
    func spinWheel(_ portal: PortalRequest) async throws -> Response {
        let program = portal.program, locale = portal.locale
        guard let wheelId = portal.context.parameters.get("wheel"), let wheel = program.definition.games.wheel(wheelId),
              let idempotency = portal.oneTimeForm(fingerprint: "portal spin \(wheel.id)", id: { (spin: SpinRecord) in spin.id }) else {
            return try notFound(portal.request, program: program, locale: locale)
        }
        let spinId: String
        do {
            spinId = try await store.spin(programId: program.id, id: Identifiers.make("spn", now: portal.now), memberId: portal.member.id,
                                          wheelId: wheel.id, random: random, now: portal.now, idempotency: idempotency).madeId(\.id)
        } catch let refusal as GameRefusal {
            return try await play(portal, error: PlayTexts.refusal(refusal, wheel: wheel.name, locale, timeZone: program.timeZone))
        } catch LedgerError.insufficientPoints(let available, let requested) {
            let missing = requested - available
            return try await play(portal, error: locale.text("portal_play_spin_insufficient_points",
                                                             ["wheel": wheel.name, "points": locale.number(missing)], count: missing))
        } catch StoreError.idempotencyKeyReused {
            return WebResponse.refusal(.conflict, locale["portal_form_expired"])
        }
        return WebResponse.redirect(to: program.path("/play/spins/\(Self.pathSegment(spinId))"))
    }

    /// A spin's result: the prize, what it cost and the balance after. Only the session's member's spins.
    func spinPage(_ portal: PortalRequest) async throws -> Response {
        let program = portal.program, locale = portal.locale
        guard let id = portal.context.parameters.get("spin"), let spin = try await store.spin(programId: program.id, memberId: portal.member.id, id: id) else {
            return try notFound(portal.request, program: program, locale: locale)
        }
        let wheel = program.definition.games.wheel(spin.wheelId)
        let wheelName = wheel?.name ?? spin.wheelId
        let prize: String?
        if let rewardId = spin.rewardId, spin.redemptionId != nil {
            prize = locale.text("portal_play_spin_won_reward", ["reward": try await rewardNames(program.id, locale)[rewardId] ?? rewardId])
        } else if spin.points > 0 {
            prize = locale.text("portal_play_spin_won", ["points": locale.number(spin.points)], count: spin.points)
        } else {
            prize = nil
        }
        var fields: [String: Any] = [
            "won": prize != nil,
            "prize": prize ?? locale["portal_play_spin_nothing"],
            "paid": spin.paidWith == "points"
                ? locale.text("portal_play_spin_paid_points", ["points": locale.number(spin.costPoints)], count: spin.costPoints)
                : locale["portal_play_spin_paid_play"],
            "balance": locale.text("portal_play_spin_balance", ["points": locale.number(spin.availableAfter)], count: spin.availableAfter),
            "date": locale.dateTime(spin.drawnAt, timeZone: program.timeZone),
            "back": program.path("/play#wheel-\(spin.wheelId)"),
        ]
        fields["spin_again"] = locale.text("portal_play_spin_again", ["wheel": wheelName])
        return try WebResponse.page("portal-spin", portal.page.titled(locale.text("portal_play_spin_title", ["wheel": wheelName])).context(fields))
    }

    /// Buys (or uses an earned) raffle entry for the session's member, then back to the play page.
    /// The form's one-time token makes a second submission replay the first entry.
    func enterRaffle(_ portal: PortalRequest) async throws -> Response {
        let program = portal.program, locale = portal.locale
        guard let raffleId = portal.context.parameters.get("raffle"), let raffle = program.definition.games.raffle(raffleId),
              let idempotency = portal.oneTimeForm(fingerprint: "portal raffle \(raffle.id)", id: { (entry: RaffleEntryRecord) in entry.id }) else {
            return try notFound(portal.request, program: program, locale: locale)
        }
        do {
            _ = try await store.enterRaffle(programId: program.id, id: Identifiers.make("ent", now: portal.now), raffleId: raffle.id,
                                            memberId: portal.member.id, random: random, now: portal.now, idempotency: idempotency)
        } catch let refusal as RaffleRefusal {
            return try await play(portal, error: PlayTexts.refusal(refusal, raffle: raffle.name, locale))
        } catch LedgerError.insufficientPoints(let available, let requested) {
            let missing = requested - available
            return try await play(portal, error: locale.text("portal_play_raffle_insufficient_points",
                                                             ["raffle": raffle.name, "points": locale.number(missing)], count: missing))
        } catch StoreError.idempotencyKeyReused {
            return WebResponse.refusal(.conflict, locale["portal_form_expired"])
        }
        return WebResponse.redirect(to: program.path("/play?entered=\(Self.pathSegment(raffle.id))#raffles"))
    }
}

/// The sections of the play page, each present only when the program has the mechanic.
private struct PlaySections {
    let store: any LaurelStore
    let portal: PortalRequest

    var locale: WebLocale { portal.locale }
    var program: ProgramDefinition { portal.program.definition }
    var zone: TimeZone { portal.program.timeZone }

    func fields() async throws -> [String: Any] {
        var fields: [String: Any] = [:]
        let challenges = try await challengeItems()
        if !challenges.isEmpty { fields["challenges"] = challenges }
        let badges = try await badgeItems()
        if !program.badges.isEmpty { fields["badges"] = ["items": badges, "has_items": !badges.isEmpty, "none": badges.isEmpty] as [String: Any] }
        if !program.punchCards.isEmpty { fields["punch_cards"] = try await punchCardItems() }
        if let referrals = program.referrals { fields["referral"] = try await referralView(referrals) }
        if !program.games.wheels.isEmpty { fields["wheels"] = try await wheelItems() }
        if !program.games.raffles.isEmpty { fields["raffles"] = try await raffleItems() }
        fields["empty"] = fields.isEmpty
        for list in ["challenges", "punch_cards", "wheels", "raffles"] {
            fields["has_\(list)"] = !((fields[list] as? [Any])?.isEmpty ?? true)
        }
        return fields
    }

    private func challengeItems() async throws -> [[String: Any]] {
        guard !program.challenges.isEmpty else { return [] }
        let member = portal.member
        let progress = try await store.challengeProgress(programId: portal.program.id, memberId: member.id)
        let segments = program.challenges.contains { !$0.segments.isEmpty }
            ? try await store.materialisedSegments(programId: portal.program.id, memberId: member.id) : []
        let evaluator = ChallengeEvaluator(program: program)
        return program.challenges.compactMap { challenge -> [String: Any]? in
            let standing = evaluator.standing(of: challenge, progress: progress[challenge.id], member: member.profile(segments: segments), now: portal.now)
            // What the member cannot take part in, or can no longer, is left out.
            guard standing.status != .notEligible, standing.status != .ended else { return nil }
            var item: [String: Any] = [
                "id": challenge.id,
                "name": challenge.names.text(for: locale.code, fallback: challenge.name),
                "progress_text": PlayTexts.progress(challenge, standing, locale, now: portal.now, timeZone: zone),
                "progress": min(standing.progress, standing.target), "target": standing.target,
                "completed": standing.status == .completed,
            ]
            if standing.status == .notJoined { item["join"] = portal.program.path("/play/challenges/\(PortalRoutes.pathSegment(challenge.id))/join") }
            if let description = challenge.description { item["description"] = description }
            if let gives = PlayTexts.gives(challenge, program: program, locale) { item["gives"] = gives }
            return item
        }
    }

    private func badgeItems() async throws -> [[String: Any]] {
        guard !program.badges.isEmpty else { return [] }
        return try await store.memberBadges(programId: portal.program.id, memberId: portal.member.id).map { award in
            let badge = program.badge(award.badgeId)
            var item: [String: Any] = [
                "name": badge.map { $0.names.text(for: locale.code, fallback: $0.name) } ?? award.badgeId,
                "date": locale.text("portal_play_badge_earned", ["date": locale.date(award.awardedAt, timeZone: zone)]),
            ]
            if let image = badge?.imageURL, !image.isEmpty { item["image"] = image }
            return item
        }
    }

    private func punchCardItems() async throws -> [[String: Any]] {
        let cards = try await store.punchCards(programId: portal.program.id, memberId: portal.member.id, cards: program.punchCards, now: portal.now)
        return cards.map { card in
            let filled = min(card.stamps, card.required)
            var item: [String: Any] = [
                "name": card.name,
                "summary": locale.text("portal_play_card_stamps", ["stamps": locale.number(filled), "required": locale.number(card.required)]),
                "remaining": locale.text("portal_play_card_remaining", ["count": locale.number(card.remaining)], count: card.remaining),
                "stamps": (0..<card.required).map { index -> [String: Any] in ["filled": index < filled, "number": index + 1] },
            ]
            if let expiry = card.nextExpiry {
                item["expiry"] = locale.text("portal_play_card_expiry", ["date": locale.date(expiry, timeZone: zone)])
            }
            if card.completions > 0 {
                item["completions"] = locale.text("portal_play_card_completions", ["count": locale.number(card.completions)], count: card.completions)
            }
            return item
        }
    }

    private func referralView(_ policy: ReferralPolicy) async throws -> [String: Any] {
        let code = try await store.referralCode(programId: portal.program.id, memberId: portal.member.id)
        let friends = try await store.referrals(programId: portal.program.id, referrerId: portal.member.id, now: portal.now).items
        var view: [String: Any] = [
            "code": code,
            "friends": friends.map { friend -> [String: Any] in
                let points = friend.grants.filter { $0.side == .referrer && $0.status == .given }.reduce(0) { $0 + $1.points }
                var item: [String: Any] = [
                    "name": friend.friendName ?? locale["portal_play_friend_unnamed"],
                    "status": locale["portal_play_friend_\(friend.status.rawValue)"],
                    "status_class": friend.status.rawValue,
                    "date": locale.text("portal_play_friend_joined", ["date": locale.date(friend.enrolledAt, timeZone: zone)]),
                ]
                if points > 0 { item["points"] = locale.text("portal_points_count", ["points": locale.number(points)], count: points) }
                return item
            },
            "has_friends": !friends.isEmpty,
        ]
        if let link = policy.link(for: code) { view["link"] = link }
        return view
    }

    private func wheelItems() async throws -> [[String: Any]] {
        let allowances = try await store.wheelAllowances(programId: portal.program.id, memberId: portal.member.id, now: portal.now)
        let rewardNames = allowances.contains { $0.wheel.prizes.contains { $0.reward != nil } }
            ? Dictionary(try await store.rewards(programId: portal.program.id).map { ($0.reward.id, $0.reward.names.text(for: locale.code, fallback: $0.reward.name)) },
                         uniquingKeysWith: { first, _ in first })
            : [:]
        return allowances.map { allowance in
            let wheel = allowance.wheel
            var item: [String: Any] = [
                "id": wheel.id, "name": wheel.name,
                "prizes": wheel.prizes.compactMap(\.points).sorted(by: >).map { points in
                    locale.text("portal_points_count", ["points": locale.number(points)], count: points)
                } + wheel.prizes.compactMap(\.reward).map { rewardNames[$0] ?? $0 },
                "has_prizes": wheel.prizes.contains { $0.points != nil || $0.reward != nil },
            ]
            var notes: [String] = []
            if allowance.freePlays > 0 {
                notes.append(locale.text("portal_play_wheel_free_plays", ["count": locale.number(allowance.freePlays)], count: allowance.freePlays))
            }
            if let cost = wheel.costPoints {
                notes.append(locale.text("portal_play_wheel_cost", ["points": locale.number(cost)], count: cost))
            }
            if let left = allowance.spinsLeftInPeriod {
                let when = locale["portal_play_period_\(wheel.limit?.period.rawValue ?? "day")"]
                notes.append(locale.text("portal_play_wheel_spins_left", ["count": locale.number(left), "when": when], count: left))
            }
            item["notes"] = notes
            if allowance.spinsLeftInPeriod == 0 {
                item["blocked"] = locale["portal_play_wheel_come_back"]
            } else if allowance.freePlays == 0 && wheel.costPoints == nil {
                item["blocked"] = locale["portal_play_wheel_no_plays"]
            } else {
                item["spin"] = [
                    "action": portal.program.path("/play/wheels/\(PortalRoutes.pathSegment(wheel.id))/spin"),
                    "token": Identifiers.secret("spin"),
                    "label": allowance.freePlays > 0 ? locale["portal_play_wheel_spin_free"]
                        : locale.text("portal_play_wheel_spin_points", ["points": locale.number(wheel.costPoints ?? 0)], count: wheel.costPoints ?? 0),
                ]
            }
            return item
        }
    }

    private func raffleItems() async throws -> [[String: Any]] {
        let entries = try await store.raffleEntries(programId: portal.program.id, memberId: portal.member.id, limit: 100, startingAfter: nil).items
        var items: [[String: Any]] = []
        for raffle in program.games.raffles {
            let state = try await store.raffle(programId: portal.program.id, raffleId: raffle.id)
            let mine = entries.filter { $0.raffleId == raffle.id }
            let status = state.status(now: portal.now)
            var item: [String: Any] = [
                "id": raffle.id, "name": raffle.name,
                "held": locale.text("portal_play_raffle_held", ["count": locale.number(mine.count)], count: mine.count),
                "draw": locale.text(status == "drawn" ? "portal_play_raffle_drawn" : "portal_play_raffle_draw_at",
                                    ["date": locale.dateTime(state.drawnAt ?? raffle.drawAt, timeZone: zone)]),
            ]
            if let prize = raffle.prizePoints {
                item["prize"] = locale.text("portal_play_raffle_prize", ["count": locale.number(raffle.winners),
                                                                          "points": locale.number(prize)], count: raffle.winners)
            }
            if status == "drawn" {
                let won = state.winners.contains { $0.memberId == portal.member.id }
                if won {
                    item["result"] = locale["portal_play_raffle_won"]
                } else if !mine.isEmpty {
                    item["result"] = locale["portal_play_raffle_not_won"]
                }
            } else if status == "open" {
                if let max = raffle.maxEntriesPerMember, mine.count >= max {
                    item["blocked"] = locale.text("portal_play_raffle_limit", ["count": locale.number(max)], count: max)
                } else {
                    item["enter"] = [
                        "action": portal.program.path("/play/raffles/\(PortalRoutes.pathSegment(raffle.id))/enter"),
                        "token": Identifiers.secret("enter"),
                        // An entry the member earned is taken before points: the store knows, the page cannot say which.
                        "label": raffle.earnedBy.isEmpty ? raffle.entryCostPoints.map {
                            locale.text("portal_play_raffle_enter_points", ["points": locale.number($0)], count: $0)
                        } ?? locale["portal_play_raffle_enter"] : locale["portal_play_raffle_enter"],
                    ]
                    if !raffle.earnedBy.isEmpty, let cost = raffle.entryCostPoints {
                        item["note"] = locale.text("portal_play_raffle_earned_first", ["points": locale.number(cost)], count: cost)
                    }
                }
            } else {
                item["blocked"] = locale["portal_play_raffle_closed"]
            }
            items.append(item)
        }
        return items
    }
}

/// Plain-language texts of the play mechanics, shared by the portal and the console.
enum PlayTexts {
    /// "2 of 3 · 9 days left", by what the challenge measures.
    static func progress(_ challenge: ChallengeDefinition, _ standing: ChallengeStanding, _ locale: WebLocale, now: Date, timeZone: TimeZone) -> String {
        let values = ["progress": locale.number(min(standing.progress, standing.target)), "target": locale.number(standing.target)]
        var text: String
        switch challenge.measure {
        case .count: text = locale.text("common_play_progress_count", values)
        case .distinct(let attribute): text = locale.text(attribute == .category ? "common_play_progress_categories" : "common_play_progress_distinct", values)
        case .sum(let attribute): text = locale.text("common_play_progress_sum", values.merging(["unit": attribute]) { own, _ in own })
        case .streak(let period, _): text = locale.text("common_play_progress_streak_\(period.rawValue)", values)
        }
        switch standing.status {
        case .completed:
            text = locale.text("common_play_progress_done", ["progress": text])
        case .upcoming:
            if let start = challenge.startsAt { text = locale.text("common_play_progress_starts", ["date": locale.date(start, timeZone: timeZone)]) }
        case .notJoined:
            text = locale["common_play_progress_not_joined"]
        default:
            if let end = standing.endsAt, end > now {
                let days = Int((end.timeIntervalSince(now) / 86_400).rounded(.up))
                text = locale.text("common_play_progress_days_left", ["progress": text, "days": locale.number(days)], count: days)
            }
        }
        return text
    }

    /// What completing the challenge gives, in words ("100 points and the badge Critic").
    static func gives(_ challenge: ChallengeDefinition, program: ProgramDefinition, _ locale: WebLocale) -> String? {
        var parts: [String] = []
        if let points = challenge.points, points > 0 {
            parts.append(locale.text("portal_points_count", ["points": locale.number(points)], count: points))
        }
        if challenge.reward != nil { parts.append(locale["common_play_gives_reward"]) }
        if let badge = challenge.badge.flatMap(program.badge) {
            parts.append(locale.text("common_play_gives_badge", ["badge": badge.names.text(for: locale.code, fallback: badge.name)]))
        }
        guard !parts.isEmpty else { return nil }
        return locale.text("common_play_gives", ["gifts": parts.joined(separator: " · ")])
    }

    static func refusal(_ refusal: GameRefusal, wheel: String, _ locale: WebLocale, timeZone: TimeZone) -> String {
        switch refusal {
        case .playLimitReached(_, _, _, let next?):
            locale.text("portal_play_spin_limit_until", ["wheel": wheel, "date": locale.dateTime(next, timeZone: timeZone)])
        case .playLimitReached: locale.text("portal_play_spin_limit", ["wheel": wheel])
        case .noPlays: locale.text("portal_play_spin_no_plays", ["wheel": wheel])
        case .wheelExhausted: locale.text("portal_play_spin_exhausted", ["wheel": wheel])
        }
    }

    static func refusal(_ refusal: RaffleRefusal, raffle: String, _ locale: WebLocale) -> String {
        switch refusal {
        case .entryLimitReached(_, let max): locale.text("portal_play_raffle_limit", ["count": locale.number(max)], count: max)
        case .noEntries: locale.text("portal_play_raffle_no_entries", ["raffle": raffle])
        case .closed, .alreadyDrawn, .notDue: locale.text("portal_play_raffle_closed_named", ["raffle": raffle])
        }
    }
}
