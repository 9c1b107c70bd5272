import Foundation
import Testing
@testable import LaurelCore

/// A campaign's rules run after the program's, only for events inside its window and audience,
/// and each of their results names the campaign.
struct CampaignEvaluationTests {
    static let program = """
        name: Shop
        currency: EUR
        timezone: UTC
        earning_rules:
          - {id: spend, event: purchase, effect: {type: points_per_amount, points: 1, per: 1}}
        tiers:
          basis: points_earned
          levels:
            - {id: silver, name: Silver, threshold: 0}
            - {id: gold, name: Gold, threshold: 1000}
        campaigns:
          - id: spring
            name: Spring
            start: 2026-03-01
            end: 2026-03-08
            audience: {tiers: [gold], channels: [app]}
            effects:
              rules:
                - {id: spring-double, event: purchase, effect: {type: multiplier, factor: 2}}
                - {id: spring-review, event: review, effect: {type: fixed_points, points: 20}}
          - id: test
            start: 2026-03-01
            end: 2026-03-08
            audience: {holdout: 0.5, seed: s}
            effects:
              rules:
                - {id: test-bonus, event: visit, effect: {type: fixed_points, points: 7}}
        """

    static func evaluate(_ event: LoyaltyEvent, member: MemberProfile) throws -> [RuleResult] {
        RuleEvaluator(program: try ProgramDefinition.parse(program)).evaluate(event: event, member: member, usage: [:])
    }

    static let gold = MemberProfile(id: "m-gold", tier: "gold")
    static let utc = TimeZone(identifier: "UTC")!

    @Test func aCampaignRuleAppliesInsideItsWindowAndAudienceAndNamesItsCampaign() throws {
        let inside = try Fixtures.at("2026-03-03T12:00:00Z")
        let results = try Self.evaluate(Fixtures.purchase(at: inside, lines: [Fixtures.line("A", "40")], channel: "app"), member: Self.gold)
        #expect(results.map(\.ruleId) == ["spend", "spring-double"])
        #expect(results.map(\.points) == [40, 40])
        #expect(results.map(\.campaign) == [nil, "spring"])
        #expect(results[1].matched && results[1].explanation.hasPrefix("×2.00 on points from earlier rules"))
    }

    @Test func outsideTheWindowOrTheAudienceItGivesNothingAndSaysWhy() throws {
        let line = [Fixtures.line("A", "40")]
        let before = try Self.evaluate(Fixtures.purchase(at: try Fixtures.at("2026-02-28T23:59:59Z"), lines: line, channel: "app"), member: Self.gold)
        #expect(before[1].points == 0 && !before[1].matched && before[1].campaign == "spring")
        #expect(before[1].explanation == "campaign spring starts at 2026-03-01T00:00:00.000Z")
        let atEnd = try Self.evaluate(Fixtures.purchase(at: try Fixtures.at("2026-03-08T00:00:00Z"), lines: line, channel: "app"), member: Self.gold)
        #expect(atEnd[1].points == 0 && atEnd[1].explanation == "campaign spring ended at 2026-03-08T00:00:00.000Z")
        let inside = try Fixtures.at("2026-03-03T12:00:00Z")
        let silver = try Self.evaluate(Fixtures.purchase(at: inside, lines: line, channel: "app"), member: MemberProfile(id: "m-2", tier: "silver"))
        #expect(silver[1].points == 0 && silver[1].explanation.hasPrefix("not in the audience of campaign spring: condition not met: member.tier in"))
        let inStore = try Self.evaluate(Fixtures.purchase(at: inside, lines: line, channel: "store"), member: Self.gold)
        #expect(inStore[1].points == 0 && inStore[1].explanation.contains("event.channel in"))
    }

    @Test func theHoldoutEarnsNothingExtraAndTheRestDoes() throws {
        let inside = try Fixtures.at("2026-03-03T12:00:00Z")
        let audience = CampaignAudience(holdout: Amount("0.5"), seed: "s")
        let ids = (0..<40).map { "m\($0)" }
        let held = try #require(ids.first { audience.placement(memberId: $0, campaignId: "test") == .holdout })
        let treated = try #require(ids.first { audience.placement(memberId: $0, campaignId: "test") == .audience })
        let visit = LoyaltyEvent(id: "v", type: "visit", occurredAt: inside)
        let heldResult = try Self.evaluate(visit, member: MemberProfile(id: held))
        #expect(heldResult.map(\.points) == [0] && heldResult[0].explanation == "in the holdout of campaign test: gets nothing from it, for comparison")
        #expect(try Self.evaluate(visit, member: MemberProfile(id: treated)).map(\.points) == [7])
    }

