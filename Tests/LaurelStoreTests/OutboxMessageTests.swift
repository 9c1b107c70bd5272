import Foundation
import LaurelCore
import LaurelStore
import Testing

/// The messages a messaging tool acts on, written in the transaction of the change they report:
/// enrolment and profile changes, points earned, spent and expired, tier moves, and
/// expiring-soon notices exactly once per lot and threshold.
struct OutboxMessageTests {
    static let program = """
        name: Messages
        currency: EUR
        points:
          expiry: {policy: after_days, days: 40}
          pending_days: 14
          expiring_soon_days: [7, 30]
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
            - {id: green, threshold: 0}
            - {id: gold, threshold: 100}
        """

    func messages(_ fixture: StoreFixture, after: Int64? = nil) async throws -> [OutboxMessage] {
        try await fixture.store.outbox(programId: fixture.programId, limit: 500, startingAfter: after).items
    }

    func payload(_ message: OutboxMessage) throws -> [String: JSONValue] {
        guard case .object(let object) = try JSONDecoder().decode(JSONValue.self, from: Data(message.payload.utf8)) else {
            Issue.record("payload is not an object: \(message.payload)")
            return [:]
        }
        return object
    }

    @Test(arguments: StoreBackend.available)
    func enrolmentUpdatesPointsAndTiersAreAnnounced(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let member = try await fixture.member("ana")
        _ = try await fixture.store.updateMember(programId: fixture.programId, id: member.id, patch: MemberPatch(email: .some("ana@example.com")),
                                                 now: StoreFixture.at(hours: 1), idempotency: nil)
        try await fixture.record(StoreFixture.named("review", at: StoreFixture.at(hours: 2)), memberId: member.id)
        let purchase = try await fixture.record(StoreFixture.purchase(total: "120", at: StoreFixture.at(hours: 3)), memberId: member.id)
        let all = try await messages(fixture)
        #expect(all.map(\.type) == ["member.enrolled", "member.updated", "points.earned", "tier.changed", "tier.upgraded",
                                    "points.earned", "tier.changed", "tier.upgraded"])
        #expect(Set(all.map(\.memberId)) == [member.id])
        #expect(try payload(all[1])["email"] == .string("ana@example.com"))
        let review = try payload(all[2])
        #expect(review["points"] == .number("10") && review["pending"] == .number("0") && review["available_at"] == .null)
        #expect(review["balance"] == .object(["available": .number("10"), "pending": .number("0")]))
        let earned = try payload(all[5])
        #expect(earned["source_id"] == .string(purchase.id) && earned["points"] == .number("120") && earned["pending"] == .number("120"))
        #expect(earned["available_at"] == .string(Timestamps.format(StoreFixture.at(days: 14, hours: 3))))
        #expect(earned["expires_at"] == .string(Timestamps.format(StoreFixture.at(days: 40, hours: 3))))
        #expect(try payload(all[7])["to"] == .string("gold"))
    }

    @Test(arguments: StoreBackend.available)
    func spendingAndExpiryAreAnnouncedButDebitsAreNot(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let member = try await fixture.member("ben")
        try await fixture.record(StoreFixture.named("review", at: StoreFixture.at()), memberId: member.id)
        let start = try await messages(fixture).last?.sequence
        _ = try await fixture.store.adjust(programId: fixture.programId, memberId: member.id, id: "adj_debit", points: -3, reason: "fix",
                                           actor: "test", now: StoreFixture.at(hours: 1), idempotency: nil)
        #expect(try await messages(fixture, after: start).isEmpty)
        _ = try await RedemptionStoreTests.reward(#"{"id": "mug", "name": "Mug", "type": "free_product", "sku": "MUG", "cost": 2}"#, fixture: fixture)
        let redemption = try #require(try await fixture.store.redeem(programId: fixture.programId, id: "rdm_mug", memberId: member.id, rewardId: "mug",
                                                                     points: nil, now: StoreFixture.at(hours: 2), idempotency: nil).value)
        let spent = try await messages(fixture, after: start)
        #expect(spent.map(\.type) == ["points.spent", "redemption.issued"])
        #expect(try payload(spent[0]) == ["member_id": .string(member.id), "points": .number("2"), "source_id": .string(redemption.id),
                                          "balance": .object(["available": .number("5"), "pending": .number("0")])])
        let before = spent.last?.sequence
        try await fixture.settle(now: StoreFixture.at(days: 41))
        let expired = try await messages(fixture, after: before)
        #expect(expired.map(\.type) == ["points.expired"])
        #expect(try payload(expired[0])["points"] == .number("5"))
        #expect(try payload(expired[0])["balance"] == .object(["available": .number("0"), "pending": .number("0")]))
    }

    @Test(arguments: StoreBackend.available)
    func expiringSoonIsSentOncePerLotAndThreshold(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let ana = try await fixture.member("ana"), ben = try await fixture.member("ben")
        // Ana's two lots expire on days 40 and 41; Ben's on day 45.
        try await fixture.record(StoreFixture.named("review", at: StoreFixture.at()), memberId: ana.id)
        try await fixture.record(StoreFixture.named("review", at: StoreFixture.at(days: 1)), memberId: ana.id)
        try await fixture.record(StoreFixture.named("review", at: StoreFixture.at(days: 5)), memberId: ben.id)
        let start = try await messages(fixture).last?.sequence
        func notices(_ days: Double) async throws -> [OutboxMessage] {
            _ = try await fixture.store.notifyExpiringPoints(now: StoreFixture.at(days: days), batchSize: 1)
            _ = try await fixture.store.notifyExpiringPoints(now: StoreFixture.at(days: days), batchSize: 100)
            return try await messages(fixture, after: start).filter { $0.type == "points.expiring_soon" }
        }
        #expect(try await notices(9).isEmpty)        // 31 days before Ana's first lot
        #expect(try await notices(10).count == 1)    // 30 days before it: Ana, one lot
        let at11 = try await notices(11)             // Ana's second lot
        #expect(at11.count == 2 && Set(at11.map(\.memberId)) == [ana.id])
        #expect(try await notices(15).count == 3)    // Ben, 30 days before
        #expect(try await notices(20).count == 3)    // nothing new
        let at33 = try await notices(33)             // 7 days before Ana's first lot
        #expect(at33.count == 4)
        let last = try payload(at33[3])
        #expect(last["days_before"] == .number("7") && last["points"] == .number("10"))
        #expect(last["expires_at"] == .string(Timestamps.format(StoreFixture.at(days: 40))))
        #expect(try await notices(39).count == 6)    // Ana's second at 7 days, Ben's at 7 days
        #expect(try await notices(60).count == 6)    // expired lots are not announced
    }

    @Test(arguments: StoreBackend.available)
    func aLotFirstSeenInsideTheSmallerThresholdGetsOnlyThatNotice(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program.replacingOccurrences(of: "days: 40", with: "days: 5"))
        let member = try await fixture.member("ana")
        try await fixture.record(StoreFixture.named("review", at: StoreFixture.at()), memberId: member.id)
        _ = try await fixture.store.notifyExpiringPoints(now: StoreFixture.at(days: 1), batchSize: 100)
        _ = try await fixture.store.notifyExpiringPoints(now: StoreFixture.at(days: 2), batchSize: 100)
        let notices = try await messages(fixture).filter { $0.type == "points.expiring_soon" }
        #expect(notices.count == 1)
        #expect(try notices.first.map(payload)?["days_before"] == .number("7"))
    }

    @Test(arguments: StoreBackend.available)
    func theBacklogCountsWhatIsDueAndNotDone(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let ana = try await fixture.member("ana"), ben = try await fixture.member("ben")
        try await fixture.record(StoreFixture.named("review", at: StoreFixture.at()), memberId: ana.id)
        try await fixture.record(StoreFixture.named("review", at: StoreFixture.at(days: 20)), memberId: ben.id)
        func backlog(_ days: Double) async throws -> [String: Int] { try await fixture.store.scheduledBacklog(now: StoreFixture.at(days: days)) }
        #expect(try await backlog(39)[JobName.settlePoints] == 0)
        #expect(try await backlog(41)[JobName.settlePoints] == 1)   // Ana's lot expired
        #expect(try await backlog(61)[JobName.settlePoints] == 2)
        #expect(try await backlog(61)[JobName.deliverWebhooks] == 0)
        try await fixture.settle(now: StoreFixture.at(days: 61))
        #expect(try await backlog(61)[JobName.settlePoints] == 0)
    }
}
