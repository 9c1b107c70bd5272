import Foundation
import Testing
import LaurelCore

/// Conditions on event and member fields, days of week in the program's time zone, stores and products.
struct RuleConditionTests {
    static let when = Date(timeIntervalSince1970: 1_790_000_000)

    /// Evaluates a one-rule program (`fixed_points: 10` for `event`) with the given condition list.
    static func matched(_ conditions: String, event: LoyaltyEvent, member: MemberProfile = MemberProfile(id: "m"),
                        timezone: String = "UTC") throws -> RuleResult {
        let program = try Fixtures.program("""
              - id: rule
                event: \(event.type)
                conditions: \(conditions)
                effect: {type: fixed_points, points: 10}
            """, header: "timezone: \(timezone)")
        let results = RuleEvaluator(program: program).evaluate(event: event, member: member, usage: [:])
        try #require(results.count == 1)
        let result = results[0]
        #expect(result.points == (result.matched ? 10 : 0))
        #expect(!result.explanation.isEmpty)
        return result
    }

    static func review(channel: String? = nil, store: String? = nil, _ attributes: [String: JSONValue] = [:]) -> LoyaltyEvent {
        LoyaltyEvent(id: "evt_r", type: "review", occurredAt: when, store: store, channel: channel, attributes: attributes)
    }

