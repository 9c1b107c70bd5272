import Foundation
import LaurelCore
import Testing

/// The plain-language program summary: the demo program's sentences in English, Turkish and
/// Ukrainian, and each rule type and condition in words.
struct ProgramSummaryTests {
    static func example(_ name: String) throws -> ProgramDefinition {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples/\(name)")
        return try ProgramDefinition.parse(try String(contentsOf: url, encoding: .utf8))
    }

    static func lines(_ program: ProgramDefinition, _ language: SummaryLanguage, _ title: String) -> [String] {
        ProgramSummary.make(program, language: language).sections.first { $0.title == title }?.lines ?? []
    }

    @Test func theDemoProgramInEnglish() throws {
        let program = try Self.example("bean-and-thread.yaml")
        let summary = ProgramSummary.make(program, language: .en)
        #expect(summary.sections.map(\.title) == ["Earning points", "Points", "Tiers", "Clubs", "Campaigns", "Birthday", "Referrals", "Punch cards",
                                                  "Challenges and badges", "Games"])
        let earning = Self.lines(program, .en, "Earning points")
        #expect(earning == [
            "1 point per €1 spent (not on gift-cards or delivery).",
            "10 bonus points per item of coffee-beans.",
            "Double points on sustainable.",
            "Triple points on coffee and coffee-beans on Tuesdays.",
            "25 points per purchase when the channel is app, at most 2 times a day.",
            "100 points per purchase when the order total is at least €150.",
            "50 points for each review, at most 5 times a month.",
            "20 points for each social share, at most 100 points in any 7 days.",
            "200 points for each profile completed, at most once per member.",
            "100 points for each newsletter signup for members who consented to marketing, at most once per member.",
            "5 points per 1 cups, at most 50 points a day.",
            "1 point per 1,000 steps, at most 20 points a day.",
            "75 points for each survey when the member's segment is one of insider, vip; no later rule counts for the same event.",
            "30 points for each survey.",
            "20 points per purchase for members of the Roastery Club.",
        ])
        #expect(Self.lines(program, .en, "Points") == [
            "A point is worth €0.01.",
            "Points expire at the end of the month, 12 months after the month they are earned in.",
            "Points for a purchase are pending for 14 days (the return window) before they can be spent.",
            "A return after the points were spent may leave the member owing up to 500 points.",
        ])
        #expect(Self.lines(program, .en, "Tiers") == [
            "Tiers are reached by points earned in a calendar year.",
            "Green from 0 points.",
            "Silver from 500 points: ×1.25 points, 100 points on reaching it, free refill on filter coffee.",
            "Gold from 1,500 points: ×1.5 points, 300 points on reaching it, 10% off, free delivery, early access to limited roasts.",
            "A tier is kept for at least 12 months after it changes; then it is reviewed.",
        ])
        #expect(Self.lines(program, .en, "Clubs") == [
            "Roastery Club: join with 2,000 points, by reaching Gold or by staff invitation; membership lasts 12 months; at most 250 members.",
        ])
        #expect(Self.lines(program, .en, "Campaigns") == [
            "Double points on coffee beans ordered in the app (2026-01-01 – 2031-01-01): Double points on coffee-beans.",
        ])
        #expect(Self.lines(program, .en, "Birthday") == ["100 points on the member's birthday (from 0 days before to 6 days after), once a year."])
    }

    @Test func theDemoProgramInTurkishAndUkrainian() throws {
        let program = try Self.example("bean-and-thread.yaml")
        let turkish = ProgramSummary.make(program, language: .tr)
        #expect(turkish.sections.map(\.title) == ["Puan kazanma", "Puanlar", "Seviyeler", "Kulüpler", "Kampanyalar", "Doğum günü", "Arkadaş davetleri",
                                                  "Damga kartları", "Görevler ve rozetler", "Oyunlar"])
        let turkishEarning = Self.lines(program, .tr, "Puan kazanma")
        #expect(turkishEarning.first == "Harcanan her €1 için 1 puan (gift-cards ve teslimat hariç).")
        #expect(turkishEarning[3] == "Salı günleri coffee ve coffee-beans ürünlerinde üç kat puan.")
        #expect(Self.lines(program, .tr, "Seviyeler")[3]
                == "Gold: 1.500 puan ve üzeri; ×1,5 puan, ulaşıldığında 300 puan, %10 indirim, free delivery, early access to limited roasts.")
        let ukrainian = ProgramSummary.make(program, language: .uk)
        #expect(ukrainian.sections.map(\.title) == ["Нарахування балів", "Бали", "Рівні", "Клуби", "Кампанії", "День народження", "Запрошення друзів",
                                                    "Картки зі штампами", "Завдання і значки", "Ігри"])
        let ukrainianEarning = Self.lines(program, .uk, "Нарахування балів")
        #expect(ukrainianEarning.first == "1 бал за кожні 1\u{00A0}€ витрат (крім gift-cards або доставки).")
        #expect(ukrainianEarning[3] == "Потрійні бали на coffee і coffee-beans по вівторках.")
        #expect(ukrainianEarning[4] == "25 балів за кожну покупку якщо канал — app, щонайбільше 2 рази на день.")
        #expect(Self.lines(program, .uk, "Бали")[2] == "Бали за покупку очікують 14 днів (строк повернення), перш ніж їх можна витратити.")
    }

    @Test func theDemoProgramsPlayMechanicsInEnglish() throws {
        let program = try Self.example("bean-and-thread.yaml")
        #expect(Self.lines(program, .en, "Referrals") == [
            "When a friend joins with a member's referral code: the friend gets 100 points.",
            "On a referred friend's first purchase of €15 or more: the referrer gets 300 points.",
            "On each purchase a referred friend makes in their first 30 days (at most 5 times): the referrer gets 10 points.",
            "No one can refer themselves, or a friend with the same email, phone or device id; a member may bring at most 10 friends a month; "
                + "points for a friend's purchase stay pending for 14 days, and a return cancels them.",
        ])
        #expect(Self.lines(program, .en, "Punch cards") == [
            "Every 10th coffee free: 10 purchases with coffee complete the card, which gives the reward “free-coffee” and starts over; "
                + "a stamp lasts 90 days; a return takes back what the card gave if it is not used yet.",
        ])
        #expect(Self.lines(program, .en, "Challenges and badges") == [
            "Three reviews this month: review 3 times, starting over every month; gives 100 points and the badge “Critic”.",
            "Check in five weeks in a row: check in 5 weeks in a row (1 missed week forgiven); gives 250 points and the badge “Regular”.",
            "Buy from four different categories: purchase in 4 different categories, for members who join it; gives the reward “free-coffee”.",
            "50,000 steps this week: reach 50,000 steps in total, starting over every week, for Silver or Gold members, for members who join it; gives 50 points.",
            "Badge “Critic”: for completing “Three reviews this month”.",
            "Badge “Regular”: for completing “Check in five weeks in a row”.",
        ])
        #expect(Self.lines(program, .en, "Games") == [
            "Lucky Bean wheel: a spin costs 50 points or is free with a play earned by each review; at most 3 spins a day per member. "
                + "Prizes: 1,000 points (1%, at most 20 times in all), 100 points (10%, at most 50 times a day), 20 points (30%), "
                + "the reward “tote-bag” (2%), nothing (57%).",
            "Summer draw: an entry costs 100 points or comes with each review; at most 20 entries per member; 3 winners drawn on 2030-08-31, "
                + "each winning 5,000 points.",
        ])
    }

    @Test func thePlayMechanicsInTurkishAndUkrainianUseTranslatedNames() throws {
        let program = try Self.example("bean-and-thread.yaml")
        #expect(Self.lines(program, .tr, "Arkadaş davetleri")[1] == "Davet edilen arkadaşın €15 ve üzeri ilk alışverişinde: davet eden 300 puan kazanır.")
        #expect(Self.lines(program, .tr, "Görevler ve rozetler")[0]
                == "Bu ay üç yorum: 3 kez “review”, her ay yeniden başlar; 100 puan ve “Eleştirmen” rozeti verir.")
        #expect(Self.lines(program, .tr, "Görevler ve rozetler")[4] == "“Eleştirmen” rozeti: “Bu ay üç yorum” tamamlanınca verilir.")
        #expect(Self.lines(program, .tr, "Oyunlar")[0].hasSuffix("“tote-bag” ödülü (%2), boş (%57)."))
        #expect(Self.lines(program, .uk, "Завдання і значки")[1]
                == "Заходьте п'ять тижнів поспіль: «check in» 5 тижнів поспіль (пропуск: 1 тиждень пробачається); дає 250 балів і значок «Завсідник».")
        #expect(Self.lines(program, .uk, "Картки зі штампами")[0].hasPrefix("Every 10th coffee free: 10 покупок з coffee заповнюють картку"))
        #expect(Self.lines(program, .uk, "Ігри")[1]
                == "Summer draw: квиток коштує 100 балів або дається за кожну подію «review»; щонайбільше 20 квитків на учасника; "
                + "3 переможців визначають 2030-08-31, кожен отримує 5\u{00A0}000 балів.")
    }

    @Test func everyPlayMechanicVariantIsWordedInEachLanguage() throws {
        let program = try ProgramDefinition.parse("""
            name: Play
            currency: USD
            timezone: UTC
            segments:
              - id: vip
                name: VIPs
                conditions:
                  - {bought: {categories: [coffee-beans]}, within_days: 90}
            referrals:
              cap: {max_referrals: 1, period: week, window: rolling}
              pending_days: 0
              rewards:
                - {id: both, on: purchase, days: 7, min_amount: "20", referrer: {points: 5, reward: mug}, friend: {reward: mug}}
            punch_cards:
              - {id: any, name: Any five, stamps: 5, min_amount: "10", points: 50, on_return: keep}
            badges:
              - {id: lonely, name: Lonely, image_url: "https://x.example/b.png"}
              - {id: unused, name: Unused, image_url: "https://x.example/u.png"}
            challenges:
              - {id: tags, name: Tags, event: purchase, measure: distinct, attribute: label, target: 2, starts_at: 2026-01-01, ends_at: 2026-02-01,
                 segments: [vip], points: 5}
              - {id: daily, name: Daily, event: check_in, measure: streak, period: daily, target: 3, badge: lonely}
            games:
              wheels:
                - id: granted
                  name: Granted
                  plays: {earned_by: {event: review, plays: 2}}
                  prizes:
                    - {id: one, weight: 1, points: 1, budget: {per_period: 2, period: week}}
                    - {id: rest, weight: 2}
                    - {id: never, weight: 0, points: 9}
              raffles:
                - {id: free, name: Free draw, entries: {earned_by: {event: review, entries: 2}}, draw_at: 2026-03-01, winners: 1}
            """)
        #expect(Self.lines(program, .en, "Referrals") == [
            "On each purchase of $20 or more a referred friend makes in their first 7 days: the referrer gets 5 points and the reward “mug” "
                + "and the friend gets the reward “mug”.",
            "No one can refer themselves, or a friend with the same email or phone; a member may bring at most 1 friend in any 7 days.",
        ])
        #expect(Self.lines(program, .en, "Punch cards") == [
            "Any five: 5 purchases of $10 or more complete the card, which gives 50 points and starts over; a return removes only its stamp.",
        ])
        #expect(Self.lines(program, .en, "Challenges and badges") == [
            "Tags: purchase in 2 different labels, from 2026-01-01 until 2026-02-01, for the segment vip; gives 5 points.",
            "Daily: check in 3 days in a row; gives the badge “Lonely”.",
            "Badge “Lonely”: for completing “Daily”.",
            "Badge “Unused”: no challenge gives it yet.",
        ])
        #expect(Self.lines(program, .en, "Games") == [
            "Granted: a spin is free with a play earned by each review (2 plays). Prizes: 1 point (33.3%, at most 2 times a week), nothing (66.7%).",
            "Free draw: an entry comes with each review (2 entries); 1 winner drawn on 2026-03-01.",
        ])
        // Every language words every part (no empty sentence, no placeholder left).
        for language in SummaryLanguage.allCases {
            let sections = ProgramSummary.make(program, language: language).sections
            #expect(sections.count == 6)
            for line in sections.dropFirst(2).flatMap(\.lines) {
                #expect(!line.isEmpty && !line.contains("()") && !line.contains(": ;") && line.hasSuffix("."), "\(language): \(line)")
            }
        }
        #expect(Self.lines(program, .uk, "Ігри")[0].contains("33,3\u{00A0}%"))
        #expect(Self.lines(program, .tr, "Oyunlar")[0].contains("%33,3"))
    }

    @Test func namesArePickedByLanguageWithTheDefaultAsFallback() throws {
        let program = try Self.example("bean-and-thread.yaml")
        let critic = try #require(program.badges.first { $0.id == "critic" })
        #expect(critic.name(for: "tr") == "Eleştirmen")
        #expect(critic.name(for: "uk-UA") == "Критик")
        #expect(critic.name(for: "de") == "Critic")
        let explorer = try #require(program.challenges.first { $0.id == "explorer" })
        #expect(explorer.name(for: "tr") == "Buy from four different categories")
        #expect(program.tiers?.level("gold")?.name(for: "en") == "Gold")
    }

    @Test func everyRuleTypeAndConditionIsWorded() throws {
        let program = try ProgramDefinition.parse("""
            name: Words
            currency: USD
            timezone: UTC
            points:
              expiry: {policy: after_days, days: 365}
            earning_rules:
              - id: total
                event: purchase
                effect: {type: points_per_amount, points: 2, per: 5, base: total, min_order: 20}
              - id: only-shoes
                event: purchase
                conditions:
                  - stores: [s1, s2]
                effect: {type: points_per_amount, points: 1, per: 1, include: {categories: [shoes]}}
              - id: per-line
                event: purchase
                conditions:
                  - has_product: {skus: [SKU-9]}
                effect: {type: product_bonus, points: 1, per: line, match: {skus: [SKU-9]}}
              - id: per-order
                event: purchase
                effect: {type: product_bonus, points: 40, per: order, match: {labels: [new]}}
              - id: all-lines
                event: purchase
                conditions:
                  - days_of_week: [saturday, sunday]
                  - {field: member.tier, op: in, value: [gold]}
                effect: {type: multiplier, factor: 1.5}
            tiers:
              basis: amount_spent
              window: {rolling_months: 12}
              levels:
                - {id: base, name: Base, threshold: 0}
                - {id: gold, name: Gold, threshold: 1000}
            """)
        #expect(Self.lines(program, .en, "Earning points") == [
            "2 points per $5 spent on the order total on orders of $20 or more.",
            "1 point per $1 spent on shoes in stores s1 or s2.",
            "1 bonus point per line of SKU-9 when the basket has SKU-9.",
            "40 bonus points once per order with new.",
            "×1.5 points on Saturdays and Sundays for Gold members.",
        ])
        #expect(Self.lines(program, .en, "Points")[1] == "Points expire 365 days after they are earned.")
        #expect(Self.lines(program, .en, "Tiers") == [
            "Tiers are reached by money spent in the last 12 months.", "Base from $0 spent.", "Gold from $1,000 spent.", "A tier, once reached, is kept.",
        ])
        #expect(ProgramSummary.make(program, language: .en).sections.map(\.title) == ["Earning points", "Points", "Tiers"])
    }
}

