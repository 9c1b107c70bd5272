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
        #expect(summary.sections.map(\.title) == ["Earning points", "Points", "Tiers", "Clubs", "Campaigns", "Birthday"])
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
        #expect(turkish.sections.map(\.title) == ["Puan kazanma", "Puanlar", "Seviyeler", "Kulüpler", "Kampanyalar", "Doğum günü"])
        let turkishEarning = Self.lines(program, .tr, "Puan kazanma")
        #expect(turkishEarning.first == "Harcanan her €1 için 1 puan (gift-cards ve teslimat hariç).")
        #expect(turkishEarning[3] == "Salı günleri coffee ve coffee-beans ürünlerinde üç kat puan.")
        #expect(Self.lines(program, .tr, "Seviyeler")[3]
                == "Gold: 1.500 puan ve üzeri; ×1,5 puan, ulaşıldığında 300 puan, %10 indirim, free delivery, early access to limited roasts.")
        let ukrainian = ProgramSummary.make(program, language: .uk)
        #expect(ukrainian.sections.map(\.title) == ["Нарахування балів", "Бали", "Рівні", "Клуби", "Кампанії", "День народження"])
        let ukrainianEarning = Self.lines(program, .uk, "Нарахування балів")
        #expect(ukrainianEarning.first == "1 бал за кожні 1\u{00A0}€ витрат (крім gift-cards або доставки).")
        #expect(ukrainianEarning[3] == "Потрійні бали на coffee і coffee-beans по вівторках.")
        #expect(ukrainianEarning[4] == "25 балів за кожну покупку якщо канал — app, щонайбільше 2 рази на день.")
        #expect(Self.lines(program, .uk, "Бали")[2] == "Бали за покупку очікують 14 днів (строк повернення), перш ніж їх можна витратити.")
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
