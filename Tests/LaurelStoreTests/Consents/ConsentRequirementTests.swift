import Foundation
import LaurelCore
import LaurelStore
import Testing

/// Rules and campaigns that require a consent (`consent: marketing`, `audience.consents`): an event
/// earns from them only while the member has granted it, as of the event, on both backends; the
/// campaign report sees members with their consents and segments.
struct ConsentRequirementTests {
    static let program = """
        name: Consents
        currency: EUR
        earning_rules:
          - {id: spend, event: purchase, effect: {type: points_per_amount, points: 1, per: 1}}
          - id: newsletter-bonus
            event: purchase
            conditions: [{consent: marketing}]
            effect: {type: fixed_points, points: 10}
        segments:
          - id: vip
            conditions: [{attribute: vip, op: eq, value: true}]
        campaigns:
          - id: opt-in-days
            start: 2026-03-01
            end: 2026-04-01
            audience: {consents: [marketing, profiling]}
            effects:
              rules:
                - {id: opt-in-double, event: purchase, effect: {type: multiplier, factor: 2}}
          - id: vip-days
            start: 2026-03-01
            end: 2026-04-01
            audience: {segments: [vip]}
            effects: {points_gift: 5}
        """

    @Test(arguments: StoreBackend.available)
    func aRuleRequiringAConsentAwardsOnlyWhileItIsGranted(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let granted = try await fixture.member("granted"), never = try await fixture.member("never"), withdrawn = try await fixture.member("withdrawn")
        func set(_ member: MemberRecord, _ consents: [String: Bool], hours: Double) async throws {
            _ = try await fixture.store.setConsents(programId: fixture.programId, memberId: member.id, consents, source: .api,
                                                    now: StoreFixture.at(hours: hours), idempotency: nil)
        }
        try await set(granted, ["marketing": true], hours: 1)
        try await set(withdrawn, ["marketing": true], hours: 1)
        try await set(withdrawn, ["marketing": false], hours: 2)
        try await set(never, ["profiling": true], hours: 1)
        #expect(try await fixture.store.grantedConsents(programId: fixture.programId, memberId: withdrawn.id) == [])
        #expect(try await fixture.store.grantedConsents(programId: fixture.programId, memberId: never.id) == ["profiling"])

        let at = StoreFixture.at(hours: 3)
        var points: [String: Int] = [:]
        for member in [granted, never, withdrawn] {
            let event = try await fixture.record(StoreFixture.purchase(total: "20", at: at), memberId: member.id)
            points[member.externalId] = event.points
            let bonus = try #require(event.outcome.rules.first { $0.ruleId == "newsletter-bonus" })
            if member.id == granted.id {
                #expect(bonus.matched && bonus.points == 10)
            } else {
                #expect(!bonus.matched && bonus.explanation == "the member has not consented to marketing")
            }
        }
        #expect(points == ["granted": 30, "never": 20, "withdrawn": 20])

        // Granted later: the next event earns the bonus; the campaign needs both consents.
        try await set(never, ["marketing": true], hours: 4)
        let later = try await fixture.record(StoreFixture.purchase(total: "20", at: StoreFixture.at(hours: 5)), memberId: never.id)
        #expect(later.points == 60, "spend 20 + bonus 10, doubled by the campaign for a member with both consents")
        let campaignRule = try #require(later.outcome.rules.first { $0.ruleId == "opt-in-double" })
        #expect(campaignRule.matched && campaignRule.campaign == "opt-in-days")
        let single = try await fixture.record(StoreFixture.purchase(total: "20", at: StoreFixture.at(hours: 5)), memberId: granted.id)
        let refused = try #require(single.outcome.rules.first { $0.ruleId == "opt-in-double" })
        #expect(single.points == 30 && !refused.matched
                && refused.explanation == "not in the audience of campaign opt-in-days: the member has not consented to profiling")
        #expect(try await fixture.audit().isEmpty)
    }

    @Test(arguments: StoreBackend.available)
    func theCampaignReportSeesMembersWithTheirConsentsAndSegments(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let both = try await fixture.member("both"), one = try await fixture.member("one")
        _ = try await fixture.store.setConsents(programId: fixture.programId, memberId: both.id, ["marketing": true, "profiling": true], source: .api,
                                                now: StoreFixture.at(hours: 1), idempotency: nil)
        _ = try await fixture.store.setConsents(programId: fixture.programId, memberId: one.id, ["marketing": true], source: .api,
                                                now: StoreFixture.at(hours: 1), idempotency: nil)
        _ = try await fixture.store.updateMember(programId: fixture.programId, id: one.id, patch: MemberPatch(attributes: ["vip": .bool(true)]),
                                                 now: StoreFixture.at(hours: 1), idempotency: nil)
        _ = try await fixture.store.refreshSegments(programId: fixture.programId, now: StoreFixture.at(hours: 2))

        let definition = try ProgramDefinition.parse(Self.program)
        let optIn = try await fixture.store.campaignActivity(programId: fixture.programId, campaign: try #require(definition.campaign("opt-in-days")))
        #expect(Dictionary(uniqueKeysWithValues: optIn.members.map { ($0.id, $0.consents) }) == [both.id: ["marketing", "profiling"], one.id: ["marketing"]])
        let report = CampaignReport(campaign: try #require(definition.campaign("opt-in-days")), program: definition, activity: optIn)
        #expect(report.audience.members == 1)

        let vipDays = try await fixture.store.campaignActivity(programId: fixture.programId, campaign: try #require(definition.campaign("vip-days")))
        #expect(Dictionary(uniqueKeysWithValues: vipDays.members.map { ($0.id, $0.segments) }) == [both.id: [], one.id: ["vip"]])
    }
}
