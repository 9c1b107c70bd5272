/// The play mechanics of the program summary in Turkish: referrals, punch cards, challenges and
/// badges, wheels and raffles.
extension TurkishSummaryPhrases {
    var referralsTitle: String { "Arkadaş davetleri" }
    var punchCardsTitle: String { "Damga kartları" }
    var challengesTitle: String { "Görevler ve rozetler" }
    var gamesTitle: String { "Oyunlar" }

    func gives(points: Int?, reward: String?, badge: String?) -> String {
        list((points.map { [self.points($0)] } ?? []) + (reward.map { ["“\($0)” ödülü"] } ?? []) + (badge.map { ["“\($0)” rozeti"] } ?? []))
    }

    func times(_ count: Int) -> String { count == 1 ? "bir kez" : "\(number(count)) kez" }

    func span(_ period: RuleLimit.Period, rolling: Bool = false) -> String {
        switch (period, rolling) {
        case (.lifetime, _): "toplamda"
        case (.day, false): "günde"
        case (.week, false): "haftada"
        case (.month, false): "ayda"
        case (.year, false): "yılda"
        case (.day, true): "herhangi 24 saatte"
        case (.week, true): "herhangi 7 günde"
        case (.month, true): "herhangi 30 günde"
        case (.year, true): "herhangi 365 günde"
        }
    }

    func unit(_ period: ChallengePeriod) -> String {
        switch period {
        case .daily: "gün"
        case .weekly: "hafta"
        case .monthly: "ay"
        }
    }

    func referral(trigger: ReferralTrigger, minAmount: String?, referrer: String?, friend: String?) -> String {
        let when: String = switch trigger {
        case .enrolled: "Bir arkadaş üyenin davet koduyla katıldığında"
        case .firstPurchase: "Davet edilen arkadaşın " + (minAmount.map { "\($0) ve üzeri " } ?? "") + "ilk alışverişinde"
        case .purchases(let days, let maxTimes, _):
            "Davet edilen arkadaşın ilk \(number(days)) gününde yaptığı " + (minAmount.map { "\($0) ve üzeri " } ?? "") + "her alışverişte"
                + (maxTimes.map { " (en fazla \(times($0)))" } ?? "")
        }
        let gets = (referrer.map { ["davet eden \($0) kazanır"] } ?? []) + (friend.map { ["arkadaş \($0) kazanır"] } ?? [])
        return "\(when): \(list(gets))."
    }

    func referralControls(fingerprints: [String], cap: ReferralCap?, pendingDays: Int) -> String {
        var text = "Kimse kendini ya da aynı \(list(["e-posta", "telefon"] + fingerprints.map(SummaryFormat.eventWords), or: true)) bilgisine sahip bir arkadaşı davet edemez"
        if let cap { text += "; bir üye \(span(cap.period, rolling: cap.window == .rolling)) en fazla \(number(cap.maxReferrals)) arkadaş getirebilir" }
        if pendingDays > 0 { text += "; arkadaşın alışverişi için verilen puanlar \(number(pendingDays)) gün bekler ve iade bunları iptal eder" }
        return text + "."
    }

    func punchCard(name: String, stamps: Int, products: [String], minAmount: String?, expiryDays: Int?, gives: String, revokes: Bool) -> String {
        var purchases = ""
        if !products.isEmpty { purchases += "\(list(products, or: true)) içeren " }
        if let minAmount { purchases += "\(minAmount) ve üzeri " }
        var text = "\(name): \(purchases)\(number(stamps)) alışveriş kartı tamamlar; kart \(gives) verir ve baştan başlar"
        if let expiryDays { text += "; bir damga \(number(expiryDays)) gün geçerlidir" }
        text += revokes ? "; iade, henüz kullanılmadıysa kartın verdiğini geri alır" : "; iade yalnızca kendi damgasını siler"
        return text + "."
    }

