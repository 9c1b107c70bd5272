import Foundation
import Testing
@testable import LaurelCore

/// Campaigns and the birthday present in the program file: reading, writing back, every bad input
/// with its path, and their part in the per-event bound.
struct CampaignDefinitionTests {
    static let header = """
        name: Campaigns
        currency: EUR
        timezone: Europe/Paris
        earning_rules:
          - {id: spend, event: purchase, effect: {type: points_per_amount, points: 1, per: 1}}
        tiers:
          basis: points_earned
          levels:
            - {id: silver, name: Silver, threshold: 0}
            - {id: gold, name: Gold, threshold: 1000}

        """

    static func issues(_ text: String) throws -> [String: String] {
        let error = try #require(throws: ProgramValidationError.self) { try ProgramDefinition.parse(text) }
        return Dictionary(error.issues.map { ($0.path, $0.message) }, uniquingKeysWith: { "\($0) | \($1)" })
    }

    @Test func aCampaignIsReadWithItsWindowAudienceAndEffects() throws {
        let program = try ProgramDefinition.parse(Self.header + """
            segments:
              - {id: vip, conditions: [{tier: [gold]}]}
            campaigns:
              - id: spring-26
                name: Spring double points
                description: Double points for Gold members in the app
                start: 2026-03-01
                end: 2026-04-01T00:00:00+02:00
                exclusive: true
                audience: {tiers: [gold], channels: [app], segments: [vip], share: 0.2, seed: spring, holdout: 0.1}
                effects:
                  rules:
                    - {id: spring-double, event: purchase, effect: {type: multiplier, factor: 2}}
                  points_gift: 50
                  reward_gift: tote-bag
            birthday: {points: 100, window_days_before: 3}
            """)
        let campaign = try #require(program.campaign("spring-26"))
        #expect(campaign.name == "Spring double points" && campaign.exclusive)
        // A date is midnight in the program's time zone (Paris, UTC+1 in March).
        #expect(campaign.start == Timestamps.parse("2026-02-28T23:00:00Z"))
        #expect(campaign.end == Timestamps.parse("2026-03-31T22:00:00Z"))
        #expect(campaign.audience == CampaignAudience(tiers: ["gold"], channels: ["app"], segments: ["vip"], share: Amount("0.2"),
                                                      holdout: Amount("0.1"), seed: "spring"))
        #expect(campaign.rules.map(\.id) == ["spring-double"] && campaign.pointsGift == 50 && campaign.rewardGift == "tote-bag")
        #expect(program.allEarningRules.map(\.id) == ["spend", "spring-double"])
        #expect(program.birthday == BirthdayGift(points: 100, windowDaysBefore: 3))
        #expect(program.rewardReferences.map(\.path) == ["campaigns[0].effects.reward_gift"])
        // The canonical form reads back to the same definition.
        #expect(try ProgramDefinition.read(program.canonicalTree) == program)
    }

    @Test func statusFollowsTheWindowEndExclusive() throws {
        let start = Timestamps.parse("2026-03-01T00:00:00Z")!, end = Timestamps.parse("2026-03-08T00:00:00Z")!
        let campaign = Campaign(id: "c", name: "c", start: start, end: end)
        #expect(campaign.status(at: start.addingTimeInterval(-1)) == .scheduled)
        #expect(campaign.status(at: start) == .active)
        #expect(campaign.status(at: end.addingTimeInterval(-0.001)) == .active)
        #expect(campaign.status(at: end) == .ended)
    }

    @Test func everyBadCampaignInputIsReportedWithItsPath() throws {
        let byPath = try Self.issues(Self.header + """
            campaigns:
              - id: a
                start: 2026-03-10
                end: 2026-03-01
                effects: {points_gift: 10}
              - id: b
                start: 2026-03-01
                end: 2026-03-10
                audience: {tiers: [platinum], segments: [nope], share: 1.5, holdout: -0.1, colour: red}
                effects:
                  rules:
                    - {id: spend, event: purchase, effect: {type: fixed_points, points: 5}}
                    - {id: extra, event: review, effect: {type: fixed_points, points: 5}}
                    - {id: extra, event: review, effect: {type: fixed_points, points: 5}}
              - id: b
                start: 2026-03-01
                end: 2026-03-10
                effects: {}
              - id: x1
                start: 2026-03-01
                end: 2026-03-10
                exclusive: true
                effects: {points_gift: 0}
              - id: x2
                start: 2026-03-09
                end: 2026-03-20
                exclusive: true
                effects: {points_gift: 5, reward_gift: gift}
              - id: "bad id"
                start: someday
                effects: {points_gift: 5}
            birthday: {window_days_before: 40}
            """)
        #expect(byPath["campaigns[0].end"] == "must be after start")
        #expect(byPath["campaigns[1].audience.tiers[0]"] == "unknown tier \"platinum\" (tiers: silver, gold)")
        #expect(byPath["campaigns[1].audience.segments"] == "unknown segment \"nope\" (the program defines no segments)")
        #expect(byPath["campaigns[1].audience.share"] == "must be between 0 and 1, got 1.50")
        #expect(byPath["campaigns[1].audience.holdout"] == "must be between 0 and 1, got -0.10")
        #expect(byPath["campaigns[1].audience.colour"]?.hasPrefix("unknown key") == true)
        #expect(byPath["campaigns[1].effects.rules[0].id"]?.hasPrefix("duplicate rule id \"spend\" (first used at earning_rules[0])") == true)
        #expect(byPath["campaigns[1].effects.rules[2].id"]?.hasPrefix("duplicate rule id \"extra\"") == true)
        #expect(byPath["campaigns[2].id"] == "duplicate campaign id \"b\" (first used at campaigns[1])")
        #expect(byPath["campaigns[2].effects"] == "needs at least one of rules, points_gift, reward_gift")
        #expect(byPath["campaigns[3].effects.points_gift"] == "must be >= 1")
        #expect(byPath["campaigns[4].exclusive"] == "exclusive campaign \"x2\" overlaps exclusive campaign \"x1\" (campaigns[3])")
        #expect(byPath["campaigns[5].id"] == "may contain only letters, digits, - and _")
        #expect(byPath["campaigns[5].start"]?.hasPrefix("must be a date") == true)
        #expect(byPath["campaigns[5].end"] == "is required")
        #expect(byPath["birthday"] == "needs points, reward or both")
        #expect(byPath["birthday.window_days_before"] == "must be <= 31")
        #expect(byPath.count == 17, "\(byPath)")
    }

    @Test func aTierAudienceNeedsTiersAndCampaignsMustBeAList() throws {
        let byPath = try Self.issues("""
            name: No tiers
            currency: EUR
            campaigns:
              - {id: c, start: 2026-03-01, end: 2026-03-02, audience: {tiers: [gold], stores: []}, effects: {points_gift: 1}}
            birthday: 5
            """)
        #expect(byPath["campaigns[0].audience.tiers[0]"] == "unknown tier \"gold\" (the program has no tiers)")
        #expect(byPath["campaigns[0].audience.stores"] == "must list at least one")
        #expect(byPath["birthday"] == "must be an object, got number")
        #expect(try Self.issues("name: X\ncurrency: EUR\ncampaigns: {id: c}\n")["campaigns"] == "must be a list, got object")
    }

    @Test func campaignRulesCountInTheLargestAwardOfAnEvent() throws {
        let program = try ProgramDefinition.parse("""
            name: Bound
            currency: EUR
            earning_rules:
              - {id: review, event: review, effect: {type: fixed_points, points: 10}}
            campaigns:
              - id: c
                start: 2026-03-01
                end: 2026-03-02
                effects:
                  rules:
                    - {id: review-bonus, event: review, effect: {type: fixed_points, points: 15}}
                    - {id: steps, event: walk, effect: {type: fixed_points, points: 3}}
            """)
        #expect(program.largestAwards() == ["review": 25, "walk": 3])
        // A campaign multiplier beyond the bound is refused like a program rule's.
        let byPath = try Self.issues("""
            name: Bound
            currency: EUR
            earning_rules:
              - {id: spend, event: purchase, effect: {type: points_per_amount, points: 1000, per: 1}}
            campaigns:
              - id: c
                start: 2026-03-01
                end: 2026-03-02
                effects:
                  rules:
                    - {id: huge, event: purchase, effect: {type: multiplier, factor: 1000}}
            """)
        #expect(byPath["earning_rules"]?.contains("the rules for \"purchase\" events could earn") == true)
    }

    @Test func shareAndHoldoutPickStableSubsetsOfTheRightSize() {
        let audience = CampaignAudience(share: Amount("0.2"), holdout: Amount("0.1"), seed: "spring-26")
        let ids = (0..<10_000).map { "mem_\($0)" }
        let placements = ids.map { audience.placement(memberId: $0, campaignId: "c") }
        // The same member lands in the same place every time (and on every node: the hash is FNV-1a, not Hasher).
        #expect(placements == ids.map { audience.placement(memberId: $0, campaignId: "c") })
        let inShare = placements.filter { $0 != .outside }.count
        let held = placements.filter { $0 == .holdout }.count
        #expect((1_800...2_200).contains(inShare), "\(inShare)")
        #expect((140...260).contains(held), "\(held)")
        // Another seed picks another subset; share 1 and no holdout is everyone.
        let other = CampaignAudience(share: Amount("0.2"), seed: "autumn-26")
        #expect(ids.map { other.placement(memberId: $0, campaignId: "c") != .outside } != placements.map { $0 != .outside })
        #expect(ids.allSatisfy { CampaignAudience(share: .one).placement(memberId: $0, campaignId: "c") == .audience })
        #expect(ids.allSatisfy { CampaignAudience(share: .zero).placement(memberId: $0, campaignId: "c") == .outside })
        // The share and the holdout hash with different salts.
        #expect(CampaignAudience.bucket(seed: "a", salt: "share", memberId: "m") != CampaignAudience.bucket(seed: "a", salt: "holdout", memberId: "m"))
    }
}
