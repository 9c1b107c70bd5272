import Foundation
import LaurelCore
import Testing

/// The `consent` condition and `audience.consents`: names checked as the consents API checks them,
/// written back as read, and the event types whose judging needs the member's consents.
struct ConsentConditionTests {
    static let program = """
        name: Consents
        currency: EUR
        earning_rules:
          - {id: spend, event: purchase, effect: {type: points_per_amount, points: 1, per: 1}}
          - {id: newsletter, event: newsletter_signup, conditions: [{consent: marketing}], effect: {type: fixed_points, points: 100}}
        campaigns:
          - id: profiled
            start: 2026-03-01
            end: 2026-04-01
            audience: {consents: [profiling]}
            effects:
              rules:
                - {id: review-bonus, event: review, effect: {type: fixed_points, points: 5}}
        """

    @Test func onlyEventTypesJudgedByAConsentReadConsents() throws {
        let program = try ProgramDefinition.parse(Self.program)
        #expect(program.consentEventTypes == ["newsletter_signup", "review"])
        let processor = EventProcessor(program: program)
        #expect(processor.readsConsents(for: LoyaltyEvent(id: "e1", type: "review", occurredAt: Date())))
        #expect(!processor.readsConsents(for: LoyaltyEvent(id: "e2", type: LoyaltyEvent.purchaseType, occurredAt: Date())))
        #expect(try ProgramDefinition.read(program.canonicalTree) == program)
    }

    @Test func aRuleFailsWithoutTheConsentAndSaysWhich() throws {
        let processor = EventProcessor(program: try ProgramDefinition.parse(Self.program))
        let event = LoyaltyEvent(id: "e1", type: "newsletter_signup", occurredAt: Date())
        let without = processor.evaluator.evaluate(event: event, member: MemberProfile(id: "m1", consents: ["profiling"]), usage: [:])
        #expect(without.map(\.matched) == [false] && without.first?.explanation == "the member has not consented to marketing")
        let with = processor.evaluator.evaluate(event: event, member: MemberProfile(id: "m1", consents: ["marketing"]), usage: [:])
        #expect(with.map(\.points) == [100])
    }

    @Test func badConsentNamesAreRefusedWithTheirPath() throws {
        let bad = Self.program.replacingOccurrences(of: "{consent: marketing}", with: "{consent: Marketing}")
            .replacingOccurrences(of: "consents: [profiling]", with: "consents: [profiling, 9lives]")
        let error = try #require(throws: ProgramValidationError.self) { try ProgramDefinition.parse(bad) }
        #expect(error.issues.map(\.path) == ["earning_rules[1].conditions[0].consent", "campaigns[0].audience.consents[1]"])
        #expect(error.issues.allSatisfy { $0.message.hasPrefix("must be a consent name") })
    }
}