    @Test func eventFieldEqInAndGt() throws {
        #expect(try Self.matched("[{field: event.channel, op: eq, value: app}]", event: Self.review(channel: "app")).matched)
        let web = try Self.matched("[{field: event.channel, op: eq, value: app}]", event: Self.review(channel: "web"))
        #expect(!web.matched && web.explanation == "condition not met: event.channel eq \"app\"")

        let source = "[{field: event.source, op: in, value: [web, app]}]"
        #expect(try Self.matched(source, event: Self.review(["source": .string("app")])).matched)
        #expect(try !Self.matched(source, event: Self.review(["source": .string("pos")])).matched)
        #expect(try !Self.matched(source, event: Self.review()).matched)

        let rating = "[{field: event.rating, op: gt, value: 3}]"
        #expect(try Self.matched(rating, event: Self.review(["rating": .number("4")])).matched)
        #expect(try Self.matched(rating, event: Self.review(["rating": .string("3.01")])).matched, "numeric strings compare as numbers")
        #expect(try !Self.matched(rating, event: Self.review(["rating": .number("3.00")])).matched)
        #expect(try !Self.matched(rating, event: Self.review(["rating": .string("great")])).matched)
        #expect(try !Self.matched(rating, event: Self.review()).matched)
        #expect(try Self.matched("[{field: event.rating, op: lte, value: \"3\"}]", event: Self.review(["rating": .number("3.0")])).matched)
        #expect(try Self.matched("[{field: event.rating, op: eq, value: 3}]", event: Self.review(["rating": .number("3.0000")])).matched)
        #expect(try Self.matched("[{field: event.rating, op: gte, value: 3}, {field: event.rating, op: lt, value: 4}]",
                                 event: Self.review(["rating": .number("3.5")])).matched)
    }

    @Test func missingFieldsSatisfyOnlyNeAndNotIn() throws {
        #expect(try Self.matched("[{field: event.colour, op: ne, value: red}]", event: Self.review()).matched)
        #expect(try Self.matched("[{field: event.colour, op: not_in, value: [red]}]", event: Self.review()).matched)
        #expect(try !Self.matched("[{field: event.colour, op: exists}]", event: Self.review()).matched)
        #expect(try Self.matched("[{field: event.colour, op: exists}]", event: Self.review(["colour": .string("red")])).matched)
        #expect(try !Self.matched("[{field: event.colour, op: not_in, value: [red]}]", event: Self.review(["colour": .string("red")])).matched)
    }

    @Test func memberAttributesAndStatus() throws {
        let gold = MemberProfile(id: "m", attributes: ["profile": .object(["size": .string("M")]),
                                                       "interests": .array([.string("running"), .string("yoga")])], tier: "gold", clubs: ["atelier"])
        let plain = MemberProfile(id: "m")
        let tier = "[{field: member.tier, op: eq, value: gold}]"
        #expect(try Self.matched(tier, event: Self.review(), member: gold).matched)
        #expect(try !Self.matched(tier, event: Self.review(), member: plain).matched)
        // The tier and clubs are the member's own, not attributes of those names.
        #expect(try !Self.matched(tier, event: Self.review(), member: MemberProfile(id: "m", attributes: ["tier": .string("gold")])).matched)
        #expect(try Self.matched("[{field: member.clubs, op: contains, value: atelier}]", event: Self.review(), member: gold).matched)
        #expect(try !Self.matched("[{field: member.clubs, op: contains, value: atelier}]", event: Self.review(), member: plain).matched)
        #expect(try Self.matched("[{field: member.profile.size, op: in, value: [S, M]}]", event: Self.review(), member: gold).matched)
        #expect(try Self.matched("[{field: member.interests, op: contains, value: running}]", event: Self.review(), member: gold).matched)
        #expect(try !Self.matched("[{field: member.interests, op: contains, value: golf}]", event: Self.review(), member: gold).matched)

        let active = "[{field: member.status, op: eq, value: active}]"
        #expect(try Self.matched(active, event: Self.review(), member: MemberProfile(id: "m", status: .active)).matched)
        #expect(try !Self.matched(active, event: Self.review(), member: MemberProfile(id: "m", status: .blocked)).matched)
    }

    @Test func eventTotalAndStandardFields() throws {
        let lines = [Fixtures.line("A", "60.00"), Fixtures.line("B", "40.00")]
        let purchase = Fixtures.purchase(at: Self.when, lines: lines)
        #expect(try Self.matched("[{field: event.total, op: gte, value: 100}]", event: purchase).matched)
        #expect(try !Self.matched("[{field: event.total, op: gt, value: \"100.00\"}]", event: purchase).matched)
        #expect(try Self.matched("[{field: event.total, op: eq, value: 100}]", event: purchase).matched)
        #expect(try Self.matched("[{field: event.total, op: in, value: [50, \"100.0\"]}]", event: purchase).matched)
        #expect(try Self.matched("[{field: event.type, op: eq, value: purchase}]", event: purchase).matched)
    }

    /// 2026-03-03T20:00:00Z is a Tuesday in UTC and already Wednesday 05:00 in Tokyo.
    @Test func daysOfWeekUseTheProgramTimeZone() throws {
        let event = LoyaltyEvent(id: "e", type: "visit", occurredAt: try Fixtures.at("2026-03-03T20:00:00Z"))
        #expect(try Self.matched("[{days_of_week: [tuesday]}]", event: event, timezone: "UTC").matched)
        #expect(try !Self.matched("[{days_of_week: [wednesday]}]", event: event, timezone: "UTC").matched)
        #expect(try Self.matched("[{days_of_week: [wed]}]", event: event, timezone: "Asia/Tokyo").matched)
        let tuesday = try Self.matched("[{days_of_week: [Tuesday, sat]}]", event: event, timezone: "Asia/Tokyo")
        #expect(!tuesday.matched && tuesday.explanation.hasPrefix("condition not met"))
        // Just before midnight in Tokyo it is still Tuesday there.
        let late = LoyaltyEvent(id: "e", type: "visit", occurredAt: try Fixtures.at("2026-03-03T14:59:59Z"))
        #expect(try Self.matched("[{days_of_week: [tuesday]}]", event: late, timezone: "Asia/Tokyo").matched)
    }

    @Test func storesAndHasProduct() throws {
        let stores = "[{stores: [berlin-01, paris-02]}]"
        #expect(try Self.matched(stores, event: Self.review(store: "berlin-01")).matched)
        #expect(try !Self.matched(stores, event: Self.review(store: "rome-01")).matched)
        #expect(try !Self.matched(stores, event: Self.review()).matched)

        let shoes = "[{has_product: {categories: [shoes]}}]"
        let withShoes = Fixtures.purchase(at: Self.when, lines: [Fixtures.line("A", "1.00", category: "bags"), Fixtures.line("B", "1.00", category: "shoes")])
        let withoutShoes = Fixtures.purchase(at: Self.when, lines: [Fixtures.line("A", "1.00", category: "bags")])
        #expect(try Self.matched(shoes, event: withShoes).matched)
        #expect(try !Self.matched(shoes, event: withoutShoes).matched)
        #expect(try Self.matched("[{has_product: {labels: [eco]}}]",
                                 event: Fixtures.purchase(at: Self.when, lines: [Fixtures.line("Z", "1.00", labels: ["x", "eco"])])).matched)
        #expect(try !Self.matched("[{has_product: {skus: [A]}}]", event: Self.review()).matched, "not a purchase")
    }

    @Test func allConditionsMustHold() throws {
        let both = "[{field: event.channel, op: eq, value: app}, {stores: [berlin-01]}]"
        #expect(try Self.matched(both, event: Self.review(channel: "app", store: "berlin-01")).matched)
        let result = try Self.matched(both, event: Self.review(channel: "app", store: "rome-01"))
        #expect(!result.matched && result.explanation.contains("store in berlin-01"))
    }
}
