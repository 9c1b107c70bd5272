import Foundation
import LaurelCore
import LaurelStore
import Testing

/// An import replays the scheduled tier reviews that fell due between a member's events, at the
/// times they fell due, as the job would have: a member whose spending left the tier's window is
/// lowered then, and their next purchase earns at the lower tier.
struct ImportTierReviewTests {
    static let program = """
        name: Tier reviews
        currency: EUR
        earning_rules:
          - id: spend
            event: purchase
            effect: {type: points_per_amount, points: 1, per: 1}
        tiers:
          basis: amount_spent
          window: {rolling_months: 1}
          downgrade: {policy: automatic}
          levels:
            - {id: bronze, threshold: 0}
            - {id: gold, threshold: 500, benefits: {earning_multiplier: 2}}
        """

    @Test(arguments: StoreBackend.available)
    func aReviewDueBetweenTwoImportedPurchasesLowersTheTierBeforeTheSecond(backend: StoreBackend) async throws {
        let imported = try await StoreFixture.make(backend, program: Self.program)
        let sent = try await StoreFixture.make(backend, program: Self.program)
        let first = StoreFixture.purchase(total: "600", at: StoreFixture.at(days: -90))
        let second = StoreFixture.purchase(total: "100", at: StoreFixture.at(days: -30))
        let ana = try await imported.member("ana", now: StoreFixture.at(days: -100))
        let results = try await imported.store.importEvents(programId: imported.programId, events: [first, second].map { event in
            ImportedEvent(member: .externalId("ana"), event: event) { StoreFixture.payload(event, memberId: $0) }
        }, now: StoreFixture.at())
        #expect(results.last == .recorded(eventId: second.id, points: 100), "the second purchase earns at bronze: \(results)")

        let history = try await imported.store.tierChanges(programId: imported.programId, memberId: ana.id, limit: 10, startingAfter: nil).items
        #expect(history.contains { $0.to == "gold" && $0.sourceId == first.id }, "\(history)")
        #expect(history.first?.from == "gold" && history.first?.to == "bronze", "the latest change is the review: \(history)")
        let review = try #require(history.first { $0.from == "gold" && $0.to == "bronze" })
        // Lowered when the first purchase left the rolling month, not at the second purchase.
        #expect(review.createdAt > first.occurredAt.addingTimeInterval(27 * 86_400) && review.createdAt < first.occurredAt.addingTimeInterval(33 * 86_400),
                "\(review)")
        #expect(review.sourceId == "tier_review_\(Int64((review.createdAt.timeIntervalSince1970 * 1000).rounded()))")

        // The same history live: the events sent one by one, the job run when the review fell due.
        let bob = try await sent.member("ana", now: StoreFixture.at(days: -100))
        try await sent.record(first, memberId: bob.id, now: first.occurredAt)
        #expect(try await sent.store.reviewTiers(now: review.createdAt, batchSize: 10) == 1)
        let live = try await sent.record(second, memberId: bob.id, now: second.occurredAt)
        #expect(live.points == 100)
        let liveHistory = try await sent.store.tierChanges(programId: sent.programId, memberId: bob.id, limit: 10, startingAfter: nil).items
        #expect(liveHistory.map { [$0.from, $0.to, $0.sourceId == review.sourceId ? "review" : nil] }
                == history.map { [$0.from, $0.to, $0.sourceId == review.sourceId ? "review" : nil] })
        #expect(liveHistory.map(\.createdAt) == history.map(\.createdAt))
        let (importedAna, liveAna) = (try await imported.reload(ana.id), try await sent.reload(bob.id))
        #expect(importedAna.available + importedAna.pending == liveAna.available + liveAna.pending && importedAna.tier == liveAna.tier)
        #expect(try await imported.audit().isEmpty)

        // Imported without the reviews (as a backtest imports, running the jobs itself), the member
        // is still gold when the second purchase comes: it earns double, and lowers the tier itself.
        let unreviewed = try await StoreFixture.make(backend, program: Self.program)
        let carl = try await unreviewed.member("ana", now: StoreFixture.at(days: -100))
        let unreviewedResults = try await unreviewed.store.importEvents(programId: unreviewed.programId, events: [first, second].map { event in
            ImportedEvent(member: .externalId("ana"), event: event) { StoreFixture.payload(event, memberId: $0) }
        }, now: StoreFixture.at(), reviewingTiers: false)
        #expect(unreviewedResults.last == .recorded(eventId: second.id, points: 200), "\(unreviewedResults)")
        let lowered = try await unreviewed.store.tierChanges(programId: unreviewed.programId, memberId: carl.id, limit: 10, startingAfter: nil).items.first
        #expect(lowered?.from == "gold" && lowered?.sourceId == second.id, "\(String(describing: lowered))")
    }

}
