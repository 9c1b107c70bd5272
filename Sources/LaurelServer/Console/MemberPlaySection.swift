import Foundation
import LaurelCore
import LaurelStore

/// The member page's play section, read only: the member's challenges with progress, badges, punch
/// cards, referral code and friends (with each one's status), latest spins and raffle entries.
/// Only what the program has is shown; nil when it has none of it.
struct MemberPlaySection {
    let store: any LaurelStore
    let programId: String
    let program: ProgramDefinition
    let member: MemberRecord
    let locale: WebLocale
    let now: Date

    static let spinsShown = 20
    static let entriesShown = 20

    var zone: TimeZone { program.calendar.timeZone }

    func view() async throws -> [String: Any]? {
        let games = program.games
        guard !program.challenges.isEmpty || !program.badges.isEmpty || !program.punchCards.isEmpty || program.referrals != nil || !games.isEmpty else {
            return nil
        }
        var view: [String: Any] = [:]
        if !program.challenges.isEmpty { view["challenges"] = try await challenges() }
        if !program.badges.isEmpty || !program.challenges.isEmpty {
            let badges = try await store.memberBadges(programId: programId, memberId: member.id).map { award -> [String: Any] in
                let badge = program.badge(award.badgeId)
                return ["name": badge?.name ?? award.badgeId, "date": locale.date(award.awardedAt, timeZone: zone)]
            }
            view["badges"] = ["items": badges, "has_items": !badges.isEmpty] as [String: Any]
        }
        if !program.punchCards.isEmpty {
            view["punch_cards"] = try await store.punchCards(programId: programId, memberId: member.id, cards: program.punchCards, now: now).map { card -> [String: Any] in
                var item: [String: Any] = [
                    "name": card.name, "stamps": locale.number(min(card.stamps, card.required)), "required": locale.number(card.required),
                    "completions": locale.number(card.completions),
                ]
                if let expiry = card.nextExpiry { item["expiry"] = locale.date(expiry, timeZone: zone) }
                return item
            }
        }
        if let policy = program.referrals { view["referral"] = try await referral(policy) }
        if !games.wheels.isEmpty {
            let spins = try await store.spins(programId: programId, memberId: member.id, limit: Self.spinsShown, startingAfter: nil).items
            let rewardNames = spins.contains { $0.rewardId != nil }
                ? Dictionary(try await store.rewards(programId: programId).map { ($0.reward.id, $0.reward.name) }) { first, _ in first } : [:]
            view["spins"] = ["items": spins.map { spin -> [String: Any] in
                let prize: String
                if let rewardId = spin.rewardId {
                    let name = rewardNames[rewardId] ?? rewardId
                    prize = spin.redemptionId != nil ? name
                        : locale.text("console_play_spin_reward_not_issued", ["reward": name, "reason": spin.rewardStatus ?? ""])
                } else if spin.points > 0 {
                    prize = locale.text("console_points_count", ["count": locale.number(spin.points)], count: spin.points)
                } else {
                    prize = locale["console_play_spin_nothing"]
                }
                return ["date": locale.dateTime(spin.drawnAt, timeZone: zone), "wheel": games.wheel(spin.wheelId)?.name ?? spin.wheelId,
                 "prize": prize,
                 "prize_id": spin.prizeId,
                 "paid": spin.paidWith == "points" ? locale.text("console_points_count", ["count": locale.number(spin.costPoints)], count: spin.costPoints)
                    : locale["console_play_paid_play"]]
            }, "has_items": !spins.isEmpty] as [String: Any]
        }
        if !games.raffles.isEmpty {
            let entries = try await store.raffleEntries(programId: programId, memberId: member.id, limit: Self.entriesShown, startingAfter: nil).items
            view["raffle_entries"] = ["items": entries.map { entry -> [String: Any] in
                ["date": locale.dateTime(entry.enteredAt, timeZone: zone), "raffle": games.raffle(entry.raffleId)?.name ?? entry.raffleId,
                 "paid": entry.paidWith == "points" ? locale.text("console_points_count", ["count": locale.number(entry.costPoints)], count: entry.costPoints)
                    : locale["console_play_paid_earned"]]
            }, "has_items": !entries.isEmpty] as [String: Any]
        }
        view["has_challenges"] = !((view["challenges"] as? [Any])?.isEmpty ?? true)
        view["has_punch_cards"] = !((view["punch_cards"] as? [Any])?.isEmpty ?? true)
        return view
    }

    private func challenges() async throws -> [[String: Any]] {
        let progress = try await store.challengeProgress(programId: programId, memberId: member.id)
        let segments = program.challenges.contains { !$0.segments.isEmpty }
            ? try await store.materialisedSegments(programId: programId, memberId: member.id) : []
        let evaluator = ChallengeEvaluator(program: program)
        return program.challenges.map { challenge -> [String: Any] in
            let standing = evaluator.standing(of: challenge, progress: progress[challenge.id], member: member.profile(segments: segments), now: now)
            return ["name": challenge.name, "status": locale["console_play_challenge_\(standing.status.rawValue)"],
                    "progress": PlayTexts.progress(challenge, standing, locale, now: now, timeZone: zone),
                    "completions": locale.number(standing.completions)]
        }
    }

    private func referral(_ policy: ReferralPolicy) async throws -> [String: Any] {
        let code = try await store.referralCode(programId: programId, memberId: member.id)
        let page = try await store.referrals(programId: programId, referrerId: member.id, now: now)
        let friends = page.items.map { friend -> [String: Any] in
            let given = friend.grants.filter { $0.status == .given }
            let points = given.filter { $0.side == .referrer }.reduce(0) { $0 + $1.points }
            var item: [String: Any] = [
                "id": friend.friendId, "name": friend.friendName ?? friend.friendId,
                "status": locale["console_play_referral_\(friend.status.rawValue)"],
                "date": locale.date(friend.enrolledAt, timeZone: zone),
                "points": points > 0 ? locale.text("console_points_count", ["count": locale.number(points)], count: points) : "",
            ]
            if let refusal = friend.refusal { item["refusal"] = refusal + (friend.refusalDetail.map { " (\($0))" } ?? "") }
            return item
        }
        var view: [String: Any] = ["code": code, "friends": friends, "has_friends": !friends.isEmpty, "more": page.hasMore]
        if let link = policy.link(for: code) { view["link"] = link }
        return view
    }
}
