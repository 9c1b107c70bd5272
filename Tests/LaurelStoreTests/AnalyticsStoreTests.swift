import Foundation
import LaurelCore
import LaurelStore
import Testing

/// The dashboard's figures on a small known history, on both databases: per-day ledger movements
/// by kind, balances, members, tiers, redemptions and purchases, each checked against a number
/// worked out by hand and against what the ledger, member and tier-history reads say.
struct AnalyticsStoreTests {
    static let program = TierAndClubStoreTests.tiers

    /// Ana (60 + 60 with a return of 10; gold with its 25 bonus), Ben (30, +40 −10 by staff, a
    /// redemption cancelled), Cem (enrolled 40 days before the range, no events); a mug redeemed by
    /// Ana, a tote nobody redeems.
    static func history(_ backend: StoreBackend) async throws -> (StoreFixture, [String: String]) {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let store = fixture.store, program = fixture.programId
        let cem = try await fixture.member("cem", now: StoreFixture.at(days: -40))
        let ana = try await fixture.member("ana")
        let ben = try await fixture.member("ben", now: StoreFixture.at(days: 1))
        let definition = try #require(try await store.programVersion(programId: program, version: nil)).definition
        for json in [#"{"id": "mug", "name": "Mug", "type": "experience", "cost": 20}"#, #"{"id": "tote", "name": "Tote", "type": "experience", "cost": 500}"#] {
            _ = try await store.putReward(programId: program, reward: try Reward.read(try ProgramSourceParser.parse(json), program: definition), now: StoreFixture.start)
        }
        let first = try await fixture.record(StoreFixture.purchase(total: "60", at: StoreFixture.at()), memberId: ana.id)
        try await fixture.record(StoreFixture.purchase(total: "30", at: StoreFixture.at(days: 1)), memberId: ben.id)
        _ = try await store.adjust(programId: program, memberId: ben.id, id: "adj_1", points: 40, reason: "welcome", actor: "staff",
                                   now: StoreFixture.at(days: 2), idempotency: nil)
        _ = try await store.adjust(programId: program, memberId: ben.id, id: "adj_2", points: -10, reason: "typo", actor: "staff",
                                   now: StoreFixture.at(days: 2, hours: 1), idempotency: nil)
        _ = try await store.redeem(programId: program, id: "red_1", memberId: ana.id, rewardId: "mug", points: nil, now: StoreFixture.at(days: 3),
                                   idempotency: nil)
        _ = try await store.redeem(programId: program, id: "red_2", memberId: ben.id, rewardId: "mug", points: nil, now: StoreFixture.at(days: 3),
                                   idempotency: nil)
        _ = try await store.cancelRedemption(programId: program, id: "red_2", now: StoreFixture.at(days: 3, hours: 2), idempotency: nil)
        try await fixture.record(StoreFixture.returnOf(first.id, amount: "10", at: StoreFixture.at(days: 4)), memberId: ana.id)
        try await fixture.record(StoreFixture.purchase(total: "60", at: StoreFixture.at(days: 10)), memberId: ana.id)
        return (fixture, ["ana": ana.id, "ben": ben.id, "cem": cem.id])
    }

    static func period(_ from: String, _ to: String, now: Date = StoreFixture.at(days: 30)) throws -> AnalyticsPeriod {
        try AnalyticsPeriod(from: from, to: to, timeZone: TimeZone(identifier: "UTC")!, now: now)
    }

