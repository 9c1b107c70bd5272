import Foundation
import LaurelCore
import LaurelStore
import Testing

/// Fraud controls in the store: held events keep nothing but their review and message; caps count
/// per member, store and key; approval credits exactly once under concurrency; redemption caps
/// refuse; a refund of spent points is flagged. On both backends.
struct FraudStoreTests {
    static let program = """
        name: Fraud
        currency: EUR
        points:
          returns: {when_spent: debt, debt_limit: 1000}
        earning_rules:
          - id: spend
            event: purchase
            effect: {type: points_per_amount, points: 1, per: 1}
          - id: review
            event: review
            effect: {type: fixed_points, points: 10}
        fraud:
          hold: {amount_over: "500.00"}
          earning_caps:
            - {id: member-hour, per: member, period: hour, max_events: 3}
            - {id: store-day, per: store, period: day, max_points: 300, events: [purchase]}
            - {id: key-day, per: api_key, period: day, max_events: 5}
          redemption_caps:
            - {id: member-day, per: member, period: day, max_redemptions: 2}
        """

    static let now = StoreFixture.at(hours: 1)

    func send(_ fixture: StoreFixture, _ event: LoyaltyEvent, _ memberId: String, key: String? = "key_a", now: Date = now,
              idempotency: Idempotency<EventRecord>? = nil) async throws -> Idempotent<EventRecord> {
        try await fixture.store.recordEvent(programId: fixture.programId, memberId: memberId, event: event,
                                            payload: StoreFixture.payload(event, memberId: memberId), now: now, apiKeyId: key, idempotency: idempotency)
    }

    @discardableResult
    func record(_ fixture: StoreFixture, _ event: LoyaltyEvent, _ memberId: String, key: String? = "key_a", now: Date = now) async throws -> EventRecord {
        try #require(try await send(fixture, event, memberId, key: key, now: now).value)
    }

    static func purchase(_ total: String, store: String? = nil) -> LoyaltyEvent {
        var event = StoreFixture.purchase(total: total, at: StoreFixture.start)
        event.store = store
        return event
    }

