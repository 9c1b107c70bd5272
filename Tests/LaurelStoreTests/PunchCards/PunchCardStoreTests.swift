import Foundation
import LaurelCore
import LaurelStore
import Testing

/// Punch cards on both databases: the 10th qualifying purchase completes the card (points through the
/// ledger, a reward, `punch_card.completed`) and it restarts; stamps expire; a return removes its
/// stamp and revokes an unused completion.
struct PunchCardStoreTests {
    static let program = """
        name: Coffee
        currency: EUR
        punch_cards:
          - id: coffee
            name: Every 10th coffee free
            stamps: 10
            products: {categories: [coffee]}
            stamp_expiry_days: 30
            points: 200
            reward: free-coffee
            on_return: revoke
        """

    static func coffee(at date: Date, category: String = "coffee") -> LoyaltyEvent {
        LoyaltyEvent(id: Identifiers.make("evt"), type: LoyaltyEvent.purchaseType, occurredAt: date,
                     purchase: Purchase(currency: "EUR", lines: [PurchaseLine(sku: "ESP", category: category, unitPrice: Amount("2.50")!)]))
    }

    static func card(_ fixture: StoreFixture, _ member: MemberRecord, now: Date) async throws -> PunchCardStatus {
        let program = try #require(try await fixture.store.programVersion(programId: fixture.programId, version: nil)).definition
        return try #require(try await fixture.store.punchCards(programId: fixture.programId, memberId: member.id, cards: program.punchCards, now: now).first)
    }

    static func make(_ backend: StoreBackend) async throws -> StoreFixture {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        _ = try await RedemptionStoreTests.reward(#"{"id": "free-coffee", "name": "Free coffee", "type": "free_product", "sku": "ESP", "cost": 1}"#,
                                                  fixture: fixture)
        return fixture
    }

    @Test(arguments: StoreBackend.available)
    func theTenthPurchaseCompletesTheCardWhichRestarts(backend: StoreBackend) async throws {
        let fixture = try await Self.make(backend)
        let member = try await fixture.member("c-1")
        for day in 0..<9 { try await fixture.record(Self.coffee(at: StoreFixture.at(days: Double(day))), memberId: member.id) }
        // Not coffee: no stamp.
        try await fixture.record(Self.coffee(at: StoreFixture.at(days: 9), category: "cake"), memberId: member.id)
        var card = try await Self.card(fixture, member, now: StoreFixture.at(days: 9))
        #expect(card.stamps == 9 && card.remaining == 1 && card.completions == 0)
        #expect(try await fixture.reload(member.id).available == 0)

        try await fixture.record(Self.coffee(at: StoreFixture.at(days: 10)), memberId: member.id)
        card = try await Self.card(fixture, member, now: StoreFixture.at(days: 10))
        #expect(card.stamps == 0 && card.remaining == 10 && card.completions == 1 && card.lastCompletedAt == StoreFixture.at(days: 10))
        #expect(try await fixture.reload(member.id).available == 200)
        let redemptions = try await fixture.store.redemptions(programId: fixture.programId, memberId: member.id, limit: 10, startingAfter: nil,
                                                              now: StoreFixture.at(days: 10)).items
        #expect(redemptions.map(\.rewardId) == ["free-coffee"] && redemptions[0].status == .issued && redemptions[0].points == 0)
        let messages = try await fixture.store.outbox(programId: fixture.programId, limit: 500, startingAfter: nil).items
            .filter { $0.type == MessageType.punchCardCompleted }
        #expect(messages.count == 1 && messages[0].payload.contains("\"card_id\":\"coffee\"") && messages[0].payload.contains("\"points\":200"))
        let reasons = try await fixture.entries(member.id).compactMap(\.reason)
        #expect(reasons.contains { $0.hasPrefix("punch card Every 10th coffee free completed by purchase") })

        try await fixture.record(Self.coffee(at: StoreFixture.at(days: 11)), memberId: member.id)
        card = try await Self.card(fixture, member, now: StoreFixture.at(days: 11))
        #expect(card.stamps == 1 && card.completions == 1)
        #expect(try await fixture.audit() == [])
    }