    @Test(arguments: StoreBackend.available)
    func figuresOfAKnownHistory(backend: StoreBackend) async throws {
        let (fixture, members) = try await Self.history(backend)
        let period = try Self.period("2026-03-01", "2026-03-31")
        let figures = try await fixture.store.analytics(programId: fixture.programId, period: period, sections: Set(AnalyticsSection.allCases))

        #expect(figures.members == MemberFigures(total: 3, new: 2, active: 2))

        let points = try #require(figures.points)
        let byDay = Dictionary(uniqueKeysWithValues: points.days.map { (AnalyticsPeriod.label($0.day), $0) })
        #expect(byDay.keys.sorted() == ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06", "2026-03-12"])
        #expect(byDay["2026-03-02"]?.earned == 60 && byDay["2026-03-03"]?.earned == 30)
        #expect(byDay["2026-03-04"].map { [$0.credited, $0.debited, $0.issued] } == [40, 10, 40] as [Int])
        #expect(byDay["2026-03-05"].map { [$0.spent, $0.restored] } == [40, 20] as [Int])
        #expect(byDay["2026-03-06"]?.reversed == 10)
        #expect(byDay["2026-03-12"]?.earned == 85, "60 for the purchase and 25 for reaching gold")
        #expect(points.days.reduce(0) { $0 + $1.expired } == 0)
        #expect([points.available, points.pending, points.debt] == [175, 0, 0] as [Int], "Ana 60 − 20 − 10 + 85, Ben 30 + 40 − 10 − 20 + 20")

        // The same movements, counted from each member's own ledger.
        var fromLedger: [LedgerEntryKind: Int] = [:]
        for id in members.values { for record in try await fixture.entries(id, pageSize: 50) { fromLedger[record.entry.kind, default: 0] += record.entry.points } }
        #expect(fromLedger[.earn] == points.days.reduce(0) { $0 + $1.earned })
        #expect(fromLedger[.spend] == points.days.reduce(0) { $0 + $1.spent })
        #expect(fromLedger[.restore] == points.days.reduce(0) { $0 + $1.restored })
        #expect(fromLedger[.reverse] == points.days.reduce(0) { $0 + $1.reversed })
        #expect(fromLedger[.adjust] == points.days.reduce(0) { $0 + $1.credited + $1.debited })

        let tiers = try #require(figures.tiers)
        var expectedTiers: [String?: Int] = [:]
        var expectedMoves: [String: Int] = [:]
        for id in members.values {
            expectedTiers[try await fixture.reload(id).tier.tierId, default: 0] += 1
            for change in try await fixture.store.tierChanges(programId: fixture.programId, memberId: id, limit: 100, startingAfter: nil).items {
                expectedMoves["\(change.from ?? "-")>\(change.to ?? "-")", default: 0] += 1
            }
        }
        #expect(tiers.members == expectedTiers)
        #expect(tiers.members["gold"] == 1)
        #expect(Dictionary(uniqueKeysWithValues: tiers.moves.map { ("\($0.from ?? "-")>\($0.to ?? "-")", $0.count) }) == expectedMoves)
        #expect(expectedMoves.keys.contains { $0.hasSuffix(">gold") })

        #expect(figures.rewards == [RewardFigure(rewardId: "mug", redemptions: 1, points: 20)], "the cancelled redemption does not count")
        #expect(figures.purchases == PurchaseFigures(purchases: 3, buyers: 2, repeatBuyers: 1))
    }

    @Test(arguments: StoreBackend.available)
    func aRangeCountsOnlyWhatHappenedWithinIt(backend: StoreBackend) async throws {
        let (fixture, _) = try await Self.history(backend)
        let one = try await fixture.store.analytics(programId: fixture.programId, period: try Self.period("2026-03-03", "2026-03-03"),
                                                    sections: [.points, .members, .purchases, .rewards])
        #expect(one.points?.days.map { "\(AnalyticsPeriod.label($0.day)) \($0.earned) \($0.issued)" } == ["2026-03-03 30 30"])
        #expect(one.points?.available == 175, "balances are now's, whatever the range")
        #expect(one.members == MemberFigures(total: 3, new: 1, active: 2), "Ben enrolled that day; active: 30 days before its end")
        #expect(one.purchases == PurchaseFigures(purchases: 1, buyers: 1, repeatBuyers: 0))
        #expect(one.rewards == [])
        #expect(one.tiers == nil, "a section not asked for is not read")

        let later = try await fixture.store.analytics(programId: fixture.programId, period: try Self.period("2026-05-01", "2026-05-31", now: StoreFixture.at(days: 90)),
                                                      sections: Set(AnalyticsSection.allCases))
        #expect(later.points?.days == [])
        #expect(later.members == MemberFigures(total: 3, new: 0, active: 0))
        #expect(later.purchases == PurchaseFigures(purchases: 0, buyers: 0, repeatBuyers: 0))
        #expect(later.tiers?.moves == [])
    }

    /// Days are the program's: a purchase at 21:30 UTC on 2 March is on 3 March in Istanbul (UTC+3),
    /// one at 20:59 UTC still on 2 March.
    @Test(arguments: StoreBackend.available)
    func daysAreLocalToTheProgramsTimeZone(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: StoreFixture.basicProgram + "\ntimezone: Europe/Istanbul\n")
        let ana = try await fixture.member("ana")
        try await fixture.record(StoreFixture.purchase(total: "7", at: Timestamps.parse("2026-03-02T20:59:00Z")!), memberId: ana.id)
        try await fixture.record(StoreFixture.purchase(total: "5", at: Timestamps.parse("2026-03-02T21:30:00Z")!), memberId: ana.id)
        let period = try AnalyticsPeriod(from: "2026-03-01", to: "2026-03-05", timeZone: TimeZone(identifier: "Europe/Istanbul")!,
                                         now: StoreFixture.at(days: 10))
        let figures = try await fixture.store.analytics(programId: fixture.programId, period: period, sections: [.points])
        #expect(figures.points?.days.map { "\(AnalyticsPeriod.label($0.day)) \($0.earned)" } == ["2026-03-02 7", "2026-03-03 5"])
    }
}
