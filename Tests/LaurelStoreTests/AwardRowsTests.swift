import Foundation
import GRDB
import Logging
import LaurelCore
@testable import LaurelStore
import PostgresNIO
import Testing

/// Award rows are kept only for the rules a limit or a campaign counts, on both backends; a version
/// that limits a rule first fills in the rows of earlier events (`RuleLimitTests` checks the
/// counting), and on PostgreSQL it waits for every transaction that was writing award rows when the
/// rule became kept, so that no event judged by the old version commits after the fill-in read.
struct AwardRowsTests {
    static let program = """
        name: Award rows
        currency: EUR
        earning_rules:
          - id: spend
            event: purchase
            effect: {type: points_per_amount, points: 1, per: 1}
          - id: basket
            event: purchase
            effect: {type: fixed_points, points: 5}
          - id: app
            event: purchase
            effect: {type: fixed_points, points: 3}
            limit: {max_times: 2, period: day}
        """

    @Test(arguments: StoreBackend.available)
    func onlyTheRulesALimitCountsWriteAwardRows(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let member = try await fixture.member("m-1")
        let recorded = try await fixture.record(StoreFixture.purchase(total: "20.00", at: StoreFixture.start), memberId: member.id)
        #expect(recorded.points == 28)
        #expect(try await Self.awardRows(fixture, memberId: member.id) == ["app"])
        // The limited rule's rows still count: the third purchase of the day gets no app points.
        _ = try await fixture.record(StoreFixture.purchase(total: "1.00", at: StoreFixture.at(hours: 1)), memberId: member.id)
        #expect(try await fixture.record(StoreFixture.purchase(total: "1.00", at: StoreFixture.at(hours: 2)), memberId: member.id).points == 6)
        #expect(try await Self.awardRows(fixture, memberId: member.id) == ["app", "app"])
    }

    @Test func aVersionLimitingARuleWaitsForAwardWritesRunningWhenItBecameKept() async throws {
        guard StoreBackend.available.contains(.postgres) else { return }
        let fixture = try await StoreFixture.make(.postgres, program: Self.program)
        let store = try #require(fixture.store as? PostgresStore)
        let member = try await fixture.member("m-1")
        _ = try await fixture.record(StoreFixture.purchase(total: "20.00", at: StoreFixture.start), memberId: member.id)
        let limitingBasket = Self.program.replacingOccurrences(of: "effect: {type: fixed_points, points: 5}",
                                                               with: "effect: {type: fixed_points, points: 5}\n    limit: {max_times: 1, period: day}")
        let definition = try ProgramDefinition.parse(limitingBasket)

        let write = try await AwardWrite.open(on: store)
        let applied = Task { try await fixture.store.applyProgram(id: fixture.programId, definition: definition, source: limitingBasket,
                                                                  now: StoreFixture.at(hours: 1), idempotency: nil) }
        try await Task.sleep(for: .milliseconds(600))
        #expect(try await fixture.store.program(id: fixture.programId)?.currentVersion == 1, "applied while a write from before ran")
        try await write.commit()
        _ = try await applied.value
        #expect(try await fixture.store.program(id: fixture.programId)?.currentVersion == 2)
        // The earlier purchase's basket award was filled in: the limit of one a day is used up.
        #expect(try await Self.awardRows(fixture, memberId: member.id) == ["app", "basket"])
        #expect(try await fixture.record(StoreFixture.purchase(total: "1.00", at: StoreFixture.at(hours: 2)), memberId: member.id).points == 4)
    }

    /// An apply that stopped after the rule entered `kept_award_rules` (a crash, the wait given up)
    /// left it kept but not filled in: the next apply limiting it fills in the rows from before.
    @Test func aRuleKeptButNotFilledInIsFilledInByTheNextApply() async throws {
        guard StoreBackend.available.contains(.postgres) else { return }
        let fixture = try await StoreFixture.make(.postgres, program: Self.program)
        let store = try #require(fixture.store as? PostgresStore)
        let member = try await fixture.member("m-1")
        _ = try await fixture.record(StoreFixture.purchase(total: "20.00", at: StoreFixture.start), memberId: member.id)
        try await store.client.query("INSERT INTO kept_award_rules (program_id, rule_id) VALUES (\(fixture.programId), 'basket')")
        _ = try await fixture.record(StoreFixture.purchase(total: "1.00", at: StoreFixture.at(hours: 1)), memberId: member.id)
        #expect(try await Self.awardRows(fixture, memberId: member.id) == ["app", "app", "basket"])
        try await fixture.apply(Self.program.replacingOccurrences(of: "effect: {type: fixed_points, points: 5}",
                                                                 with: "effect: {type: fixed_points, points: 5}\n    limit: {max_times: 2, period: day}"))
        #expect(try await Self.awardRows(fixture, memberId: member.id) == ["app", "app", "basket", "basket"])
        // Both earlier baskets count: the third purchase of the day gets neither basket nor app points.
        #expect(try await fixture.record(StoreFixture.purchase(total: "1.00", at: StoreFixture.at(hours: 2)), memberId: member.id).points == 1)
    }

    @Test func theWaitGivesUpOnAWriteLeftOpen() async throws {
        guard StoreBackend.available.contains(.postgres) else { return }
        let fixture = try await StoreFixture.make(.postgres, program: Self.program)
        let store = try #require(fixture.store as? PostgresStore)
        let write = try await AwardWrite.open(on: store)
        let started = ContinuousClock.now
        await #expect(throws: StoreError.self) {
            try await store.client.withConnection { connection in
                try await PostgresStore.awaitAwardWritersRunningNow(connection, timeout: .milliseconds(300), Logger(label: "test"))
            }
        }
        #expect(ContinuousClock.now - started >= .milliseconds(300))
        try await write.commit()
    }

    /// A transaction holding `rule_awards` for writing, as an event's write does, until `commit`.
    struct AwardWrite {
        let release: AsyncStream<Void>.Continuation
        let holder: Task<Void, any Error>

        static func open(on store: PostgresStore) async throws -> AwardWrite {
            let opened = AsyncStream<Void>.makeStream(), release = AsyncStream<Void>.makeStream()
            let holder = Task {
                try await store.client.withConnection { connection in
                    try await connection.query("BEGIN", logger: Logger(label: "test"))
                    try await connection.query("LOCK TABLE rule_awards IN ROW EXCLUSIVE MODE", logger: Logger(label: "test"))
                    opened.continuation.yield()
                    for await _ in release.stream { break }
                    try await connection.query("COMMIT", logger: Logger(label: "test"))
                }
            }
            for await _ in opened.stream { break }
            return AwardWrite(release: release.continuation, holder: holder)
        }

        func commit() async throws {
            release.yield()
            try await holder.value
        }
    }

    /// The rule ids of the member's award rows, sorted.
    static func awardRows(_ fixture: StoreFixture, memberId: String) async throws -> [String] {
        if let store = fixture.store as? SQLiteStore {
            return try await store.read { db in
                try String.fetchAll(db, sql: "SELECT rule_id FROM rule_awards WHERE member_id = ? ORDER BY rule_id", arguments: [memberId])
            }
        }
        let store = try #require(fixture.store as? PostgresStore)
        var ids: [String] = []
        for try await id in try await store.client.query("SELECT rule_id FROM rule_awards WHERE member_id = \(memberId) ORDER BY rule_id")
            .decode(String.self) { ids.append(id) }
        return ids
    }
}
