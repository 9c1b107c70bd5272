import Foundation
import GRDB
import LaurelCore
@testable import LaurelStore
import LaurelTestSupport
import Testing

/// What the writer keeps of a member between events (`JudgingState`) stays as small as the windows
/// it serves: awards and contributions from before every window a later event can look at are
/// dropped, and what is dropped is what the state no longer claims to hold, so a late event reads
/// it again. That the answers stay the same is `JudgingCacheTests`' part.
struct JudgingStateTests {
    private static func state(awards: [Int64], from: Int64, contributions: [Int64], contributionsFrom: Int64) -> JudgingState {
        var state = JudgingState(lots: [])
        state.awards = awards.map { JudgingState.Award(ruleId: "r", at: $0, points: 1) }
        state.awardsFrom = from
        state.contributions = contributions.map { ($0, TierContribution(points: 1, amount: .zero, purchases: 1)) }
        state.contributionsFrom = contributionsFrom
        return state
    }

    @Test func forgettingKeepsEverythingFromTheCut() {
        var state = Self.state(awards: [5, 10, 20, 30], from: 5, contributions: [7, 15, 40], contributionsFrom: 0)
        state.forget(awardsBefore: 20, contributionsBefore: 15)
        #expect(state.awards.map(\.at) == [20, 30] && state.awardsFrom == 20)
        #expect(state.contributions.map(\.at) == [15, 40] && state.contributionsFrom == 15)
    }

    /// Before `awardsFrom` the state may hold only some awards: a cut there would claim the missing ones.
    @Test func aCutBeforeWhatIsHeldWholeChangesNothing() {
        var state = Self.state(awards: [5, 10, 20], from: 10, contributions: [7], contributionsFrom: .max)
        state.forget(awardsBefore: 8, contributionsBefore: 100)
        #expect(state.awards.map(\.at) == [5, 10, 20] && state.awardsFrom == 10)
        #expect(state.contributions.map(\.at) == [7] && state.contributionsFrom == .max)
        state.forget(awardsBefore: nil, contributionsBefore: nil)
        #expect(state.awards.count == 3 && state.contributions.count == 1)
    }

    /// A member with a limited event every day for 150 days: the writer's cached state holds at most
    /// `awardsHeldUncut` awards and the tier window's contributions, not the whole history.
    /// A SQLite store on a file of its own (the writer's cache is on) with `ImportEquivalenceTests`'
    /// program: reviews limited to two a day, tiers over a rolling month.
    private static func store(_ path: String) async throws -> (SQLiteStore, StoreFixture) {
        let store = try SQLiteStore(path: path)
        try await store.migrate()
        _ = try await store.createProgram(id: "prg_test", name: "Judging state", now: StoreFixture.start)
        let fixture = StoreFixture(store: store, programId: "prg_test")
        try await fixture.apply(ImportEquivalenceTests.program)
        return (store, fixture)
    }

    private static func path() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("laurel-judging-state-\(UUID().uuidString).db").path
    }

    /// The day a late review falls in was forgotten by the cache once awards piled up: the limit
    /// still counts that day's two reviews (read again from the table) and gives nothing more.
    @Test func aLateEventCountsTheAwardsTheCacheForgot() async throws {
        let path = Self.path()
        defer { StoreFixture.removeFile(path) }
        let (_, fixture) = try await Self.store(path)
        let member = try await fixture.member("c-1")
        let dayTwo = StoreFixture.at(days: 2)
        for index in 0..<2 {
            let at = dayTwo.addingTimeInterval(Double(index) * 60)
            #expect(try await fixture.record(StoreFixture.named("review", at: at, id: "evt_review_\(index)"), memberId: member.id, now: at).points == 15)
        }
        let days = JudgingState.awardsHeldUncut + 5
        for day in 3..<(3 + days) {
            let at = StoreFixture.at(days: Double(day))
            #expect(try await fixture.record(StoreFixture.named("review", at: at, id: "evt_review_day_\(day)"), memberId: member.id, now: at).points == 15)
        }
        let late = dayTwo.addingTimeInterval(3_600), now = StoreFixture.at(days: Double(3 + days))
        let lateReview = try await fixture.record(StoreFixture.named("review", at: late, id: "evt_review_late"), memberId: member.id, now: now)
        #expect(lateReview.points == 0, "the day's limit of two reviews was already reached")
    }

    @Test func theCachedStateOfABusyMemberStaysBounded() async throws {
        let path = Self.path()
        defer { StoreFixture.removeFile(path) }
        let (store, fixture) = try await Self.store(path)
        let member = try await fixture.member("c-1")
        let days = 150
        for day in 0..<days {
            let at = StoreFixture.at(days: Double(day))
            _ = try await fixture.record(StoreFixture.named("review", at: at, id: "evt_review_\(day)"), memberId: member.id, now: at)
            _ = try await fixture.record(StoreFixture.purchase(total: "30", at: at.addingTimeInterval(60), id: "evt_purchase_\(day)"),
                                         memberId: member.id, now: at.addingTimeInterval(60))
        }
        let (revision, version) = try await store.writer.read { db in
            (try Int64.fetchOne(db, sql: "SELECT revision FROM members WHERE id = ?", arguments: [member.id])!,
             try Int.fetchOne(db, sql: "SELECT current_version FROM programs WHERE id = ?", arguments: [fixture.programId])!)
        }
        let state = try #require(store.judging.take(memberId: member.id, revision: revision, version: version))
        let awardsInDatabase = try await store.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM rule_awards WHERE member_id = ?", arguments: [member.id])!
        }
        #expect(awardsInDatabase >= days, "every review earned a limited award")
        #expect(state.awards.count <= JudgingState.awardsHeldUncut + 1, "held \(state.awards.count) awards of \(awardsInDatabase)")
        // The tier window is a rolling month: two contributions a day (the review's and the purchase's) for about 31 days.
        let contributionsInDatabase = try await store.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tier_contributions WHERE member_id = ?", arguments: [member.id])!
        }
        #expect(contributionsInDatabase >= days * 2)
        #expect(state.contributions.count <= 64, "held \(state.contributions.count) contributions of \(contributionsInDatabase)")
        #expect(state.contributionsFrom >= StoreFixture.at(days: Double(days - 33)).millis)
    }
}
