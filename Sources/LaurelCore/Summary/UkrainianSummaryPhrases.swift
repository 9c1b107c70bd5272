/// The program summary in Ukrainian.
struct UkrainianSummaryPhrases: SummaryPhrases {
    let earningTitle = "Нарахування балів"
    let pointsTitle = "Бали"
    let tiersTitle = "Рівні"
    let clubsTitle = "Клуби"
    let campaignsTitle = "Кампанії"
    let birthdayTitle = "День народження"
    let noEarningRules = "Правил нарахування ще немає: учасники нічого не отримують."
    let delivery = "доставки"

    /// Ukrainian nouns after a number: 1 бал, 2 бали, 5 балів (21 бал, 12 балів).
    func plural(_ count: Int, _ one: String, _ few: String, _ many: String) -> String {
        let (tens, units) = (count.magnitude % 100, count.magnitude % 10)
        if units == 1 && tens != 11 { return one }
        if (2...4).contains(units) && !(12...14).contains(tens) { return few }
        return many
    }

    func number(_ value: Int) -> String { SummaryFormat.grouped(value, separator: "\u{00A0}") }
    func number(_ value: Amount) -> String { SummaryFormat.amount(value, group: "\u{00A0}", decimal: ",") }
    func money(_ value: Amount, currency: String) -> String { "\(number(value))\u{00A0}\(SummaryFormat.symbol(currency))" }
    func points(_ count: Int) -> String { "\(number(count)) \(plural(count, "бал", "бали", "балів"))" }
    func pointsAmount(_ value: Amount) -> String {
        let whole = value.units % Amount(integer: 1).units == 0 ? Int(value.units / Amount(integer: 1).units) : nil
        return whole.map(points) ?? "\(number(value)) бала"
    }
    func days(_ count: Int) -> String { "\(number(count)) \(plural(count, "день", "дні", "днів"))" }
    func months(_ count: Int) -> String { "\(number(count)) \(plural(count, "місяць", "місяці", "місяців"))" }

