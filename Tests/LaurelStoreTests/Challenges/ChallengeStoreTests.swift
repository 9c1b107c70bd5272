import Foundation
import LaurelCore
import LaurelStore
import Testing

/// Challenges as each backend records them: progress written in the event's transaction, points
/// through the ledger, badges kept once, the messages in the outbox, and the opt-in join.
struct ChallengeStoreTests {
    static let program = """
        name: Challenge store tests
        currency: EUR
        timezone: Europe/Istanbul
        earning_rules:
          - id: review
            event: review
            effect: {type: fixed_points, points: 10}
        badges:
          - {id: critic, name: Critic, image_url: "https://cdn.example.com/critic.png"}
          - {id: regular, name: Regular, image_url: "https://cdn.example.com/regular.png"}
        challenges:
          - {id: critic, name: Two reviews, event: review, measure: count, target: 2, points: 100, reward: mug, badge: critic}
          - {id: monthly, name: Monthly reviews, event: review, measure: count, target: 2, repeat: monthly, points: 5}
          - {id: regular, name: Weekly check-ins, event: check_in, measure: streak, period: weekly, grace: 1, target: 3, points: 50, badge: regular}
          - {id: walk, name: Walk, event: steps, measure: sum, attribute: steps, target: 1000, opt_in: true, points: 20}
        """

    static func make(_ backend: StoreBackend) async throws -> StoreFixture {
        let fixture = try await StoreFixture.make(backend, program: program)
        let definition = try #require(try await fixture.store.programVersion(programId: fixture.programId, version: nil)).definition
        let mug = #"{"id": "mug", "name": "Mug", "type": "experience", "cost": 20}"#
        _ = try await fixture.store.putReward(programId: fixture.programId, reward: try Reward.read(try ProgramSourceParser.parse(mug), program: definition),
                                              now: StoreFixture.start)
        return fixture
    }

    static func messages(_ fixture: StoreFixture, _ type: String) async throws -> [OutboxMessage] {
        try await fixture.store.outbox(programId: fixture.programId, limit: 500, startingAfter: nil).items.filter { $0.type == type }
    }

    @Test(arguments: StoreBackend.available)
    func oneOffChallengeCompletesOnceEvenWhenTheEventIsRetried(_ backend: StoreBackend) async throws {
        let fixture = try await Self.make(backend)
        let ana = try await fixture.member("ana")
        _ = try await fixture.send(StoreFixture.named("review", at: StoreFixture.at(days: 1)), memberId: ana.id)
        let second = StoreFixture.named("review", at: StoreFixture.at(days: 2))
        let key: Idempotency<EventRecord> = idempotency("review-2")
        let first = try #require(try await fixture.send(second, memberId: ana.id, idempotency: key).value)
        // 10 for the review, 100 for completing `critic`, 5 for the monthly challenge.
        #expect(first.points == 115)
        #expect(first.outcome.rules.map(\.ruleId) == ["review", "challenge:critic", "challenge:monthly"])
        #expect(first.outcome.gifts?.map(\.status) == ["issued"])
        let retried = try await fixture.send(second, memberId: ana.id, idempotency: key)
        #expect(retried.value == nil)
        _ = try await fixture.send(StoreFixture.named("review", at: StoreFixture.at(days: 3)), memberId: ana.id)

        #expect(try await fixture.reload(ana.id).available == 10 + 115 + 10)
        let completed = try await Self.messages(fixture, MessageType.challengeCompleted)
        #expect(completed.count == 2)
        let critic = try #require(completed.first { $0.payload.contains(#""challenge_id":"critic""#) })
        let redemptionId = try #require(first.outcome.gifts?.first?.redemptionId)
        #expect(critic.payload.contains(#""redemption_id":"\#(redemptionId)""#) && critic.payload.contains(#""reward_status":"issued""#))
        let monthly = try #require(completed.first { $0.payload.contains(#""challenge_id":"monthly""#) })
        #expect(monthly.payload.contains(#""redemption_id":null"#) && monthly.payload.contains(#""reward_status":null"#))
        let badges = try await Self.messages(fixture, MessageType.badgeAwarded)
        #expect(badges.count == 1 && badges.first?.payload.contains(#""badge_id":"critic""#) == true)
        #expect(try await fixture.store.memberBadges(programId: fixture.programId, memberId: ana.id).map(\.badgeId) == ["critic"])
        let progress = try await fixture.store.challengeProgress(programId: fixture.programId, memberId: ana.id)
        #expect(progress["critic"]?.completions == 1 && progress["critic"]?.progress == 2)
        #expect(try await fixture.audit().isEmpty)
    }

