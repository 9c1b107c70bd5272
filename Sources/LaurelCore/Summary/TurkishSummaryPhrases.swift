import Foundation

/// The program summary in Turkish.
struct TurkishSummaryPhrases: SummaryPhrases {
    let earningTitle = "Puan kazanma"
    let pointsTitle = "Puanlar"
    let tiersTitle = "Seviyeler"
    let clubsTitle = "Kulüpler"
    let campaignsTitle = "Kampanyalar"
    let birthdayTitle = "Doğum günü"
    let noEarningRules = "Henüz kazanma kuralı yok: üyeler puan kazanmıyor."
    let delivery = "teslimat"

    func number(_ value: Int) -> String { SummaryFormat.grouped(value, separator: ".") }
    func number(_ value: Amount) -> String { SummaryFormat.amount(value, group: ".", decimal: ",") }
    func money(_ value: Amount, currency: String) -> String {
        let symbol = SummaryFormat.symbol(currency)
        return symbol.count == 1 ? symbol + number(value) : "\(number(value)) \(symbol)"
    }
    func points(_ count: Int) -> String { "\(number(count)) puan" }
    func pointsAmount(_ value: Amount) -> String { "\(number(value)) puan" }

    func list(_ items: [String], or: Bool = false) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + (or ? " veya " : " ve ") + items.last!
    }

    func pointsPerAmount(points: Amount, per: String, onTotal: Bool, only: [String], except: [String], minOrder: String?) -> String {
        var text = ""
        if let minOrder { text += "\(minOrder) ve üzeri siparişlerde " }
        if !only.isEmpty { text += "\(list(only)) ürünlerinde " }
        text += "harcanan her \(per) için \(pointsAmount(points))"
        if onTotal { text += " (sipariş toplamı üzerinden)" }
        if !except.isEmpty { text += " (\(list(except)) hariç)" }
        return text
    }
    func fixedPoints(_ points: Int, event: String) -> String {
        event == "purchase" ? "her alışverişte \(self.points(points))" : "her “\(SummaryFormat.eventWords(event))” için \(self.points(points))"
    }
    func productBonus(_ points: Int, per: ProductBonus.Per, of products: [String]) -> String {
        switch per {
        case .unit: "\(list(products, or: true)) ürünlerinin her adedi için \(number(points)) bonus puan"
        case .line: "\(list(products, or: true)) içeren her satır için \(number(points)) bonus puan"
        case .order: "\(list(products, or: true)) içeren siparişte bir kez \(number(points)) bonus puan"
        }
    }
    func multiplier(_ factor: Amount, on products: [String]) -> String {
        let words = [Amount(integer: 2): "iki kat", Amount(integer: 3): "üç kat", Amount(integer: 4): "dört kat"]
        let times = words[factor].map { "\($0) puan" } ?? "×\(SummaryFormat.factor(factor, decimal: ",")) puan"
        return products.isEmpty ? times : "\(list(products)) ürünlerinde \(times)"
    }
    func pointsPerAttribute(points: Amount, per: Amount, attribute: String) -> String {
        "her \(number(per)) \(SummaryFormat.eventWords(attribute)) için \(pointsAmount(points))"
    }
    func gift(reward: String, event: String) -> String { "her “\(SummaryFormat.eventWords(event))” için hediye olarak “\(reward)” ödülü" }

    static let dayNames = ["pazartesi", "salı", "çarşamba", "perşembe", "cuma", "cumartesi", "pazar"]
    func onDays(_ days: [Int]) -> String { list(days.compactMap { (1...7).contains($0) ? Self.dayNames[$0 - 1] : nil }) + " günleri" }
    func consented(_ name: String) -> String { "\(name) iznini veren üyeler için" }
    func inStores(_ stores: [String]) -> String { "\(list(stores, or: true)) mağazasında" }
    func basketHas(_ products: [String]) -> String { "sepette \(list(products, or: true)) olduğunda" }
    func clubMembers(_ club: String) -> String { "\(club) üyelerine" }
    func tierMembers(_ tiers: [String]) -> String { "\(list(tiers, or: true)) üyelerine" }

    func field(_ path: String, op: ComparisonOperator, value: String?, isMoney currency: String?) -> String {
        let subject: String = switch path {
        case "event.total": "sipariş toplamı"
        case "event.channel": "kanal"
        case "event.store": "mağaza"
        case "member.tier": "üyenin seviyesi"
        case "member.status": "üyenin durumu"
        case "member.clubs": "üyenin kulüpleri"
        default:
            path.hasPrefix("member.") ? "üyenin “\(SummaryFormat.eventWords(String(path.dropFirst(7))))” bilgisi"
                : "etkinliğin “\(SummaryFormat.eventWords(String(path.dropFirst(path.hasPrefix("event.") ? 6 : 0))))” bilgisi"
        }
        let shown = value.map { text in currency.flatMap { code in Amount(text).map { money($0, currency: code) } } ?? text } ?? ""
        return switch op {
        case .eq: "\(subject) \(shown) olduğunda"
        case .ne: "\(subject) \(shown) olmadığında"
        case .gt: "\(subject) \(shown) üzerinde olduğunda"
        case .gte: "\(subject) en az \(shown) olduğunda"
        case .lt: "\(subject) \(shown) altında olduğunda"
        case .lte: "\(subject) en fazla \(shown) olduğunda"
        case .in: "\(subject) \(shown) değerlerinden biri olduğunda"
        case .notIn: "\(subject) \(shown) değerlerinden hiçbiri olmadığında"
        case .exists: "\(subject) tanımlı olduğunda"
        case .contains: "\(subject) \(shown) içerdiğinde"
        }
    }

    func limit(maxTimes: Int?, maxPoints: Int?, period: RuleLimit.Period, rolling: Bool) -> String {
        let span: String = switch (period, rolling) {
        case (.lifetime, _): "üye başına"
        case (.day, false): "günde"
        case (.week, false): "haftada"
        case (.month, false): "ayda"
        case (.year, false): "yılda"
        case (.day, true): "herhangi 24 saatte"
        case (.week, true): "herhangi 7 günde"
        case (.month, true): "herhangi 30 günde"
        case (.year, true): "herhangi 365 günde"
        }
        var parts: [String] = []
        if let maxTimes { parts.append(maxTimes == 1 ? "bir kez" : "\(number(maxTimes)) kez") }
        if let maxPoints { parts.append(points(maxPoints)) }
        return "\(span) en fazla \(parts.joined(separator: " ve "))"
    }
    func between(_ from: String?, _ until: String?) -> String {
        switch (from, until) {
        case let (from?, until?): "\(from) ile \(until) arasında"
        case let (from?, nil): "\(from) tarihinden itibaren"
        case let (nil, until?): "\(until) tarihine kadar"
        default: ""
        }
    }
    func rule(effect: String, conditions: [String], limit: String?, window: String?, stops: Bool) -> String {
        var text = (conditions + [effect]).joined(separator: " ")
        if let limit { text += ", \(limit)" }
        if let window { text += ", \(window)" }
        if stops { text += "; aynı etkinlik için sonraki kurallar sayılmaz" }
        return text.prefix(1).uppercased(with: Locale(identifier: "tr")) + text.dropFirst() + "."
    }

    func pointValue(_ money: String) -> String { "Bir puanın değeri \(money)." }
    func expiry(_ policy: ExpiryPolicy) -> String {
        switch policy {
        case .never: "Puanların süresi dolmaz."
        case .afterDays(let days): "Puanlar kazanıldıktan \(number(days)) gün sonra sona erer."
        case .endOfMonth(let months):
            months == 0 ? "Puanlar kazanıldıkları ayın sonunda sona erer."
                : "Puanlar, kazanıldıkları aydan \(number(months)) ay sonra, ay sonunda sona erer."
        case .endOfYear(let years):
            years == 0 ? "Puanlar kazanıldıkları yılın sonunda sona erer."
                : "Puanlar, kazanıldıkları yıldan \(number(years)) yıl sonra, yıl sonunda sona erer."
        }
    }
    func pending(days: Int) -> String { "Alışveriş puanları harcanabilmeden önce \(number(days)) gün (iade süresi) beklemede kalır." }
    func returns(_ whenSpent: ReturnPolicy.WhenSpent, debtLimit: Int) -> String {
        switch whenSpent {
        case .takeAvailable: "Bir iade, puanlarını üyenin diğer puanlarından geri alır; bakiye sıfırın altına düşmez."
        case .debt: "Puanlar harcandıktan sonra yapılan bir iade, üyeyi en fazla \(points(debtLimit)) borçlu bırakabilir."
        }
    }

    func tierBasis(_ basis: TierPolicy.Basis, window: TierPolicy.Window) -> String {
        if basis == .pointsBalance { return "Seviyeler güncel puan bakiyesine göre belirlenir: puan harcamak seviyeyi düşürebilir." }
        let what: String = switch basis {
        case .pointsEarned: "kazanılan puanlarla"
        case .pointsBalance: "puan bakiyesiyle"
        case .amountSpent: "harcanan tutarla"
        case .purchases: "alışveriş sayısıyla"
        }
        let when: String = switch window {
        case .lifetime: "üyelikten bu yana"
        case .calendarYear: "bir takvim yılı içinde"
        case .rollingMonths(let months): "son \(number(months)) ay içinde"
        }
        return "Seviyelere \(when) \(what) ulaşılır."
    }
    func tier(name: String, threshold: String, basis: TierPolicy.Basis, benefits: TierBenefits) -> String {
        let unit: String = switch basis {
        case .pointsEarned: "\(threshold) puan"
        case .amountSpent: "\(threshold) harcama"
        case .purchases: "\(threshold) alışveriş"
        case .pointsBalance: "\(threshold) puan bakiye"
        }
        var perks: [String] = []
        if let multiplier = benefits.earningMultiplier { perks.append("×\(SummaryFormat.factor(multiplier, decimal: ",")) puan") }
        if benefits.bonusPoints > 0 { perks.append("ulaşıldığında \(points(benefits.bonusPoints))") }
        if let discount = benefits.discountPercent { perks.append("%\(number(discount)) indirim") }
        perks += benefits.perks
        return "\(name): \(unit) ve üzeri" + (perks.isEmpty ? "." : "; \(perks.joined(separator: ", ")).")
    }
    func downgrade(_ downgrade: TierPolicy.Downgrade) -> String {
        switch downgrade {
        case .never: "Ulaşılan seviye korunur."
        case .automatic: "Üye koşulları artık sağlamadığında hemen bir alt seviyeye düşer."
        case .review(let months): "Seviye, değiştikten sonra en az \(number(months)) ay korunur; sonra yeniden değerlendirilir."
        }
    }

    func club(name: String, pointsCost: Int?, tiers: [String], invitations: ClubDefinition.Invitations, months: Int?, cap: Int?) -> String {
        var ways: [String] = []
        if let pointsCost { ways.append("\(points(pointsCost)) ile") }
        if !tiers.isEmpty { ways.append("\(list(tiers, or: true)) seviyesine ulaşarak") }
        switch invitations {
        case .none: break
        case .staff: ways.append("personel davetiyle")
        case .members: ways.append("personel veya üye davetiyle")
        }
        var text = "\(name): katılım \(list(ways, or: true))"
        if let months { text += "; üyelik \(number(months)) ay sürer" }
        if let cap { text += "; en fazla \(number(cap)) üye" }
        return text + "."
    }
    func campaign(name: String, from: String, until: String, rules: [String], pointsGift: Int?) -> String {
        var text = "\(name) (\(from) – \(until))"
        let parts = rules.map { String($0.dropLast()) } + (pointsGift.map { ["\(points($0)) hediye"] } ?? [])
        if !parts.isEmpty { text += ": " + parts.joined(separator: "; ") }
        return text + "."
    }
    func birthday(points: Int?, reward: String?, daysBefore: Int, daysAfter: Int) -> String {
        let gift = list((points.map { [self.points($0)] } ?? []) + (reward.map { ["“\($0)” ödülü"] } ?? []))
        var text = "Üyenin doğum gününde \(gift)"
        if daysBefore > 0 || daysAfter > 0 { text += " (doğum gününden \(number(daysBefore)) gün önce ile \(number(daysAfter)) gün sonra arasında)" }
        return text + ", yılda bir kez."
    }
}
