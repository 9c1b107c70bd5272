/// The play mechanics of the program summary in English: referrals, punch cards, challenges and
/// badges, wheels and raffles.
extension EnglishSummaryPhrases {
    var referralsTitle: String { "Referrals" }
    var punchCardsTitle: String { "Punch cards" }
    var challengesTitle: String { "Challenges and badges" }
    var gamesTitle: String { "Games" }

    func gives(points: Int?, reward: String?, badge: String?) -> String {
        list((points.map { [self.points($0)] } ?? []) + (reward.map { ["the reward “\($0)”"] } ?? [])
             + (badge.map { ["the badge “\($0)”"] } ?? []))
    }

    func times(_ count: Int) -> String { count == 1 ? "once" : "\(number(count)) times" }

    func span(_ period: RuleLimit.Period) -> String {
        switch period {
        case .lifetime: "in all"
        case .day: "a day"
        case .week: "a week"
        case .month: "a month"
        case .year: "a year"
        }
    }

    func referral(trigger: ReferralTrigger, minAmount: String?, referrer: String?, friend: String?) -> String {
        let when: String = switch trigger {
        case .enrolled: "When a friend joins with a member's referral code"
        case .firstPurchase: "On a referred friend's first purchase" + (minAmount.map { " of \($0) or more" } ?? "")
        case .purchases(let days, let maxTimes, _):
            "On each purchase" + (minAmount.map { " of \($0) or more" } ?? "") + " a referred friend makes in their first \(number(days)) days"
                + (maxTimes.map { " (at most \(times($0)))" } ?? "")
        }
        let gets = (referrer.map { ["the referrer gets \($0)"] } ?? []) + (friend.map { ["the friend gets \($0)"] } ?? [])
        return "\(when): \(list(gets))."
    }

    func referralControls(fingerprints: [String], cap: ReferralCap?, pendingDays: Int) -> String {
        var text = "No one can refer themselves, or a friend with the same \(list(["email", "phone"] + fingerprints.map(SummaryFormat.eventWords), or: true))"
        if let cap {
            let period = cap.window == .rolling && cap.period != .lifetime ? "in any \(rollingSpan(cap.period))" : span(cap.period)
            text += "; a member may bring at most \(number(cap.maxReferrals)) friend\(cap.maxReferrals == 1 ? "" : "s") \(period)"
        }
        if pendingDays > 0 { text += "; points for a friend's purchase stay pending for \(number(pendingDays)) days, and a return cancels them" }
        return text + "."
    }

    func rollingSpan(_ period: RuleLimit.Period) -> String {
        switch period {
        case .day: "24 hours"
        case .week: "7 days"
        case .month: "30 days"
        case .year, .lifetime: "365 days"
        }
    }

    func punchCard(name: String, stamps: Int, products: [String], minAmount: String?, expiryDays: Int?, gives: String, revokes: Bool) -> String {
        var purchases = "\(number(stamps)) purchase\(stamps == 1 ? "" : "s")"
        if !products.isEmpty { purchases += " with \(list(products, or: true))" }
        if let minAmount { purchases += " of \(minAmount) or more" }
        var text = "\(name): \(purchases) complete the card, which gives \(gives) and starts over"
        if let expiryDays { text += "; a stamp lasts \(number(expiryDays)) days" }
        text += revokes ? "; a return takes back what the card gave if it is not used yet" : "; a return removes only its stamp"
        return text + "."
    }

    func challenge(name: String, measure: ChallengeDefinition.Measure, event: String, target: Int, repeats: ChallengePeriod?, window: String?,
                   optIn: Bool, tiers: [String], segments: [String], gives: String) -> String {
        let words = SummaryFormat.eventWords(event)
        let goal: String = switch measure {
        case .count: "\(words) \(times(target))"
        case .distinct(let attribute):
            "\(words) in \(number(target)) different \(attribute == .category ? "categories" : attribute == .sku ? "products" : "labels")"
        case .sum(let attribute): "reach \(number(target)) \(SummaryFormat.eventWords(attribute)) in total"
        case .streak(let period, let grace):
            "\(words) \(number(target)) \(period.unit(count: target)) in a row"
                + (grace > 0 ? " (\(number(grace)) missed \(period.unit(count: grace)) forgiven)" : "")
        }
        var text = "\(name): \(goal)"
        if let repeats { text += ", starting over every \(repeats.unit(count: 1))" }
        if let window { text += ", \(window)" }
        if !tiers.isEmpty { text += ", for \(list(tiers, or: true)) members" }
        if !segments.isEmpty { text += ", for the segment\(segments.count == 1 ? "" : "s") \(list(segments, or: true))" }
        if optIn { text += ", for members who join it" }
        return text + (gives.isEmpty ? "." : "; gives \(gives).")
    }

    func badge(name: String, challenges: [String]) -> String {
        challenges.isEmpty ? "Badge “\(name)”: no challenge gives it yet."
            : "Badge “\(name)”: for completing \(list(challenges.map { "“\($0)”" }, or: true))."
    }

    func wheelPrize(points: Int?, reward: String?, percent: String, budget: PrizeBudget?) -> String {
        let what = points == nil && reward == nil ? "nothing" : gives(points: points, reward: reward, badge: nil)
        var limits: [String] = []
        if let total = budget?.total { limits.append("at most \(times(total)) in all") }
        if let perPeriod = budget?.perPeriod, let period = budget?.period { limits.append("at most \(times(perPeriod)) \(span(period))") }
        return "\(what) (\(([percent + "%"] + limits).joined(separator: ", ")))"
    }

    func wheel(name: String, costPoints: Int?, earnedBy: [GameEarning], limit: PlayLimit?, prizes: [String]) -> String {
        var pay: [String] = []
        if let costPoints { pay.append("costs \(points(costPoints))") }
        if !earnedBy.isEmpty {
            pay.append("is free with a play earned by " + list(earnedBy.map { "each \(SummaryFormat.eventWords($0.event))" + ($0.count == 1 ? "" : " (\(number($0.count)) plays)") }, or: true))
        }
        var text = "\(name): a spin " + (pay.isEmpty ? "needs a play granted by staff" : list(pay, or: true))
        if let limit { text += "; at most \(number(limit.maxPlays)) spin\(limit.maxPlays == 1 ? "" : "s") \(span(limit.period)) per member" }
        return text + ". Prizes: \(prizes.joined(separator: ", "))."
    }

    func raffle(name: String, costPoints: Int?, earnedBy: [GameEarning], maxPerMember: Int?, drawAt: String, winners: Int, prizePoints: Int?) -> String {
        var ways: [String] = []
        if let costPoints { ways.append("costs \(points(costPoints))") }
        if !earnedBy.isEmpty {
            ways.append("comes with " + list(earnedBy.map { "each \(SummaryFormat.eventWords($0.event))" + ($0.count == 1 ? "" : " (\(number($0.count)) entries)") }, or: true))
        }
        var text = "\(name): an entry \(list(ways, or: true))"
        if let maxPerMember { text += "; at most \(number(maxPerMember)) entr\(maxPerMember == 1 ? "y" : "ies") per member" }
        text += "; \(number(winners)) winner\(winners == 1 ? "" : "s") drawn on \(drawAt)"
        if let prizePoints { text += ", each winning \(points(prizePoints))" }
        return text + "."
    }
}

extension ChallengePeriod {
    /// The period as an English noun: day(s), week(s), month(s).
    fileprivate func unit(count: Int) -> String {
        let noun = switch self {
        case .daily: "day"
        case .weekly: "week"
        case .monthly: "month"
        }
        return count == 1 ? noun : noun + "s"
    }
}