    /// `laurel import` records a program with challenges event by event (`SQLiteImportBatch.judgesInMemory`
    /// is false for it), so imported events complete challenges and award badges as the API's do.
    @Test(arguments: StoreBackend.available)
    func importedEventsCompleteChallengesAndAwardBadges(_ backend: StoreBackend) async throws {
        let fixture = try await Self.make(backend)
        let ana = try await fixture.member("ana")
        let events = [StoreFixture.named("review", at: StoreFixture.at(days: 1)), StoreFixture.named("review", at: StoreFixture.at(days: 2))].map { event in
            ImportedEvent(member: .externalId("ana"), event: event) { StoreFixture.payload(event, memberId: $0) }
        }
        let results = try await fixture.store.importEvents(programId: fixture.programId, events: events, now: StoreFixture.at(days: 3))
        #expect(results.map { if case .recorded(_, let points) = $0 { points } else { -1 } } == [10, 115])
        #expect(try await fixture.reload(ana.id).available == 125)
        let progress = try await fixture.store.challengeProgress(programId: fixture.programId, memberId: ana.id)
        #expect(progress["critic"]?.completions == 1 && progress["monthly"]?.completions == 1)
        #expect(try await Self.messages(fixture, MessageType.challengeCompleted).count == 2)
        #expect(try await Self.messages(fixture, MessageType.badgeAwarded).count == 1)
        #expect(try await fixture.store.memberBadges(programId: fixture.programId, memberId: ana.id).map(\.badgeId) == ["critic"])
    }