    @Test func theEventProcessorCreditsCampaignPointsAndKeepsTheirAwards() throws {
        let processor = EventProcessor(program: try ProgramDefinition.parse(Self.program))
        #expect(processor.campaignRuleIds == ["spring-double", "spring-review", "test-bonus"])
        #expect(processor.keptAwardRuleIds == processor.campaignRuleIds)
        let review = LoyaltyEvent(id: "r", type: "review", occurredAt: try Fixtures.at("2026-03-03T12:00:00Z"), channel: "app")
        let outcome = try processor.process(review, member: Self.gold, ledger: MemberLedger(memberId: Self.gold.id), usage: [:], returnedPurchase: nil,
                                            now: review.occurredAt)
        #expect(outcome.pointsEarned == 20 && outcome.rules.first?.campaign == "spring")
    }

    @Test func inOnAListFieldMeansAnyOfItsItems() {
        let condition = CompiledCondition(.field(path: "member.segments", op: .in, value: .array([.string("vip"), .string("new")])), timeZone: Self.utc)
        let event = LoyaltyEvent(id: "e", type: "visit", occurredAt: Date(timeIntervalSince1970: 0))
        let member = { (segments: [String]) in MemberProfile(id: "m", segments: segments) }
        #expect(condition.holds(event: event, member: member(["old", "vip"]), lines: []))
        #expect(!condition.holds(event: event, member: member(["old"]), lines: []))
        let clubs = CompiledCondition(.field(path: "member.clubs", op: .notIn, value: .array([.string("a")])), timeZone: Self.utc)
        #expect(clubs.holds(event: event, member: MemberProfile(id: "m", clubs: ["b"]), lines: []))
        #expect(!clubs.holds(event: event, member: MemberProfile(id: "m", clubs: ["a", "b"]), lines: []))
    }

    @Test func birthdaysFallOnTheirDayWith29FebruaryOn28InOtherYears() throws {
        let gift = BirthdayGift(points: 10)
        let paris = TimeZone(identifier: "Europe/Paris")!
        let enrolled = try Fixtures.at("2020-01-01T00:00:00Z")
        // 23:30 UTC on 14 March is already the 15th in Paris.
        #expect(gift.dueYear(birthday: "1990-03-15", enrolledAt: enrolled, now: try Fixtures.at("2026-03-14T23:30:00Z"), timeZone: paris) == 2026)
        #expect(gift.dueYear(birthday: "1990-03-15", enrolledAt: enrolled, now: try Fixtures.at("2026-03-14T12:00:00Z"), timeZone: paris) == nil)
        #expect(gift.dueYear(birthday: "2000-02-29", enrolledAt: enrolled, now: try Fixtures.at("2026-02-28T12:00:00Z"), timeZone: paris) == 2026)
        #expect(gift.dueYear(birthday: "2000-02-29", enrolledAt: enrolled, now: try Fixtures.at("2028-02-28T12:00:00Z"), timeZone: paris) == nil)
        #expect(gift.dueYear(birthday: "2000-02-29", enrolledAt: enrolled, now: try Fixtures.at("2028-02-29T12:00:00Z"), timeZone: paris) == 2028)
        #expect(gift.monthDays(around: try Fixtures.at("2026-02-28T12:00:00Z"), timeZone: paris) == ["02-28", "02-29"])
        // A window across New Year: a 2 January birthday seen on 30 December is next year's.
        let early = BirthdayGift(points: 10, windowDaysBefore: 5)
        #expect(early.dueYear(birthday: "1990-01-02", enrolledAt: enrolled, now: try Fixtures.at("2026-12-30T12:00:00Z"), timeZone: Self.utc) == 2027)
        #expect(early.monthDays(around: try Fixtures.at("2026-12-30T12:00:00Z"), timeZone: Self.utc) == ["12-30", "12-31", "01-01", "01-02", "01-03", "01-04"])
        // No present for a birthday before enrolment: enrolled the day after, it comes next year.
        let dayAfter = try Fixtures.at("2026-03-16T09:00:00Z")
        let late = BirthdayGift(points: 10, windowDaysAfter: 7)
        #expect(late.dueYear(birthday: "1990-03-15", enrolledAt: dayAfter, now: try Fixtures.at("2026-03-17T12:00:00Z"), timeZone: Self.utc) == nil)
        #expect(late.dueYear(birthday: "1990-03-15", enrolledAt: dayAfter, now: try Fixtures.at("2027-03-15T12:00:00Z"), timeZone: Self.utc) == 2027)
        #expect(gift.dueYear(birthday: "not a date", enrolledAt: enrolled, now: enrolled, timeZone: Self.utc) == nil)
    }
}
