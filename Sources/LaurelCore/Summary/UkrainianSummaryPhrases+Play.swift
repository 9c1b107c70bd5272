/// The play mechanics of the program summary in Ukrainian: referrals, punch cards, challenges and
/// badges, wheels and raffles.
extension UkrainianSummaryPhrases {
    var referralsTitle: String { "Запрошення друзів" }
    var punchCardsTitle: String { "Картки зі штампами" }
    var challengesTitle: String { "Завдання і значки" }
    var gamesTitle: String { "Ігри" }

    func gives(points: Int?, reward: String?, badge: String?) -> String {
        list((points.map { [self.points($0)] } ?? []) + (reward.map { ["нагороду «\($0)»"] } ?? []) + (badge.map { ["значок «\($0)»"] } ?? []))
    }

    func times(_ count: Int) -> String { count == 1 ? "один раз" : "\(number(count)) \(plural(count, "раз", "рази", "разів"))" }

    func span(_ period: RuleLimit.Period, rolling: Bool = false) -> String {
        switch (period, rolling) {
        case (.lifetime, _): "загалом"
        case (.day, false): "на день"
        case (.week, false): "на тиждень"
        case (.month, false): "на місяць"
        case (.year, false): "на рік"
        case (.day, true): "за будь-які 24 години"
        case (.week, true): "за будь-які 7 днів"
        case (.month, true): "за будь-які 30 днів"
        case (.year, true): "за будь-які 365 днів"
        }
    }

    func units(_ period: ChallengePeriod, _ count: Int) -> String {
        switch period {
        case .daily: days(count)
        case .weekly: "\(number(count)) \(plural(count, "тиждень", "тижні", "тижнів"))"
        case .monthly: months(count)
        }
    }

    func referral(trigger: ReferralTrigger, minAmount: String?, referrer: String?, friend: String?) -> String {
        let when: String = switch trigger {
        case .enrolled: "Коли друг приєднується за реферальним кодом учасника"
        case .firstPurchase: "За першу покупку запрошеного друга" + (minAmount.map { " від \($0)" } ?? "")
        case .purchases(let days, let maxTimes, _):
            "За кожну покупку" + (minAmount.map { " від \($0)" } ?? "") + " запрошеного друга протягом перших \(self.days(days))"
                + (maxTimes.map { " (щонайбільше \(times($0)))" } ?? "")
        }
        let gets = (referrer.map { ["той, хто запросив, отримує \($0)"] } ?? []) + (friend.map { ["друг отримує \($0)"] } ?? [])
        return "\(when): \(list(gets))."
    }

    func referralControls(fingerprints: [String], cap: ReferralCap?, pendingDays: Int) -> String {
        var text = "Не можна запросити себе або друга з тією самою електронною поштою чи телефоном"
        if !fingerprints.isEmpty { text += " або зі спільним атрибутом \(list(fingerprints.map { "«\(SummaryFormat.eventWords($0))»" }, or: true))" }
        if let cap {
            text += "; учасник може привести щонайбільше \(number(cap.maxReferrals)) \(plural(cap.maxReferrals, "друга", "друзів", "друзів")) "
                + span(cap.period, rolling: cap.window == .rolling)
        }
        if pendingDays > 0 { text += "; бали за покупку друга очікують \(days(pendingDays)), а повернення їх скасовує" }
        return text + "."
    }

    func punchCard(name: String, stamps: Int, products: [String], minAmount: String?, expiryDays: Int?, gives: String, revokes: Bool) -> String {
        var purchases = "\(number(stamps)) \(plural(stamps, "покупка", "покупки", "покупок"))"
        if !products.isEmpty { purchases += " з \(list(products, or: true))" }
        if let minAmount { purchases += " від \(minAmount)" }
        var text = "\(name): \(purchases) заповнюють картку, яка дає \(gives) і починається знову"
        if let expiryDays { text += "; штамп діє \(days(expiryDays))" }
        text += revokes ? "; повернення забирає те, що дала картка, якщо воно ще не використане" : "; повернення знімає лише свій штамп"
        return text + "."
    }