    /// An import stamps and completes like the API (on SQLite such a program imports event by event).
    @Test(arguments: StoreBackend.available)
    func importedPurchasesStampAndCompleteTheCard(backend: StoreBackend) async throws {
        let fixture = try await Self.make(backend)
        let member = try await fixture.member("c-1")
        let events = (0..<10).map { day in
            let event = Self.coffee(at: StoreFixture.at(days: Double(day)))
            return ImportedEvent(member: .id(member.id), event: event) { StoreFixture.payload(event, memberId: $0) }
        }
        let now = StoreFixture.at(days: 10)
        let results = try await fixture.store.importEvents(programId: fixture.programId, events: events, now: now)
        #expect(results.allSatisfy { if case .recorded = $0 { true } else { false } })
        let card = try await Self.card(fixture, member, now: now)
        #expect(card.stamps == 0 && card.completions == 1)
        #expect(try await fixture.reload(member.id).available == 200)
        let redemptions = try await fixture.store.redemptions(programId: fixture.programId, memberId: member.id, limit: 10, startingAfter: nil,
                                                              now: now).items
        #expect(redemptions.map(\.rewardId) == ["free-coffee"])
    }

    @Test(arguments: StoreBackend.available)
    func stampsExpireAsTheClockMoves(backend: StoreBackend) async throws {
        let fixture = try await Self.make(backend)
        let member = try await fixture.member("c-1")
        for hour in 0..<9 { try await fixture.record(Self.coffee(at: StoreFixture.at(hours: Double(hour))), memberId: member.id) }
        #expect(try await Self.card(fixture, member, now: StoreFixture.at(days: 29)).stamps == 9)
        // 30 days on, the nine have expired: the next purchase starts a new card instead of completing this one.
        let later = StoreFixture.at(days: 30, hours: 9)
        let card = try await Self.card(fixture, member, now: later)
        #expect(card.stamps == 0)
        try await fixture.record(Self.coffee(at: later), memberId: member.id)
        #expect(try await Self.card(fixture, member, now: later).stamps == 1)
        #expect(try await fixture.reload(member.id).available == 0)
    }

    @Test(arguments: StoreBackend.available)
    func aReturnRemovesItsStampAndRevokesAnUnusedCompletion(backend: StoreBackend) async throws {
        let fixture = try await Self.make(backend)
        let member = try await fixture.member("c-1")
        var purchases: [EventRecord] = []
        for day in 0..<10 { purchases.append(try await fixture.record(Self.coffee(at: StoreFixture.at(days: Double(day))), memberId: member.id)) }
        #expect(try await fixture.reload(member.id).available == 200)

        // Returning the 4th coffee: its completion is revoked (200 points and the free coffee back), the other nine return to the card.
        try await fixture.record(StoreFixture.returnOf(purchases[3].id, amount: "2.50", at: StoreFixture.at(days: 11)), memberId: member.id)
        var card = try await Self.card(fixture, member, now: StoreFixture.at(days: 11))
        #expect(card.stamps == 9 && card.completions == 0)
        #expect(try await fixture.reload(member.id).available == 0)
        let redemption = try #require(try await fixture.store.redemptions(programId: fixture.programId, memberId: member.id, limit: 10,
                                                                          startingAfter: nil, now: StoreFixture.at(days: 11)).items.first)
        #expect(redemption.status == .cancelled)
        #expect(try await fixture.audit() == [])
        #expect(try await fixture.balancesFromEntries(member.id) == (0, 0))

        // The next coffee completes the card again; then a return of one of its purchases, with an open stamp to
        // take its place, keeps the completion.
        let tenth = try await fixture.record(Self.coffee(at: StoreFixture.at(days: 12)), memberId: member.id)
        try await fixture.record(Self.coffee(at: StoreFixture.at(days: 13)), memberId: member.id)
        card = try await Self.card(fixture, member, now: StoreFixture.at(days: 13))
        #expect(card.stamps == 1 && card.completions == 1)
        try await fixture.record(StoreFixture.returnOf(tenth.id, amount: "2.50", at: StoreFixture.at(days: 14)), memberId: member.id)
        card = try await Self.card(fixture, member, now: StoreFixture.at(days: 14))
        #expect(card.stamps == 0 && card.completions == 1)
        #expect(try await fixture.reload(member.id).available == 200)

        // A return of a purchase whose stamp is still open only removes that stamp.
        let open = try await fixture.record(Self.coffee(at: StoreFixture.at(days: 15)), memberId: member.id)
        try await fixture.record(Self.coffee(at: StoreFixture.at(days: 15, hours: 1)), memberId: member.id)
        try await fixture.record(StoreFixture.returnOf(open.id, amount: "2.50", at: StoreFixture.at(days: 16)), memberId: member.id)
        #expect(try await Self.card(fixture, member, now: StoreFixture.at(days: 16)).stamps == 1)
        #expect(try await fixture.audit() == [])
    }
}
