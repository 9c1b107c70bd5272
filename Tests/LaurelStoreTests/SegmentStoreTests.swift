import Foundation
import LaurelCore
import LaurelStore
import Testing

/// Segments evaluated by each backend's SQL over seeded members, events, clubs and balances, at an
/// explicit `now`, with the window edges; and the materialised membership the refresh keeps.
struct SegmentStoreTests {
    static let program = """
        name: Segment store tests
        currency: EUR
        earning_rules:
          - id: spend
            event: purchase
            effect: {type: points_per_amount, points: 1, per: 1}
          - id: review
            event: review
            effect: {type: fixed_points, points: 10}
        tiers:
          basis: points_earned
          levels:
            - {id: silver, threshold: 0}
            - {id: gold, threshold: 100}
        clubs:
          - {id: sneakers, name: Sneakers, join: {invitations: staff}}
        """

    struct Seeded {
        let fixture: StoreFixture
        let ana: String
        let ben: String
        let cat: String
        /// Day 60: ana bought on days 0 and 50 and reviewed on days 55 and 56; ben enrolled on day 10 and
        /// bought on day 20; cat enrolled on day 30 and did nothing.
        let now = StoreFixture.at(days: 60)

        /// Names of the members in a segment made of `conditions` (YAML flow list).
        func members(_ conditions: String) async throws -> [String] {
            let source = SegmentStoreTests.program + "\nsegments:\n  - {id: s, conditions: \(conditions)}\n"
            let segment = try #require(try ProgramDefinition.parse(source).segment("s"))
            let names = [ana: "ana", ben: "ben", cat: "cat"]
            let page = try await fixture.store.segmentMembers(programId: fixture.programId, segment: segment, now: now, limit: 10, startingAfter: nil)
            let count = try await fixture.store.countSegmentMembers(programId: fixture.programId, segment: segment, now: now)
            #expect(count == page.items.count)
            for item in page.items {
                let segments = try await fixture.store.memberSegments(programId: fixture.programId, memberId: item.memberId, segments: [segment], now: now)
                #expect(segments == ["s"])
            }
            return page.items.compactMap { names[$0.memberId] }.sorted()
        }
    }

