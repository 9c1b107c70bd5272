import Foundation
import LaurelCore
import LaurelStore
import Testing

/// Rule limits count the awards the store kept, per member and period.
struct RuleLimitTests {
    @Test(arguments: StoreBackend.available)
    func maxTimesPerDayHoldsAndResetsTheNextDay(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let member = try await fixture.member("c-1")
        let other = try await fixture.member("c-2")
        var points: [Int] = []
        for hour in [1.0, 3, 5, 8] {
            points.append(try await fixture.record(StoreFixture.named("review", at: StoreFixture.at(hours: hour)), memberId: member.id).points)
        }
        #expect(points == [10, 10, 0, 0])
        // Another member has their own count.
        #expect(try await fixture.record(StoreFixture.named("review", at: StoreFixture.at(hours: 9)), memberId: other.id).points == 10)
        // The next day (UTC, the program's time zone) starts afresh, then is limited again.
        var nextDay: [Int] = []
        for hour in [14.5, 15, 16] { // 00:30, 01:00, 02:00 the next day
            nextDay.append(try await fixture.record(StoreFixture.named("review", at: StoreFixture.at(hours: hour)), memberId: member.id).points)
        }
        #expect(nextDay == [10, 10, 0])
        #expect(try await fixture.reload(member.id).available == 40)
        #expect(try await fixture.audit() == [])
    }

    @Test(arguments: StoreBackend.available)
    func limitIsCountedByWhenEventsHappenedNotWhenRecorded(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend)
        let member = try await fixture.member("c-1")
        // Two reviews of day 0 reported on day 2, then one more of day 0: still limited.
        let reportedAt = StoreFixture.at(days: 2)
        var points: [Int] = []
        for hour in [1.0, 2, 3] {
            points.append(try await fixture.record(StoreFixture.named("review", at: StoreFixture.at(hours: hour)), memberId: member.id, now: reportedAt).points)
        }
        #expect(points == [10, 10, 0])
        #expect(try await fixture.record(StoreFixture.named("review", at: reportedAt), memberId: member.id).points == 10)
        #expect(try await fixture.audit() == [])
    }

    /// A limit counts its rule's awards under earlier versions too, including those that had no
    /// limit (SQLite writes the rows a limit counts only for limited rules, and fills in the
    /// earlier ones when a version first limits a rule: `backfillAwards`).
    @Test(arguments: StoreBackend.available)
    func aLimitAddedLaterCountsTheAwardsMadeBeforeIt(backend: StoreBackend) async throws {
        let unlimited = """
            name: Limits over versions
            currency: EUR
            earning_rules:
              - id: spend
                event: purchase
                effect: {type: points_per_amount, points: 1, per: 1}
              - id: review
                event: review
                effect: {type: fixed_points, points: 10}
            """
        func limited(_ times: Int) -> String { unlimited + "\n    limit: {max_times: \(times), period: day}\n" }
        let fixture = try await StoreFixture.make(backend, program: unlimited)
        let member = try await fixture.member("c-1")
        let other = try await fixture.member("c-2")
        func review(_ hour: Double, _ memberId: String) async throws -> Int {
            try await fixture.record(StoreFixture.named("review", at: StoreFixture.at(hours: hour)), memberId: memberId).points
        }
        // Version 1, no limit: two reviews the same day, one the day before, one by another member.
        var points = [try await review(-20, member.id), try await review(1, member.id), try await review(2, member.id), try await review(2, other.id)]
        try await fixture.apply(limited(2))
        points.append(try await review(3, member.id)) // two already today: limited
        points.append(try await review(3, other.id))
        #expect(points == [10, 10, 10, 10, 0, 10])
        try await fixture.apply(unlimited)
        points = [try await review(4, member.id)] // no limit: the third award today
        try await fixture.apply(limited(4))
        // Version 4 counts 3 awards today (two of version 1, one of version 3; the limited 0 is no award).
        points += [try await review(5, member.id), try await review(6, member.id)]
        #expect(points == [10, 10, 0])
        try await fixture.apply(limited(5)) // every earlier award already counted: none counted twice
        points = [try await review(7, member.id), try await review(8, member.id)]
        #expect(points == [10, 0])
        #expect(try await fixture.audit() == [])
    }

    /// Several limited rules on one event are counted separately (the store reads all their usage at once).
    @Test(arguments: StoreBackend.available)
    func eachLimitedRuleOfAnEventCountsItsOwnAwards(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: """
            name: Two limits
            currency: EUR
            earning_rules:
              - id: once
                event: purchase
                effect: {type: fixed_points, points: 100}
                limit: {max_times: 1, period: day}
              - id: thrice
                event: purchase
                effect: {type: fixed_points, points: 10}
                limit: {max_times: 3, period: day}
              - id: capped
                event: purchase
                effect: {type: fixed_points, points: 1}
                limit: {max_points: 2, period: day}
            """)
        let member = try await fixture.member("c-1")
        var points: [Int] = []
        for hour in [1.0, 2, 3, 4, 5] {
            points.append(try await fixture.record(StoreFixture.purchase(total: "5", at: StoreFixture.at(hours: hour)), memberId: member.id).points)
        }
        #expect(points == [111, 11, 10, 0, 0])
        #expect(try await fixture.audit() == [])
    }
}