    func list(_ items: [String], or: Bool = false) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + (or ? " або " : " і ") + items.last!
    }

    func pointsPerAmount(points: Amount, per: String, onTotal: Bool, only: [String], except: [String], minOrder: String?) -> String {
        var text = "\(pointsAmount(points)) за кожні \(per) витрат"
        if onTotal { text += " (від суми замовлення)" }
        if !only.isEmpty { text += " на \(list(only))" }
        if let minOrder { text += " у замовленнях від \(minOrder)" }
        if !except.isEmpty { text += " (крім \(list(except, or: true)))" }
        return text
    }
    func fixedPoints(_ points: Int, event: String) -> String {
        event == "purchase" ? "\(self.points(points)) за кожну покупку" : "\(self.points(points)) за кожну подію «\(SummaryFormat.eventWords(event))»"
    }
    func productBonus(_ points: Int, per: ProductBonus.Per, of products: [String]) -> String {
        switch per {
        case .unit: "бонус \(self.points(points)) за кожну одиницю товару \(list(products, or: true))"
        case .line: "бонус \(self.points(points)) за кожен рядок чека з \(list(products, or: true))"
        case .order: "бонус \(self.points(points)) один раз за замовлення з \(list(products, or: true))"
        }
    }
    func multiplier(_ factor: Amount, on products: [String]) -> String {
        let words = [Amount(integer: 2): "подвійні", Amount(integer: 3): "потрійні", Amount(integer: 4): "учетверені"]
        let times = words[factor].map { "\($0) бали" } ?? "бали ×\(SummaryFormat.factor(factor, decimal: ","))"
        return products.isEmpty ? times : "\(times) на \(list(products))"
    }
    func pointsPerAttribute(points: Amount, per: Amount, attribute: String) -> String {
        "\(pointsAmount(points)) за кожні \(number(per)) \(SummaryFormat.eventWords(attribute))"
    }
    func gift(reward: String, event: String) -> String { "нагорода «\(reward)» у подарунок за кожну подію «\(SummaryFormat.eventWords(event))»" }

    static let dayNames = ["понеділках", "вівторках", "середах", "четвергах", "п’ятницях", "суботах", "неділях"]
    func onDays(_ days: [Int]) -> String { "по " + list(days.compactMap { (1...7).contains($0) ? Self.dayNames[$0 - 1] : nil }) }
    func consented(_ name: String) -> String { "для учасників, які дали згоду на \(name)" }
    func inStores(_ stores: [String]) -> String { stores.count == 1 ? "у магазині \(stores[0])" : "у магазинах \(list(stores, or: true))" }
    func basketHas(_ products: [String]) -> String { "якщо в кошику є \(list(products, or: true))" }
    func clubMembers(_ club: String) -> String { "для учасників клубу \(club)" }
    func tierMembers(_ tiers: [String]) -> String { "для учасників рівня \(list(tiers, or: true))" }

    func field(_ path: String, op: ComparisonOperator, value: String?, isMoney currency: String?) -> String {
        let subject: String = switch path {
        case "event.total": "сума замовлення"
        case "event.channel": "канал"
        case "event.store": "магазин"
        case "member.tier": "рівень учасника"
        case "member.status": "статус учасника"
        case "member.clubs": "клуби учасника"
        default:
            path.hasPrefix("member.") ? "атрибут учасника «\(SummaryFormat.eventWords(String(path.dropFirst(7))))»"
                : "атрибут події «\(SummaryFormat.eventWords(String(path.dropFirst(path.hasPrefix("event.") ? 6 : 0))))»"
        }
        let shown = value.map { text in currency.flatMap { code in Amount(text).map { money($0, currency: code) } } ?? text } ?? ""
        return switch op {
        case .eq: "якщо \(subject) — \(shown)"
        case .ne: "якщо \(subject) не \(shown)"
        case .gt: "якщо \(subject) більше ніж \(shown)"
        case .gte: "якщо \(subject) не менше ніж \(shown)"
        case .lt: "якщо \(subject) менше ніж \(shown)"
        case .lte: "якщо \(subject) не більше ніж \(shown)"
        case .in: "якщо \(subject) — одне з: \(shown)"
        case .notIn: "якщо \(subject) — жодне з: \(shown)"
        case .exists: "якщо \(subject) задано"
        case .contains: "якщо \(subject) містить \(shown)"
        }
    }

    func limit(maxTimes: Int?, maxPoints: Int?, period: RuleLimit.Period, rolling: Bool) -> String {
        let span: String = switch (period, rolling) {
        case (.lifetime, _): "на учасника"
        case (.day, false): "на день"
        case (.week, false): "на тиждень"
        case (.month, false): "на місяць"
        case (.year, false): "на рік"
        case (.day, true): "за будь-які 24 години"
        case (.week, true): "за будь-які 7 днів"
        case (.month, true): "за будь-які 30 днів"
        case (.year, true): "за будь-які 365 днів"
        }
        var parts: [String] = []
        if let maxTimes { parts.append(maxTimes == 1 ? "один раз" : "\(number(maxTimes)) \(plural(maxTimes, "раз", "рази", "разів"))") }
        if let maxPoints { parts.append(points(maxPoints)) }
        return "щонайбільше \(parts.joined(separator: " і ")) \(span)"
    }
    func between(_ from: String?, _ until: String?) -> String {
        switch (from, until) {
        case let (from?, until?): "з \(from) до \(until)"
        case let (from?, nil): "з \(from)"
        case let (nil, until?): "до \(until)"
        default: ""
        }
    }
    func rule(effect: String, conditions: [String], limit: String?, window: String?, stops: Bool) -> String {
        var text = ([effect] + conditions).joined(separator: " ")
        if let limit { text += ", \(limit)" }
        if let window { text += ", \(window)" }
        if stops { text += "; наступні правила для цієї події не враховуються" }
        return text.prefix(1).uppercased() + text.dropFirst() + "."
    }

    func pointValue(_ money: String) -> String { "Один бал коштує \(money)." }
    func expiry(_ policy: ExpiryPolicy) -> String {
        switch policy {
        case .never: "Бали не згорають."
        case .afterDays(let count): "Бали згорають через \(days(count)) після нарахування."
        case .endOfMonth(let count):
            count == 0 ? "Бали згорають наприкінці місяця нарахування."
                : "Бали згорають наприкінці місяця, через \(months(count)) після місяця нарахування."
        case .endOfYear(let years):
            years == 0 ? "Бали згорають наприкінці року нарахування."
                : "Бали згорають наприкінці року, через \(number(years)) \(plural(years, "рік", "роки", "років")) після року нарахування."
        }
    }
    func pending(days count: Int) -> String { "Бали за покупку очікують \(days(count)) (строк повернення), перш ніж їх можна витратити." }
    func returns(_ whenSpent: ReturnPolicy.WhenSpent, debtLimit: Int) -> String {
        switch whenSpent {
        case .takeAvailable: "Повернення забирає свої бали з інших балів учасника, але баланс не стає від’ємним."
        case .debt: "Повернення після того, як бали витрачено, може залишити учасника винним до \(points(debtLimit))."
        }
    }

    func tierBasis(_ basis: TierPolicy.Basis, window: TierPolicy.Window) -> String {
        if basis == .pointsBalance { return "Рівень визначається поточним балансом балів: витрата балів може його знизити." }
        let what: String = switch basis {
        case .pointsEarned: "нарахованими балами"
        case .pointsBalance: "балансом балів"
        case .amountSpent: "сумою покупок"
        case .purchases: "кількістю покупок"
        }
        let when: String = switch window {
        case .lifetime: "з моменту вступу"
        case .calendarYear: "за календарний рік"
        case .rollingMonths(let count): "за останні \(months(count))"
        }
        return "Рівень визначається \(what) \(when)."
    }
    func tier(name: String, threshold: String, basis: TierPolicy.Basis, benefits: TierBenefits) -> String {
        let unit: String = switch basis {
        case .pointsEarned: "\(threshold) балів"
        case .amountSpent: "\(threshold) витрат"
        case .purchases: "\(threshold) покупок"
        case .pointsBalance: "балансу \(threshold) балів"
        }
        var perks: [String] = []
        if let multiplier = benefits.earningMultiplier { perks.append("бали ×\(SummaryFormat.factor(multiplier, decimal: ","))") }
        if benefits.bonusPoints > 0 { perks.append("\(points(benefits.bonusPoints)) при досягненні") }
        if let discount = benefits.discountPercent { perks.append("знижка \(number(discount))%") }
        perks += benefits.perks
        return "\(name): від \(unit)" + (perks.isEmpty ? "." : "; \(perks.joined(separator: ", ")).")
    }
    func downgrade(_ downgrade: TierPolicy.Downgrade) -> String {
        switch downgrade {
        case .never: "Досягнутий рівень зберігається."
        case .automatic: "Учасник переходить на нижчий рівень, щойно перестає відповідати умовам."
        case .review(let count): "Рівень зберігається щонайменше \(months(count)) після зміни, потім переглядається."
        }
    }

    func club(name: String, pointsCost: Int?, tiers: [String], invitations: ClubDefinition.Invitations, months count: Int?, cap: Int?) -> String {
        var ways: [String] = []
        if let pointsCost { ways.append("за \(points(pointsCost))") }
        if !tiers.isEmpty { ways.append("досягнувши рівня \(list(tiers, or: true))") }
        switch invitations {
        case .none: break
        case .staff: ways.append("за запрошенням персоналу")
        case .members: ways.append("за запрошенням персоналу або учасників")
        }
        var text = "\(name): вступ \(list(ways, or: true))"
        if let count { text += "; членство триває \(months(count))" }
        if let cap { text += "; щонайбільше \(number(cap)) учасників" }
        return text + "."
    }
    func campaign(name: String, from: String, until: String, rules: [String], pointsGift: Int?) -> String {
        var text = "\(name) (\(from) – \(until))"
        let parts = rules.map { String($0.dropLast()) } + (pointsGift.map { ["подарунок: \(points($0))"] } ?? [])
        if !parts.isEmpty { text += ": " + parts.joined(separator: "; ") }
        return text + "."
    }
    func birthday(points: Int?, reward: String?, daysBefore: Int, daysAfter: Int) -> String {
        let gift = list((points.map { [self.points($0)] } ?? []) + (reward.map { ["нагорода «\($0)»"] } ?? []))
        var text = "\(gift.prefix(1).uppercased() + gift.dropFirst()) на день народження учасника"
        if daysBefore > 0 || daysAfter > 0 { text += " (за \(days(daysBefore)) до і протягом \(days(daysAfter)) після)" }
        return text + ", раз на рік."
    }
}