    func challenge(name: String, measure: ChallengeDefinition.Measure, event: String, target: Int, repeats: ChallengePeriod?, window: String?,
                   optIn: Bool, tiers: [String], segments: [String], gives: String) -> String {
        let words = "“\(SummaryFormat.eventWords(event))”"
        let goal: String = switch measure {
        case .count: "\(times(target)) \(words)"
        case .distinct(let attribute):
            "\(number(target)) farklı \(attribute == .category ? "kategoride" : attribute == .sku ? "üründe" : "etikette") \(words)"
        case .sum(let attribute): "toplam \(number(target)) \(SummaryFormat.eventWords(attribute))"
        case .streak(let period, let grace):
            "üst üste \(number(target)) \(unit(period)) \(words)" + (grace > 0 ? " (kaçırılan \(number(grace)) \(unit(period)) affedilir)" : "")
        }
        var text = "\(name): \(goal)"
        if let repeats { text += ", her \(unit(repeats)) yeniden başlar" }
        if let window { text += ", \(window)" }
        if !tiers.isEmpty { text += ", \(list(tiers, or: true)) üyeleri için" }
        if !segments.isEmpty { text += ", \(list(segments, or: true)) segmenti için" }
        if optIn { text += ", katılan üyeler için" }
        return text + (gives.isEmpty ? "." : "; \(gives) verir.")
    }

    func badge(name: String, challenges: [String]) -> String {
        challenges.isEmpty ? "“\(name)” rozeti: henüz hiçbir görev vermiyor."
            : "“\(name)” rozeti: \(list(challenges.map { "“\($0)”" }, or: true)) tamamlanınca verilir."
    }

    func wheelPrize(points: Int?, reward: String?, percent: String, budget: PrizeBudget?) -> String {
        let what = points == nil && reward == nil ? "boş" : gives(points: points, reward: reward, badge: nil)
        var limits: [String] = []
        if let total = budget?.total { limits.append("toplamda en fazla \(times(total))") }
        if let perPeriod = budget?.perPeriod, let period = budget?.period { limits.append("\(span(period)) en fazla \(times(perPeriod))") }
        return "\(what) (\((["%" + percent] + limits).joined(separator: ", ")))"
    }

    func wheel(name: String, costPoints: Int?, earnedBy: [GameEarning], limit: PlayLimit?, prizes: [String]) -> String {
        var pay: [String] = []
        if let costPoints { pay.append("\(points(costPoints)) tutar") }
        if !earnedBy.isEmpty {
            pay.append(list(earnedBy.map { "her “\(SummaryFormat.eventWords($0.event))”" + ($0.count == 1 ? "" : " (\(number($0.count)) hak)") }, or: true)
                       + " ile kazanılan bir hakla ücretsizdir")
        }
        var text = "\(name): bir çevirme " + (pay.isEmpty ? "personelin verdiği bir hak gerektirir" : list(pay, or: true))
        if let limit { text += "; üye başına \(span(limit.period)) en fazla \(number(limit.maxPlays)) çevirme" }
        return text + ". Ödüller: \(prizes.joined(separator: ", "))."
    }

    func raffle(name: String, costPoints: Int?, earnedBy: [GameEarning], maxPerMember: Int?, drawAt: String, winners: Int, prizePoints: Int?) -> String {
        var ways: [String] = []
        if let costPoints { ways.append("\(points(costPoints)) tutar") }
        if !earnedBy.isEmpty {
            ways.append(list(earnedBy.map { "her “\(SummaryFormat.eventWords($0.event))”" + ($0.count == 1 ? "" : " (\(number($0.count)) katılım)") }, or: true)
                        + " ile gelir")
        }
        var text = "\(name): bir katılım \(list(ways, or: true))"
        if let maxPerMember { text += "; üye başına en fazla \(number(maxPerMember)) katılım" }
        text += "; \(drawAt) tarihinde \(number(winners)) kazanan çekilir"
        if let prizePoints { text += ", her biri \(points(prizePoints)) kazanır" }
        return text + "."
    }
}