    func challenge(name: String, measure: ChallengeDefinition.Measure, event: String, target: Int, repeats: ChallengePeriod?, window: String?,
                   optIn: Bool, tiers: [String], segments: [String], gives: String) -> String {
        let words = "«\(SummaryFormat.eventWords(event))»"
        let goal: String = switch measure {
        case .count: "\(words) \(times(target))"
        case .distinct(let attribute):
            "\(words) у \(number(target)) різних \(attribute == .category ? "категоріях" : attribute == .sku ? "товарах" : "мітках")"
        case .sum(let attribute): "набрати \(number(target)) «\(SummaryFormat.eventWords(attribute))» загалом"
        case .streak(let period, let grace):
            "\(words) \(units(period, target)) поспіль" + (grace > 0 ? " (пропуск: \(units(period, grace)) пробачається)" : "")
        }
        var text = "\(name): \(goal)"
        if let repeats {
            let every = switch repeats {
            case .daily: "щодня"
            case .weekly: "щотижня"
            case .monthly: "щомісяця"
            }
            text += ", починається знову \(every)"
        }
        if let window { text += ", \(window)" }
        if !tiers.isEmpty { text += ", для учасників рівня \(list(tiers, or: true))" }
        if !segments.isEmpty { text += ", для сегмента \(list(segments, or: true))" }
        if optIn { text += ", для учасників, які приєдналися" }
        return text + (gives.isEmpty ? "." : "; дає \(gives).")
    }

    func badge(name: String, challenges: [String]) -> String {
        challenges.isEmpty ? "Значок «\(name)»: жодне завдання його ще не дає."
            : "Значок «\(name)»: за виконання \(list(challenges.map { "«\($0)»" }, or: true))."
    }

    func wheelPrize(points: Int?, reward: String?, percent: String, budget: PrizeBudget?) -> String {
        let what = points == nil && reward == nil ? "нічого" : gives(points: points, reward: reward, badge: nil)
        var limits: [String] = []
        if let total = budget?.total { limits.append("щонайбільше \(times(total)) загалом") }
        if let perPeriod = budget?.perPeriod, let period = budget?.period { limits.append("щонайбільше \(times(perPeriod)) \(span(period))") }
        return "\(what) (\(([percent + "\u{00A0}%"] + limits).joined(separator: ", ")))"
    }

    func wheel(name: String, costPoints: Int?, earnedBy: [GameEarning], limit: PlayLimit?, prizes: [String]) -> String {
        var pay: [String] = []
        if let costPoints { pay.append("коштує \(points(costPoints))") }
        if !earnedBy.isEmpty {
            pay.append("безкоштовний за гру, зароблену кожною подією "
                       + list(earnedBy.map { "«\(SummaryFormat.eventWords($0.event))»" + ($0.count == 1 ? "" : " (\(number($0.count)) \(plural($0.count, "гра", "гри", "ігор")))") }, or: true))
        }
        var text = "\(name): оберт " + (pay.isEmpty ? "потребує гри, наданої персоналом" : list(pay, or: true))
        if let limit { text += "; щонайбільше \(number(limit.maxPlays)) \(plural(limit.maxPlays, "оберт", "оберти", "обертів")) \(span(limit.period)) на учасника" }
        return text + ". Призи: \(prizes.joined(separator: ", "))."
    }

    func raffle(name: String, costPoints: Int?, earnedBy: [GameEarning], maxPerMember: Int?, drawAt: String, winners: Int, prizePoints: Int?) -> String {
        var ways: [String] = []
        if let costPoints { ways.append("коштує \(points(costPoints))") }
        if !earnedBy.isEmpty {
            ways.append("дається за кожну подію "
                        + list(earnedBy.map { "«\(SummaryFormat.eventWords($0.event))»" + ($0.count == 1 ? "" : " (\(number($0.count)) \(plural($0.count, "квиток", "квитки", "квитків")))") }, or: true))
        }
        var text = "\(name): квиток \(list(ways, or: true))"
        if let maxPerMember { text += "; щонайбільше \(number(maxPerMember)) \(plural(maxPerMember, "квиток", "квитки", "квитків")) на учасника" }
        text += "; \(number(winners)) \(plural(winners, "переможця", "переможців", "переможців")) визначають \(drawAt)"
        if let prizePoints { text += ", кожен отримує \(points(prizePoints))" }
        return text + "."
    }
}