    func flagged(_ fixture: StoreFixture) async throws -> [[String: JSONValue]] {
        try await fixture.store.outbox(programId: fixture.programId, limit: 500, startingAfter: nil).items
            .filter { $0.type == MessageType.fraudFlagged }
            .map { try #require(try JSONDecoder().decode(JSONValue.self, from: Data($0.payload.utf8)).objectValue) }
    }

    /// A count-only cap over a busy key: its marks' money passes 64 bits of 10,000ths after 923 purchases
    /// at the 10^12 bound, where SQLite's sum() failed every later event of the key. (PostgreSQL sums
    /// `numeric`; the same ceiling applies there.)
    @Test func aCountOnlyCapKeepsCountingPastSixtyFourBitsOfMoney() async throws {
        let program = """
            name: Busy key
            currency: EUR
            earning_rules:
              - {id: visit, event: visit, effect: {type: fixed_points, points: 1}}
            fraud:
              earning_caps:
                - {id: key-day, per: api_key, period: day, max_events: 5000}
            """
        let fixture = try await StoreFixture.make(.sqlite, program: program)
        let member = try await fixture.member("busy")
        for _ in 0..<925 {
            let record = try await record(fixture, Self.purchase("999999999999.99"), member.id)
            #expect(record.status == .processed)
        }
        #expect(try await flagged(fixture).isEmpty)
    }

    /// Builds the approved event the way the API does: the review's event id, its type and body.
    static func event(_ original: LoyaltyEvent) -> @Sendable (ReviewRecord) throws -> LoyaltyEvent {
        { review in
            var event = original
            event.id = review.eventId
            return event
        }
    }

    @Test(arguments: StoreBackend.available)
    func anEventAboveTheThresholdIsHeldAndCreditsNothing(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let member = try await fixture.member("c-1")
        try await record(fixture, Self.purchase("20.00"), member.id)
        let big = Self.purchase("600.00")
        let held = try await record(fixture, big, member.id)
        #expect(held.status == .held && held.points == 0 && held.id == big.id)
        #expect(held.outcome.balanceAfter.pair == [20, 0])
        let reviewId = try #require(held.outcome.reviewId)
        #expect(held.outcomeJSON.contains("\"review_id\":\"\(reviewId)\"") && held.outcomeJSON.contains("\"status\":\"held\""))

        #expect(try await fixture.reload(member.id).available == 20)
        #expect(try await fixture.store.event(programId: fixture.programId, id: big.id) == nil)
        let review = try #require(try await fixture.store.review(programId: fixture.programId, id: reviewId))
        #expect(review.status == .pending && review.eventId == big.id && review.memberId == member.id && review.apiKeyId == "key_a")
        #expect(review.payload == StoreFixture.payload(big, memberId: member.id))
        #expect(review.tripsJSON.contains("\"name\":\"hold:amount\""))

        let messages = try await flagged(fixture)
        #expect(messages.count == 1)
        #expect(messages.first?["action"] == .string("held") && messages.first?["review_id"] == .string(reviewId))
        #expect(messages.first?["event_id"] == .string(big.id) && messages.first?["member_id"] == .string(member.id))
        let trip = try #require(messages.first?["trips"]?.arrayValue?.first?.objectValue)
        #expect(trip["control"] == .string("hold_threshold") && trip["measure"] == .string("amount"))
        #expect(trip["value"] == .string("600.00") && trip["limit"] == .string("500.00"))
        #expect(try await fixture.audit() == [])
    }

    @Test(arguments: StoreBackend.available)
    func memberStoreAndKeyCapsCountWhatWasCredited(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let ana = try await fixture.member("ana"), bob = try await fixture.member("bob")
        // member-hour: the fourth event of the hour is held; the next hour starts again.
        for _ in 0..<3 { #expect(try await record(fixture, StoreFixture.named("review", at: StoreFixture.start), ana.id, key: nil).status == .processed) }
        let fourth = try await record(fixture, StoreFixture.named("review", at: StoreFixture.start), ana.id, key: nil)
        #expect(fourth.status == .held)
        let later = Self.now.addingTimeInterval(3600)
        #expect(try await record(fixture, StoreFixture.named("review", at: StoreFixture.start), ana.id, key: nil, now: later).status == .processed)
        // A held event is not counted: bob's count starts at zero.
        #expect(try await record(fixture, StoreFixture.named("review", at: StoreFixture.start), bob.id, key: nil).status == .processed)

        // store-day: points per store, across members; other stores and events without a store are not counted.
        #expect(try await record(fixture, Self.purchase("200", store: "lyon"), ana.id, key: nil, now: later).status == .processed)
        #expect(try await record(fixture, Self.purchase("100", store: "lyon"), bob.id, key: nil, now: later).status == .processed)
        let over = try await record(fixture, Self.purchase("1", store: "lyon"), bob.id, key: nil, now: later)
        #expect(over.status == .held)
        #expect(try await record(fixture, Self.purchase("250", store: "nice"), bob.id, key: nil, now: later).status == .processed)
        #expect(try await record(fixture, Self.purchase("250"), bob.id, key: nil, now: later).status == .processed)

        // key-day: five events per key and day, whoever they are for.
        let tomorrow = StoreFixture.at(days: 1, hours: 1)
        for index in 0..<5 {
            let memberId = index % 2 == 0 ? ana.id : bob.id
            #expect(try await record(fixture, Self.purchase("1"), memberId, key: "key_k", now: tomorrow.addingTimeInterval(Double(index) * 900)).status == .processed)
        }
        #expect(try await record(fixture, Self.purchase("1"), bob.id, key: "key_k", now: tomorrow.addingTimeInterval(7200)).status == .held)
        #expect(try await record(fixture, Self.purchase("1"), bob.id, key: "key_other", now: tomorrow.addingTimeInterval(7200)).status == .processed)

        let names = try await flagged(fixture).compactMap { $0["trips"]?.arrayValue?.first?.objectValue?["name"] }
        #expect(names == [.string("cap:member-hour:count"), .string("cap:store-day:points"), .string("cap:key-day:count")])
        #expect(try await fixture.store.reviews(programId: fixture.programId, status: .pending, limit: 50, startingAfter: nil).items.count == 3)
        #expect(try await fixture.audit() == [])
    }

    @Test(arguments: StoreBackend.available)
    func approvalCreditsOnceAndADecidedReviewStaysDecided(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let member = try await fixture.member("c-1")
        let big = Self.purchase("600.00")
        let reviewId = try #require(try await record(fixture, big, member.id).outcome.reviewId)
        let approved = try #require(try await AuditActor.$current.withValue(AuditActor.apiKey("key_admin")) {
            try await fixture.store.approveReview(programId: fixture.programId, id: reviewId, event: Self.event(big), actor: "key_admin", now: Self.now,
                                                  idempotency: nil)
        }.value)
        #expect(approved.status == .approved && approved.points == 600 && approved.decidedBy == "key_admin" && approved.decidedAt == Self.now)
        let event = try #require(try await fixture.store.event(programId: fixture.programId, id: big.id))
        #expect(event.status == .processed && event.points == 600)
        #expect(try await fixture.reload(member.id).available == 600)
        await #expect(throws: StoreError.reviewDecided(id: reviewId, status: "approved")) {
            _ = try await fixture.store.approveReview(programId: fixture.programId, id: reviewId, event: Self.event(big), actor: "key_admin",
                                                      now: Self.now, idempotency: nil)
        }
        await #expect(throws: StoreError.reviewDecided(id: reviewId, status: "approved")) {
            _ = try await fixture.store.rejectReview(programId: fixture.programId, id: reviewId, actor: "key_admin", now: Self.now, idempotency: nil)
        }
        await #expect(throws: StoreError.notFound("review rev_nope")) {
            _ = try await fixture.store.rejectReview(programId: fixture.programId, id: "rev_nope", actor: "key_admin", now: Self.now, idempotency: nil)
        }
        #expect(try await fixture.reload(member.id).available == 600)
        #expect(try await fixture.store.reviews(programId: fixture.programId, status: .approved, limit: 50, startingAfter: nil).items.map(\.id) == [reviewId])
        #expect(try await fixture.audit() == [])
        // The decision is in the audit trail, once: the refused second decisions left nothing.
        let entries = try await fixture.store.auditEntries(programId: fixture.programId, filter: AuditFilter(), limit: 50, startingAfter: nil).items
            .filter { $0.targetType == "review" }
        #expect(entries.count == 1 && entries.first?.action == "review.approved" && entries.first?.actor == "api_key:key_admin"
                && entries.first?.targetId == reviewId, "\(entries)")
        #expect(entries.first?.before?.contains(#""status":"pending""#) == true && entries.first?.after?.contains(#""points":600"#) == true,
                "\(entries)")
    }

    @Test(arguments: StoreBackend.available)
    func concurrentApprovalsCreditExactlyOnce(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let member = try await fixture.member("c-1")
        var held: [(LoyaltyEvent, String)] = []
        for index in 0..<4 {
            let event = Self.purchase("\(501 + index).00")
            held.append((event, try #require(try await record(fixture, event, member.id).outcome.reviewId)))
        }
        let (approvedCount, decidedCount) = try await withThrowingTaskGroup(of: Bool.self) { group in
            for (event, reviewId) in held {
                for _ in 0..<6 {
                    group.addTask {
                        do {
                            _ = try await fixture.store.approveReview(programId: fixture.programId, id: reviewId, event: Self.event(event),
                                                                      actor: "key_admin", now: Self.now, idempotency: nil)
                            return true
                        } catch StoreError.reviewDecided {
                            return false
                        }
                    }
                }
            }
            var approved = 0, decided = 0
            for try await won in group { if won { approved += 1 } else { decided += 1 } }
            return (approved, decided)
        }
        #expect(approvedCount == 4 && decidedCount == 20)
        #expect(try await fixture.reload(member.id).available == 501 + 502 + 503 + 504)
        #expect(try await fixture.balancesFromEntries(member.id) == (2010, 0))
        #expect(try await fixture.audit() == [])
    }

    @Test(arguments: StoreBackend.available)
    func rejectionCreditsNothing(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let member = try await fixture.member("c-1")
        let big = Self.purchase("900.00")
        let reviewId = try #require(try await record(fixture, big, member.id).outcome.reviewId)
        let rejected = try #require(try await fixture.store.rejectReview(programId: fixture.programId, id: reviewId, actor: "key_admin", now: Self.now,
                                                                         idempotency: nil).value)
        #expect(rejected.status == .rejected && rejected.points == nil)
        await #expect(throws: StoreError.reviewDecided(id: reviewId, status: "rejected")) {
            _ = try await fixture.store.approveReview(programId: fixture.programId, id: reviewId, event: Self.event(big), actor: "key_admin",
                                                      now: Self.now, idempotency: nil)
        }
        #expect(try await fixture.reload(member.id).available == 0)
        #expect(try await fixture.store.event(programId: fixture.programId, id: big.id) == nil)
        #expect(try await fixture.entries(member.id).isEmpty)
    }

    @Test(arguments: StoreBackend.available)
    func aHeldAnswerIsReplayedUnderItsKey(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let member = try await fixture.member("c-1")
        let big = Self.purchase("700.00")
        let first = try await send(fixture, big, member.id, idempotency: idempotency("k-held", status: 202))
        guard case .fresh(let record, let response?) = first else { Issue.record("expected a fresh answer"); return }
        #expect(record.status == .held && response.status == 202)
        let again = try await send(fixture, big, member.id, idempotency: idempotency("k-held", status: 202))
        guard case .replayed(let replayed) = again else { Issue.record("expected a replay"); return }
        #expect(replayed == response)
        #expect(try await fixture.store.reviews(programId: fixture.programId, status: nil, limit: 50, startingAfter: nil).items.count == 1)
        #expect(try await flagged(fixture).count == 1)
    }

    @Test(arguments: StoreBackend.available)
    func reviewsArePagedAndFiltered(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let member = try await fixture.member("c-1")
        var ids: [String] = []
        for index in 0..<5 { ids.append(try #require(try await record(fixture, Self.purchase("\(600 + index)"), member.id).outcome.reviewId)) }
        _ = try await fixture.store.rejectReview(programId: fixture.programId, id: ids[1], actor: "a", now: Self.now, idempotency: nil)
        let first = try await fixture.store.reviews(programId: fixture.programId, status: nil, limit: 2, startingAfter: nil)
        #expect(first.items.map(\.id) == Array(ids.prefix(2)) && first.hasMore)
        let rest = try await fixture.store.reviews(programId: fixture.programId, status: nil, limit: 10, startingAfter: ids[1])
        #expect(rest.items.map(\.id) == Array(ids.dropFirst(2)) && !rest.hasMore)
        #expect(try await fixture.store.reviews(programId: fixture.programId, status: .pending, limit: 10, startingAfter: nil).items.map(\.id)
                == [ids[0], ids[2], ids[3], ids[4]])
        #expect(try await fixture.store.reviews(programId: fixture.programId, status: .rejected, limit: 10, startingAfter: nil).items.map(\.id) == [ids[1]])
    }

    @Test(arguments: StoreBackend.available)
    func aRedemptionCapRefusesAndFlags(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        _ = try await RedemptionStoreTests.reward(#"{"id": "cup", "name": "Cup", "type": "experience", "cost": 10, "stock": 10}"#, fixture: fixture)
        let member = try await RedemptionStoreTests.member(fixture, "c-1", points: 100)
        for _ in 0..<2 {
            _ = try #require(try await fixture.store.redeem(programId: fixture.programId, id: Identifiers.make("rdm"), memberId: member.id, rewardId: "cup",
                                                            points: nil, now: Self.now, apiKeyId: "key_a", idempotency: nil).value)
        }
        let refusedId = Identifiers.make("rdm")
        let refusal = try await #require(throws: FraudRefusal.self) {
            _ = try await fixture.store.redeem(programId: fixture.programId, id: refusedId, memberId: member.id, rewardId: "cup", points: nil,
                                               now: Self.now, apiKeyId: "key_a", idempotency: nil)
        }
        #expect(refusal.trips.map(\.name) == ["cap:member-day:count"])
        #expect(refusal.description.contains("\"member-day\""))
        #expect(try await fixture.reload(member.id).available == 80)
        #expect(try await fixture.store.redemption(programId: fixture.programId, id: refusedId, now: Self.now) == nil)
        let message = try #require(try await flagged(fixture).first)
        #expect(message["action"] == .string("refused") && message["redemption_id"] == .string(refusedId) && message["api_key_id"] == .string("key_a"))
        // The next day the cap has room again.
        _ = try #require(try await fixture.store.redeem(programId: fixture.programId, id: Identifiers.make("rdm"), memberId: member.id, rewardId: "cup",
                                                        points: nil, now: StoreFixture.at(days: 1, hours: 1), apiKeyId: "key_a", idempotency: nil).value)
        #expect(try await fixture.audit() == [])
    }

    @Test(arguments: StoreBackend.available)
    func aRefundOfSpentPointsGoesToDebtAndIsFlagged(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        _ = try await RedemptionStoreTests.reward(#"{"id": "cup", "name": "Cup", "type": "experience", "cost": 70, "stock": 10}"#, fixture: fixture)
        let member = try await fixture.member("c-1")
        let purchase = try await record(fixture, Self.purchase("100.00"), member.id)
        // A return while the points are unspent is not flagged.
        try await record(fixture, StoreFixture.returnOf(purchase.id, amount: "10.00", at: StoreFixture.start), member.id)
        #expect(try await flagged(fixture).isEmpty)
        _ = try #require(try await fixture.store.redeem(programId: fixture.programId, id: Identifiers.make("rdm"), memberId: member.id, rewardId: "cup",
                                                        points: nil, now: Self.now, idempotency: nil).value)
        let refund = try await record(fixture, StoreFixture.returnOf(purchase.id, amount: "90.00", at: StoreFixture.start), member.id)
        #expect(refund.status == .processed && refund.outcome.reversal?.intoDebt == 70)
        #expect(try await fixture.reload(member.id).debt == 70)
        let message = try #require(try await flagged(fixture).first)
        #expect(message["action"] == .string("flagged") && message["event_id"] == .string(refund.id))
        let trip = try #require(message["trips"]?.arrayValue?.first?.objectValue)
        #expect(trip["control"] == .string("refund_after_redeem") && trip["value"] == .number("70") && trip["limit"] == .null)
        #expect(try await fixture.audit() == [])
    }

    @Test(arguments: StoreBackend.available)
    func importsAreNotScreened(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let member = try await fixture.member("c-1")
        let events = (0..<5).map { _ in
            let event = Self.purchase("600.00")
            return ImportedEvent(member: .id(member.id), event: event) { StoreFixture.payload(event, memberId: $0) }
        }
        let results = try await fixture.store.importEvents(programId: fixture.programId, events: events, now: Self.now)
        #expect(results.allSatisfy { if case .recorded = $0 { true } else { false } })
        #expect(try await fixture.reload(member.id).available == 3000)
        #expect(try await fixture.store.reviews(programId: fixture.programId, status: nil, limit: 50, startingAfter: nil).items.isEmpty)
    }
}