/// Validation issues placed on the lines of the program's text, for the console's editor.
struct ProgramSourceLinesTests {
    static let source = """
        name: Lines
        currency: EUR
        earning_rules:
          - id: spend
            event: purchase
            effect: {type: points_per_amount, points: 1}
          - id: double
            event: purchase
            effect:
              type: multiplier
              factor: -1
        """

    @Test func pathsLandOnTheirLines() {
        #expect(ProgramSourceLines.line(of: "currency", in: Self.source) == 2)
        #expect(ProgramSourceLines.line(of: "earning_rules[1].effect.factor", in: Self.source) == 11)
        #expect(ProgramSourceLines.line(of: "earning_rules[0].effect.per", in: Self.source) == 6)
        #expect(ProgramSourceLines.line(of: "earning_rules[1]", in: Self.source) == 7)
        // A missing key ends at the deepest part that exists; nothing for the whole document.
        #expect(ProgramSourceLines.line(of: "tiers.levels[0]", in: Self.source) == 1)
        #expect(ProgramSourceLines.line(of: "earning_rules[9].id", in: Self.source) == 3)
        #expect(ProgramSourceLines.line(of: "", in: Self.source) == nil)
        #expect(ProgramSourceLines.line(of: "name", in: "name: [") == nil)
    }

    @Test func theIssuesOfABrokenProgramAllHaveLines() throws {
        let error = try #require(throws: ProgramValidationError.self) { try ProgramDefinition.parse(Self.source) }
        for issue in error.issues {
            #expect(ProgramSourceLines.line(of: issue.path, in: Self.source) != nil, "\(issue)")
        }
    }
}