    static func seed(_ backend: StoreBackend) async throws -> Seeded {
        let fixture = try await StoreFixture.make(backend, program: program)
        let store = fixture.store
        func enrol(_ name: String, days: Double, attributes: [String: JSONValue]) async throws -> String {
            let now = StoreFixture.at(days: days)
            let record = MemberRecord(id: Identifiers.make("mem", now: now), programId: fixture.programId, externalId: name, attributes: attributes,
                                      status: .active, createdAt: now, updatedAt: now)
            return try #require(try await store.createMember(record, idempotency: nil).value).id
        }
        let ana = try await enrol("ana", days: 0, attributes: ["gender": .string("f"), "age": .number("25"), "newsletter": .bool(true),
                                                               "style": .object(["fit": .string("slim")])])
        let ben = try await enrol("ben", days: 10, attributes: ["gender": .string("m"), "age": .number("40"), "newsletter": .null])
        let cat = try await enrol("cat", days: 30, attributes: [:])
        func purchase(_ memberId: String, _ total: String, days: Double, lines: String = "[]") async throws {
            let event = StoreFixture.purchase(total: total, at: StoreFixture.at(days: days))
            let payload = #"{"member_id":"\#(memberId)","purchase":{"currency":"EUR","lines":\#(lines),"total":"\#(total)"},"type":"purchase"}"#
            _ = try await store.recordEvent(programId: fixture.programId, memberId: memberId, event: event, payload: payload,
                                            now: event.occurredAt, idempotency: nil)
        }
        try await purchase(ana, "120.50", days: 0, lines: #"[{"category":"shoes","quantity":1,"sku":"SKU-1","unit_price":"120.50"}]"#)
        try await purchase(ana, "10.25", days: 50)
        _ = try await fixture.send(StoreFixture.named("review", at: StoreFixture.at(days: 55)), memberId: ana)
        _ = try await fixture.send(StoreFixture.named("review", at: StoreFixture.at(days: 56)), memberId: ana)
        try await purchase(ben, "20", days: 20)
        _ = try await store.joinClub(programId: fixture.programId, clubId: "sneakers", memberId: ben, via: .invitation, invitedBy: "staff",
                                     now: StoreFixture.at(days: 21), idempotency: nil)
        return Seeded(fixture: fixture, ana: ana, ben: ben, cat: cat)
    }

    @Test(arguments: StoreBackend.available)
    func memberAttributes(backend: StoreBackend) async throws {
        let seeded = try await Self.seed(backend)
        #expect(try await seeded.members("[{attribute: gender, op: eq, value: f}]") == ["ana"])
        #expect(try await seeded.members("[{attribute: age, op: eq, value: 25.0}]") == ["ana"])
        #expect(try await seeded.members("[{attribute: age, op: eq, value: \"25\"}]") == [])
        #expect(try await seeded.members("[{attribute: newsletter, op: eq, value: true}]") == ["ana"])
        #expect(try await seeded.members("[{attribute: style.fit, op: in, value: [slim, regular]}]") == ["ana"])
        #expect(try await seeded.members("[{attribute: gender, op: in, value: [f, m]}]") == ["ana", "ben"])
        #expect(try await seeded.members("[{attribute: age, op: range, value: {min: 18, max: 30}}]") == ["ana"])
        #expect(try await seeded.members("[{attribute: age, op: range, value: {min: 40}}]") == ["ben"])
        #expect(try await seeded.members("[{attribute: age, op: range, value: {max: 24.99}}]") == [])
        #expect(try await seeded.members("[{attribute: newsletter, op: exists}]") == ["ana"])
        #expect(try await seeded.members("[{attribute: newsletter, op: not_exists}]") == ["ben", "cat"])
        #expect(try await seeded.members("[{attribute: style.colour, op: not_exists}]") == ["ana", "ben", "cat"])
        #expect(try await seeded.members("[]") == ["ana", "ben", "cat"])
    }

    @Test(arguments: StoreBackend.available)
    func tierClubsAndEnrolment(backend: StoreBackend) async throws {
        let seeded = try await Self.seed(backend)
        #expect(try await seeded.members("[{tier: [gold]}]") == ["ana"])
        #expect(try await seeded.members("[{tier: [gold, silver]}]") == ["ana", "ben"])
        #expect(try await seeded.members("[{clubs: [sneakers]}]") == ["ben"])
        // Enrolment: after is inclusive, before exclusive; within_days counts back from now, inclusive.
        #expect(try await seeded.members("[{enrolled: {after: \"2026-03-12T10:00:00Z\"}}]") == ["ben", "cat"])
        #expect(try await seeded.members("[{enrolled: {before: \"2026-03-12T10:00:00Z\"}}]") == ["ana"])
        #expect(try await seeded.members("[{enrolled: {within_days: 30}}]") == ["cat"])
        #expect(try await seeded.members("[{enrolled: {within_days: 29}}]") == [])
    }

    @Test(arguments: StoreBackend.available)
    func purchasesSpendAndPoints(backend: StoreBackend) async throws {
        let seeded = try await Self.seed(backend)
        #expect(try await seeded.members("[{purchases: {min: 2}}]") == ["ana"])
        #expect(try await seeded.members("[{purchases: {min: 1, max: 1}}]") == ["ben"])
        #expect(try await seeded.members("[{purchases: {max: 0}}]") == ["cat"])
        // Day 50 is exactly ten days before now: inside the window.
        #expect(try await seeded.members("[{purchases: {min: 1}, within_days: 10}]") == ["ana"])
        #expect(try await seeded.members("[{purchases: {min: 2}, within_days: 10}]") == [])
        // Spend is exact: 120.50 + 10.25.
        #expect(try await seeded.members("[{spend: {min: \"130.75\"}}]") == ["ana"])
        #expect(try await seeded.members("[{spend: {min: \"130.7501\"}}]") == [])
        #expect(try await seeded.members("[{spend: {min: \"0.01\", max: \"20\"}}]") == ["ben"])
        #expect(try await seeded.members("[{spend: {max: \"10.25\"}, within_days: 10}]") == ["ana", "ben", "cat"])
        #expect(try await seeded.members("[{spend: {min: \"10.26\"}, within_days: 10}]") == [])
        // ana: 120 + 10 + 2 reviews of 10; ben: 20.
        #expect(try await seeded.members("[{points: {min: 150, max: 150}}]") == ["ana"])
        #expect(try await seeded.members("[{points: {max: 0}}]") == ["cat"])
    }

    @Test(arguments: StoreBackend.available)
    func behaviourInAWindow(backend: StoreBackend) async throws {
        let seeded = try await Self.seed(backend)
        #expect(try await seeded.members("[{last_purchase: {within_days: 10}}]") == ["ana"])
        #expect(try await seeded.members("[{last_purchase: {within_days: 40}}]") == ["ana", "ben"])
        #expect(try await seeded.members("[{last_purchase: {not_within_days: 10}}]") == ["ben", "cat"])
        #expect(try await seeded.members("[{bought: {skus: [SKU-1]}}]") == ["ana"])
        #expect(try await seeded.members("[{bought: {categories: [shoes, bags]}}]") == ["ana"])
        #expect(try await seeded.members("[{bought: {skus: [SKU-2], categories: [bags]}}]") == [])
        #expect(try await seeded.members("[{bought: {categories: [shoes]}, within_days: 59}]") == [])
        #expect(try await seeded.members("[{did: review}]") == ["ana"])
        #expect(try await seeded.members("[{did: review, at_least: 2, within_days: 5}]") == ["ana"])
        #expect(try await seeded.members("[{did: review, at_least: 2, within_days: 4}]") == [])
        #expect(try await seeded.members("[{did: review, at_least: 3}]") == [])
        #expect(try await seeded.members("[{did: purchase, at_least: 2}, {attribute: gender, op: eq, value: f}, {tier: [gold]}]") == ["ana"])
    }

    @Test(arguments: StoreBackend.available)
    func pagesFollowMemberIds(backend: StoreBackend) async throws {
        let seeded = try await Self.seed(backend)
        let segment = SegmentDefinition(id: "all", name: "All")
        let store = seeded.fixture.store
        let first = try await store.segmentMembers(programId: seeded.fixture.programId, segment: segment, now: seeded.now, limit: 2, startingAfter: nil)
        #expect(first.items.map(\.memberId) == [seeded.ana, seeded.ben] && first.hasMore)
        let rest = try await store.segmentMembers(programId: seeded.fixture.programId, segment: segment, now: seeded.now, limit: 2,
                                                  startingAfter: seeded.ben)
        #expect(rest.items.map(\.memberId) == [seeded.cat] && !rest.hasMore && rest.items[0].externalId == "cat")
        // Another program's segment of the same id finds none of these members.
        let other = try await store.segmentMembers(programId: "prg_other", segment: segment, now: seeded.now, limit: 10, startingAfter: nil)
        #expect(other.items.isEmpty)
    }

    static let refreshed = """
        name: Refresh
        currency: EUR
        earning_rules:
          - id: spend
            event: purchase
            effect: {type: points_per_amount, points: 1, per: 1}
          - id: big-bonus
            event: purchase
            conditions: [{field: member.segments, op: contains, value: big}]
            effect: {type: fixed_points, points: 50}
        segments:
          - {id: big, name: Big spenders, conditions: [{spend: {min: 100}}]}
          - {id: recent, conditions: [{last_purchase: {within_days: 10}}]}
        """

    /// SQLite sums spend exactly; a member's spend in 1/10,000ths can pass 64 bits (923 purchases at the
    /// 10^12 bound), which made sum() fail and with it every refresh of the program. (PostgreSQL sums
    /// `numeric`, which does not overflow; 923 events there take minutes on a loaded machine.)
    @Test func spendPastSixtyFourBitsOfTenThousandthsStillCompares() async throws {
        let fixture = try await StoreFixture.make(.sqlite, program: Self.refreshed)
        let ana = try await fixture.member("ana").id
        let ben = try await fixture.member("ben").id
        for index in 0..<923 {
            _ = try await fixture.record(StoreFixture.purchase(total: "999999999999.99", at: StoreFixture.at(hours: Double(index) / 100)), memberId: ana)
        }
        _ = try await fixture.record(StoreFixture.purchase(total: "99.99", at: StoreFixture.at()), memberId: ben)
        #expect(try await fixture.store.refreshSegments(programId: fixture.programId, now: StoreFixture.at(days: 1)) == SegmentRefresh(entered: 3, left: 0))
        #expect(try await fixture.store.materialisedSegments(programId: fixture.programId, memberId: ana) == ["big", "recent"])
        #expect(try await fixture.store.materialisedSegments(programId: fixture.programId, memberId: ben) == ["recent"])
        let source = Self.refreshed + "\n  - {id: small, conditions: [{spend: {max: \"1000000000000\"}}]}\n"
        let small = try #require(try ProgramDefinition.parse(source).segment("small"))
        let members = try await fixture.store.segmentMembers(programId: fixture.programId, segment: small, now: StoreFixture.at(days: 1), limit: 10,
                                                             startingAfter: nil)
        #expect(members.items.map(\.memberId) == [ben])
    }

    @Test(arguments: StoreBackend.available)
    func theRefreshEntersOnceRemovesLeaversAndRulesSeeIt(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.refreshed)
        let store = fixture.store
        let ana = try await fixture.member("ana").id
        let ben = try await fixture.member("ben").id
        func entered() async throws -> [OutboxMessage] {
            try await store.outbox(programId: fixture.programId, limit: 500, startingAfter: nil).items.filter { $0.type == MessageType.segmentEntered }
        }
        // Before any refresh the rule sees no segment.
        #expect(try await fixture.record(StoreFixture.purchase(total: "120", at: StoreFixture.at()), memberId: ana).points == 120)
        #expect(try await store.refreshSegments(programId: fixture.programId, now: StoreFixture.at(days: 1)) == SegmentRefresh(entered: 2, left: 0))
        #expect(try await store.materialisedSegments(programId: fixture.programId, memberId: ana) == ["big", "recent"])
        #expect(try await store.materialisedSegments(programId: fixture.programId, memberId: ben) == [])
        let messages = try await entered()
        #expect(messages.count == 2 && messages.allSatisfy { $0.memberId == ana })
        #expect(messages.first?.payload.contains(#""segment_id":"big""#) == true, "\(messages)")
        // Again: nothing changes, no second message.
        #expect(try await store.refreshSegments(programId: fixture.programId, now: StoreFixture.at(days: 1)) == SegmentRefresh())
        #expect(try await entered().count == 2)
        // Now the rule sees "big".
        #expect(try await fixture.record(StoreFixture.purchase(total: "10", at: StoreFixture.at(days: 2)), memberId: ana).points == 60)
        #expect(try await fixture.record(StoreFixture.purchase(total: "10", at: StoreFixture.at(days: 2)), memberId: ben).points == 10)
        // Day 30: ana's last purchase is 28 days old, so she leaves "recent"; ben entered "recent" on day 2 and left too.
        #expect(try await store.refreshSegments(programId: fixture.programId, now: StoreFixture.at(days: 5)) == SegmentRefresh(entered: 1, left: 0))
        #expect(try await store.refreshSegments(programId: fixture.programId, now: StoreFixture.at(days: 30)) == SegmentRefresh(entered: 0, left: 2))
        #expect(try await store.materialisedSegments(programId: fixture.programId, memberId: ana) == ["big"])
        #expect(try await store.materialisedSegments(programId: fixture.programId, memberId: ben) == [])
        #expect(try await entered().count == 3)
        // A version without "big" drops its memberships at the next refresh.
        try await fixture.apply("""
            name: Refresh
            currency: EUR
            earning_rules:
              - {id: spend, event: purchase, effect: {type: points_per_amount, points: 1, per: 1}}
            segments:
              - {id: recent, conditions: [{last_purchase: {within_days: 10}}]}
            """)
        #expect(try await store.refreshSegments(programId: fixture.programId, now: StoreFixture.at(days: 30)) == SegmentRefresh(entered: 0, left: 1))
        #expect(try await store.materialisedSegments(programId: fixture.programId, memberId: ana) == [])
    }

    @Test(arguments: StoreBackend.available)
    func concurrentRefreshesEnterEachMemberOnce(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.refreshed)
        for index in 0..<20 {
            let member = try await fixture.member("m\(index)")
            try await fixture.record(StoreFixture.purchase(total: "150", at: StoreFixture.at()), memberId: member.id)
        }
        let store = fixture.store
        let programId = fixture.programId
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 { group.addTask { try await store.refreshSegments(programId: programId, now: StoreFixture.at(days: 1)).entered } }
            return try await group.reduce(0, +)
        }
        #expect(total == 40)
        let messages = try await store.outbox(programId: programId, limit: 500, startingAfter: nil).items.filter { $0.type == MessageType.segmentEntered }
        #expect(messages.count == 40)
    }
}
