/// The program summary in English.
struct EnglishSummaryPhrases: SummaryPhrases {
    let earningTitle = "Earning points"
    let pointsTitle = "Points"
    let tiersTitle = "Tiers"
    let clubsTitle = "Clubs"
    let campaignsTitle = "Campaigns"
    let birthdayTitle = "Birthday"
    let noEarningRules = "No earning rules yet: members earn nothing."
    let delivery = "delivery"

    func number(_ value: Int) -> String { SummaryFormat.grouped(value, separator: ",") }
    func number(_ value: Amount) -> String { SummaryFormat.amount(value, group: ",", decimal: ".") }
    func money(_ value: Amount, currency: String) -> String {
        let symbol = SummaryFormat.symbol(currency)
        return symbol.count == 1 ? symbol + number(value) : "\(number(value)) \(symbol)"
    }
    func points(_ count: Int) -> String { count == 1 ? "1 point" : "\(number(count)) points" }
    func pointsAmount(_ value: Amount) -> String { value == Amount(integer: 1) ? "1 point" : "\(number(value)) points" }

    func list(_ items: [String], or: Bool = false) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + (or ? " or " : " and ") + items.last!
    }

    func pointsPerAmount(points: Amount, per: String, onTotal: Bool, only: [String], except: [String], minOrder: String?) -> String {
        var text = "\(pointsAmount(points)) per \(per) spent"
        if onTotal { text += " on the order total" }
        if !only.isEmpty { text += " on \(list(only))" }
        if let minOrder { text += " on orders of \(minOrder) or more" }
        if !except.isEmpty { text += " (not on \(list(except, or: true)))" }
        return text
    }
    func fixedPoints(_ points: Int, event: String) -> String {
        event == "purchase" ? "\(self.points(points)) per purchase" : "\(self.points(points)) for each \(SummaryFormat.eventWords(event))"
    }
    func productBonus(_ points: Int, per: ProductBonus.Per, of products: [String]) -> String {
        let bonus = points == 1 ? "1 bonus point" : "\(number(points)) bonus points"
        switch per {
        case .unit: return "\(bonus) per item of \(list(products, or: true))"
        case .line: return "\(bonus) per line of \(list(products, or: true))"
        case .order: return "\(bonus) once per order with \(list(products, or: true))"
        }
    }
    func multiplier(_ factor: Amount, on products: [String]) -> String {
        let words = [Amount(integer: 2): "double", Amount(integer: 3): "triple", Amount(integer: 4): "quadruple"]
        let times = words[factor].map { "\($0) points" } ?? "×\(SummaryFormat.factor(factor, decimal: ".")) points"
        return products.isEmpty ? times : "\(times) on \(list(products))"
    }
    func pointsPerAttribute(points: Amount, per: Amount, attribute: String) -> String {
        "\(pointsAmount(points)) per \(number(per)) \(SummaryFormat.eventWords(attribute))"
    }
    func gift(reward: String, event: String) -> String { "the reward “\(reward)” as a gift on each \(SummaryFormat.eventWords(event))" }

    static let dayNames = ["Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays"]
    func onDays(_ days: [Int]) -> String { "on " + list(days.compactMap { (1...7).contains($0) ? Self.dayNames[$0 - 1] : nil }) }
    func consented(_ name: String) -> String { "for members who consented to \(name)" }
    func inStores(_ stores: [String]) -> String { stores.count == 1 ? "in store \(stores[0])" : "in stores \(list(stores, or: true))" }
    func basketHas(_ products: [String]) -> String { "when the basket has \(list(products, or: true))" }
    func clubMembers(_ club: String) -> String { "for members of the \(club)" }
    func tierMembers(_ tiers: [String]) -> String { "for \(list(tiers, or: true)) members" }

    func field(_ path: String, op: ComparisonOperator, value: String?, isMoney currency: String?) -> String {
        let subject: String = switch path {
        case "event.total": "the order total"
        case "event.channel": "the channel"
        case "event.store": "the store"
        case "member.tier": "the member's tier"
        case "member.status": "the member's status"
        case "member.clubs": "the member's clubs"
        default:
            path.hasPrefix("member.") ? "the member's \(SummaryFormat.eventWords(String(path.dropFirst(7))))"
                : "the event's \(SummaryFormat.eventWords(String(path.dropFirst(path.hasPrefix("event.") ? 6 : 0))))"
        }
        let shown = value.map { text in currency.flatMap { code in Amount(text).map { money($0, currency: code) } } ?? text } ?? ""
        let verb: String = switch op {
        case .eq: "is \(shown)"
        case .ne: "is not \(shown)"
        case .gt: "is more than \(shown)"
        case .gte: "is at least \(shown)"
        case .lt: "is less than \(shown)"
        case .lte: "is at most \(shown)"
        case .in: "is one of \(shown)"
        case .notIn: "is none of \(shown)"
        case .exists: "is set"
        case .contains: "includes \(shown)"
        }
        return "when \(subject) \(verb)"
    }

    func limit(maxTimes: Int?, maxPoints: Int?, period: RuleLimit.Period, rolling: Bool) -> String {
        let span: String = switch (period, rolling) {
        case (.lifetime, _): "per member"
        case (.day, false): "a day"
        case (.week, false): "a week"
        case (.month, false): "a month"
        case (.year, false): "a year"
        case (.day, true): "in any 24 hours"
        case (.week, true): "in any 7 days"
        case (.month, true): "in any 30 days"
        case (.year, true): "in any 365 days"
        }
        var parts: [String] = []
        if let maxTimes { parts.append(maxTimes == 1 ? "once" : "\(number(maxTimes)) times") }
        if let maxPoints { parts.append(points(maxPoints)) }
        return "at most \(parts.joined(separator: " and ")) \(span)"
    }
    func between(_ from: String?, _ until: String?) -> String {
        switch (from, until) {
        case let (from?, until?): "from \(from) until \(until)"
        case let (from?, nil): "from \(from)"
        case let (nil, until?): "until \(until)"
        default: ""
        }
    }
    func rule(effect: String, conditions: [String], limit: String?, window: String?, stops: Bool) -> String {
        var text = ([effect] + conditions).joined(separator: " ")
        if let limit { text += ", \(limit)" }
        if let window { text += ", \(window)" }
        if stops { text += "; no later rule counts for the same event" }
        return text.prefix(1).uppercased() + text.dropFirst() + "."
    }

    func pointValue(_ money: String) -> String { "A point is worth \(money)." }
    func expiry(_ policy: ExpiryPolicy) -> String {
        switch policy {
        case .never: "Points never expire."
        case .afterDays(let days): "Points expire \(number(days)) days after they are earned."
        case .endOfMonth(let months):
            months == 0 ? "Points expire at the end of the month they are earned in."
                : "Points expire at the end of the month, \(number(months)) months after the month they are earned in."
        case .endOfYear(let years):
            years == 0 ? "Points expire at the end of the year they are earned in."
                : "Points expire at the end of the year, \(number(years)) year\(years == 1 ? "" : "s") after the year they are earned in."
        }
    }
    func pending(days: Int) -> String { "Points for a purchase are pending for \(number(days)) days (the return window) before they can be spent." }
    func returns(_ whenSpent: ReturnPolicy.WhenSpent, debtLimit: Int) -> String {
        switch whenSpent {
        case .takeAvailable: "A return takes its points back from the member's other points, never below zero."
        case .debt: "A return after the points were spent may leave the member owing up to \(points(debtLimit))."
        }
    }

    func tierBasis(_ basis: TierPolicy.Basis, window: TierPolicy.Window) -> String {
        if basis == .pointsBalance { return "Tiers follow the points balance: spending points can lower the tier." }
        let what: String = switch basis {
        case .pointsEarned: "points earned"
        case .pointsBalance: "points balance"
        case .amountSpent: "money spent"
        case .purchases: "number of purchases"
        }
        let when: String = switch window {
        case .lifetime: "since joining"
        case .calendarYear: "in a calendar year"
        case .rollingMonths(let months): "in the last \(number(months)) months"
        }
        return "Tiers are reached by \(what) \(when)."
    }
    func tier(name: String, threshold: String, basis: TierPolicy.Basis, benefits: TierBenefits) -> String {
        let unit: String = switch basis {
        case .pointsEarned: "\(threshold) points"
        case .amountSpent: "\(threshold) spent"
        case .purchases: "\(threshold) purchases"
        case .pointsBalance: "a balance of \(threshold) points"
        }
        var perks: [String] = []
        if let multiplier = benefits.earningMultiplier { perks.append("×\(SummaryFormat.factor(multiplier, decimal: ".")) points") }
        if benefits.bonusPoints > 0 { perks.append("\(points(benefits.bonusPoints)) on reaching it") }
        if let discount = benefits.discountPercent { perks.append("\(number(discount))% off") }
        perks += benefits.perks
        return "\(name) from \(unit)" + (perks.isEmpty ? "." : ": \(perks.joined(separator: ", ")).")
    }
    func downgrade(_ downgrade: TierPolicy.Downgrade) -> String {
        switch downgrade {
        case .never: "A tier, once reached, is kept."
        case .automatic: "A member drops to a lower tier as soon as they no longer qualify."
        case .review(let months): "A tier is kept for at least \(number(months)) months after it changes; then it is reviewed."
        }
    }

    func club(name: String, pointsCost: Int?, tiers: [String], invitations: ClubDefinition.Invitations, months: Int?, cap: Int?) -> String {
        var ways: [String] = []
        if let pointsCost { ways.append("with \(points(pointsCost))") }
        if !tiers.isEmpty { ways.append("by reaching \(list(tiers, or: true))") }
        switch invitations {
        case .none: break
        case .staff: ways.append("by staff invitation")
        case .members: ways.append("by invitation from staff or members")
        }
        var text = "\(name): join \(list(ways, or: true))"
        if let months { text += "; membership lasts \(number(months)) months" }
        if let cap { text += "; at most \(number(cap)) members" }
        return text + "."
    }
    func campaign(name: String, from: String, until: String, rules: [String], pointsGift: Int?) -> String {
        var text = "\(name) (\(from) – \(until))"
        let parts = rules.map { String($0.dropLast()) } + (pointsGift.map { ["a gift of \(points($0))"] } ?? [])
        if !parts.isEmpty { text += ": " + parts.joined(separator: "; ") }
        return text + "."
    }
    func birthday(points: Int?, reward: String?, daysBefore: Int, daysAfter: Int) -> String {
        let gift = list((points.map { [self.points($0)] } ?? []) + (reward.map { ["the reward “\($0)”"] } ?? []))
        var text = "\(gift.prefix(1).uppercased() + gift.dropFirst()) on the member's birthday"
        if daysBefore > 0 || daysAfter > 0 { text += " (from \(number(daysBefore)) days before to \(number(daysAfter)) days after)" }
        return text + ", once a year."
    }
}