    /// A return reverses a purchase's challenge points in proportion like its other points and
    /// cancels the reward it gave, but the challenge stays completed.
    @Test(arguments: StoreBackend.available)
    func returnReversesChallengePointsInProportionAndLeavesTheChallengeCompleted(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: """
            name: Challenge returns
            currency: EUR
            earning_rules:
              - id: spend
                event: purchase
                effect: {type: points_per_amount, points: 1, per: 1}
            challenges:
              - {id: first-buy, name: First purchase, event: purchase, measure: count, target: 1, points: 100, reward: mug}
            """)
        let definition = try #require(try await fixture.store.programVersion(programId: fixture.programId, version: nil)).definition
        let mug = #"{"id": "mug", "name": "Mug", "type": "experience", "cost": 20}"#
        _ = try await fixture.store.putReward(programId: fixture.programId, reward: try Reward.read(try ProgramSourceParser.parse(mug), program: definition),
                                              now: StoreFixture.start)
        let ana = try await fixture.member("ana")
        let purchase = try #require(try await fixture.send(StoreFixture.purchase(total: "100.00", at: StoreFixture.at(days: 1)), memberId: ana.id).value)
        #expect(purchase.points == 200 && purchase.outcome.gifts?.map(\.status) == ["issued"])
        let refund = try #require(try await fixture.send(StoreFixture.returnOf(purchase.id, amount: "50.00", at: StoreFixture.at(days: 2)),
                                                         memberId: ana.id).value)
        #expect(refund.outcome.reversal?.reversed == 100)
        #expect(refund.outcome.gifts?.map(\.status) == ["cancelled"])
        #expect(try await fixture.reload(ana.id).available == 100)
        let progress = try await fixture.store.challengeProgress(programId: fixture.programId, memberId: ana.id)
        #expect(progress["first-buy"]?.completions == 1 && progress["first-buy"]?.completedAt != nil)
    }

    @Test(arguments: StoreBackend.available)
    func monthlyChallengeStartsOverAtLocalMidnight(_ backend: StoreBackend) async throws {
        let fixture = try await Self.make(backend)
        let ana = try await fixture.member("ana")
        // 23:00 on March 31st in Istanbul, then 00:30 and 01:00 on April 1st there (still March in UTC).
        for time in ["2026-03-31T20:00:00Z", "2026-03-31T21:30:00Z", "2026-03-31T22:00:00Z"] {
            let at = try #require(Timestamps.parse(time))
            _ = try await fixture.send(StoreFixture.named("review", at: at), memberId: ana.id, now: at)
        }
        let progress = try #require(try await fixture.store.challengeProgress(programId: fixture.programId, memberId: ana.id)["monthly"])
        #expect(progress.progress == 2 && progress.completions == 1)
        #expect(progress.period == ChallengePeriod.monthly.index(of: try #require(Timestamps.parse("2026-04-01T00:00:00+03:00")),
                                                                  in: TimeZone(identifier: "Europe/Istanbul")!))
    }

    @Test(arguments: StoreBackend.available)
    func streakBrokenByAMissedWeekUnlessGraceCoversIt(_ backend: StoreBackend) async throws {
        let fixture = try await Self.make(backend)
        let ana = try await fixture.member("ana"), ben = try await fixture.member("ben")
        func checkIn(_ member: MemberRecord, weeks: Double) async throws {
            _ = try await fixture.send(StoreFixture.named("check_in", at: StoreFixture.at(days: 7 * weeks)), memberId: member.id)
        }
        // ana: weeks 0, 2 (one week forgiven), 3 → completed. ben: weeks 0, 2, 4 → the second gap breaks it.
        for week in [0.0, 2, 3] { try await checkIn(ana, weeks: week) }
        for week in [0.0, 2, 4] { try await checkIn(ben, weeks: week) }
        let anas = try #require(try await fixture.store.challengeProgress(programId: fixture.programId, memberId: ana.id)["regular"])
        let bens = try #require(try await fixture.store.challengeProgress(programId: fixture.programId, memberId: ben.id)["regular"])
        #expect(anas.completions == 1 && anas.progress == 3)
        #expect(bens.completions == 0 && bens.progress == 1)
        #expect(try await fixture.reload(ana.id).available == 50)
        #expect(try await fixture.reload(ben.id).available == 0)
        #expect(try await fixture.store.memberBadges(programId: fixture.programId, memberId: ana.id).map(\.badgeId) == ["regular"])
        #expect(try await fixture.store.memberBadges(programId: fixture.programId, memberId: ben.id).isEmpty)
    }

    @Test(arguments: StoreBackend.available)
    func optInChallengeCountsOnlyAfterJoining(_ backend: StoreBackend) async throws {
        let fixture = try await Self.make(backend)
        let store = fixture.store, programId = fixture.programId
        let ana = try await fixture.member("ana")
        func walk(_ steps: String, days: Double) async throws {
            _ = try await fixture.send(StoreFixture.named("steps", at: StoreFixture.at(days: days), attributes: ["steps": .number(steps)]), memberId: ana.id)
        }
        try await walk("5000", days: 1)
        #expect(try await store.challengeProgress(programId: programId, memberId: ana.id)["walk"] == nil)

        let key: Idempotency<ChallengeJoinRecord> = idempotency("join-1")
        let joined = try #require(try await store.joinChallenge(programId: programId, memberId: ana.id, challengeId: "walk", now: StoreFixture.at(days: 2),
                                                                 idempotency: key).value)
        #expect(joined.standing.status == .active && joined.standing.progress == 0)
        #expect(try await store.joinChallenge(programId: programId, memberId: ana.id, challengeId: "walk", now: StoreFixture.at(days: 2),
                                              idempotency: key).value == nil)
        await #expect(throws: ChallengeJoinRefusal.alreadyJoined) {
            _ = try await store.joinChallenge(programId: programId, memberId: ana.id, challengeId: "walk", now: StoreFixture.at(days: 2), idempotency: nil)
        }
        await #expect(throws: ChallengeJoinRefusal.notOptIn) {
            _ = try await store.joinChallenge(programId: programId, memberId: ana.id, challengeId: "critic", now: StoreFixture.at(days: 2), idempotency: nil)
        }
        await #expect(throws: StoreError.notFound("challenge nope")) {
            _ = try await store.joinChallenge(programId: programId, memberId: ana.id, challengeId: "nope", now: StoreFixture.at(days: 2), idempotency: nil)
        }
        await #expect(throws: StoreError.notFound("member mem_nope")) {
            _ = try await store.joinChallenge(programId: programId, memberId: "mem_nope", challengeId: "walk", now: StoreFixture.at(days: 2), idempotency: nil)
        }
        // The refused joins wrote nothing: the one join stands.
        #expect(try await store.challengeProgress(programId: programId, memberId: ana.id).keys.sorted() == ["walk"])

        try await walk("1200", days: 3)
        let progress = try #require(try await store.challengeProgress(programId: programId, memberId: ana.id)["walk"])
        #expect(progress.progress == 1200 && progress.completions == 1 && progress.joinedAt == StoreFixture.at(days: 2))
        #expect(try await fixture.reload(ana.id).available == 20)
    }
}
