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
}
