import Foundation
import Testing
@testable import LaurelCore

/// The pure side of challenges: progress given an event and the progress before it, period keys in
/// the program's time zone, streaks with grace, completion once, opt-in and tier/segment limits.
struct ChallengeEvaluationTests {
    static func program(_ challenges: String, timezone: String = "UTC") throws -> ProgramDefinition {
        try ProgramDefinition.parse("""
            name: Challenges
            currency: EUR
            timezone: \(timezone)
            tiers:
              basis: points_earned
              levels:
                - {id: silver, threshold: 0}
                - {id: gold, threshold: 1000}
            segments:
              - {id: vip, conditions: [{attribute: vip, op: eq, value: true}]}
            badges:
              - {id: critic, name: Critic, names: {tr: Eleştirmen}, image_url: "https://cdn.example.com/critic.png"}
            challenges:
            \(challenges)
            """)
    }

    static func event(_ type: String, _ text: String, id: String = "evt", attributes: [String: JSONValue] = [:]) throws -> LoyaltyEvent {
        LoyaltyEvent(id: id, type: type, occurredAt: try Fixtures.at(text), attributes: attributes)
    }

    /// Runs `events` through `challenge` from no progress; the progress after each and whether it completed.
    static func run(_ challenge: ChallengeDefinition, _ events: [LoyaltyEvent], zone: String = "UTC") -> [(ChallengeProgress, Bool)] {
        var progress = ChallengeProgress()
        return events.map { event in
            let (after, completed) = challenge.advance(progress, with: event, zone: TimeZone(identifier: zone)!)
            progress = after
            return (after, completed)
        }
    }

    static let weeklyCheckIns = """
          - {id: regular, name: Regular, event: check_in, measure: streak, period: weekly, target: 5, points: 100}
        """

    @Test func streakCompletesOnTheFifthWeekInARow() throws {
        let challenge = try #require(try Self.program(Self.weeklyCheckIns).challenge("regular"))
        // Mondays 2026-03-02 … 2026-03-30, with a second check-in in week 2 that adds nothing.
        let days = ["2026-03-02T10:00:00Z", "2026-03-10T10:00:00Z", "2026-03-11T10:00:00Z", "2026-03-16T10:00:00Z", "2026-03-23T10:00:00Z",
                    "2026-03-30T00:30:00Z"]
        let results = Self.run(challenge, try days.map { try Self.event("check_in", $0) })
        #expect(results.map(\.0.progress) == [1, 2, 2, 3, 4, 5])
        #expect(results.map(\.1) == [false, false, false, false, false, true])
    }

    @Test func streakIsBrokenByAMissedWeek() throws {
        let challenge = try #require(try Self.program(Self.weeklyCheckIns).challenge("regular"))
        // Week of 2026-03-16 is missed: the streak starts over at 1.
        let days = ["2026-03-02T10:00:00Z", "2026-03-09T10:00:00Z", "2026-03-23T10:00:00Z", "2026-03-30T10:00:00Z"]
        let results = Self.run(challenge, try days.map { try Self.event("check_in", $0) })
        #expect(results.map(\.0.progress) == [1, 2, 1, 2])
        #expect(!results.contains { $0.1 })
    }

    @Test func graceForgivesOneMissedWeekPerStreak() throws {
        let text = "  - {id: regular, name: Regular, event: check_in, measure: streak, period: weekly, grace: 1, target: 4, points: 100}"
        let challenge = try #require(try Self.program(text).challenge("regular"))
        // Missed the week of 03-16 (forgiven), then the week of 04-06 (no grace left: broken).
        let days = ["2026-03-02T10:00:00Z", "2026-03-09T10:00:00Z", "2026-03-23T10:00:00Z", "2026-03-30T10:00:00Z", "2026-04-13T10:00:00Z"]
        let kept = Self.run(challenge, try days.prefix(4).map { try Self.event("check_in", $0) })
        #expect(kept.map(\.0.progress) == [1, 2, 3, 4])
        #expect(kept.last?.1 == true)

        let broken = Self.run(challenge, try ["2026-03-02T10:00:00Z", "2026-03-16T10:00:00Z", "2026-03-30T10:00:00Z"].map { try Self.event("check_in", $0) })
        #expect(broken.map(\.0.progress) == [1, 2, 1])
        #expect(broken.map(\.0.graceUsed) == [0, 1, 0])
    }

    @Test func monthlyChallengeResetsAtMidnightInTheProgramsTimeZone() throws {
        let text = "  - {id: reviews, name: Three reviews a month, event: review, measure: count, target: 2, repeat: monthly, points: 50}"
        // 2026-03-31 20:00Z is 23:00 in Istanbul (UTC+3), still March; 21:30Z is 00:30 on April 1st there.
        let events = [try Self.event("review", "2026-03-31T20:00:00Z"), try Self.event("review", "2026-03-31T21:30:00Z")]

        let istanbul = try #require(try Self.program(text, timezone: "Europe/Istanbul").challenge("reviews"))
        let local = Self.run(istanbul, events, zone: "Europe/Istanbul")
        #expect(local.map(\.0.progress) == [1, 1])
        #expect(local.map(\.1) == [false, false])
        #expect(local[1].0.period == local[0].0.period! + 1)

        let utc = try #require(try Self.program(text).challenge("reviews"))
        let inUTC = Self.run(utc, events)
        #expect(inUTC.map(\.0.progress) == [1, 2])
        #expect(inUTC.map(\.1) == [false, true])
    }

    @Test func repeatingChallengeCompletesOncePerPeriodAndAgainInTheNext() throws {
        let text = "  - {id: daily, name: Daily steps, event: steps, measure: sum, attribute: steps, target: 10000, repeat: daily, points: 5}"
        let challenge = try #require(try Self.program(text).challenge("daily"))
        func walk(_ at: String, _ steps: String) throws -> LoyaltyEvent { try Self.event("steps", at, attributes: ["steps": .number(steps)]) }
        let results = Self.run(challenge, [try walk("2026-03-02T08:00:00Z", "6000"), try walk("2026-03-02T12:00:00Z", "4500.7"),
                                           try walk("2026-03-02T18:00:00Z", "3000"), try walk("2026-03-03T09:00:00Z", "12000"),
                                           try walk("2026-03-02T20:00:00Z", "99999")])
        #expect(results.map(\.1) == [false, true, false, true, false])
        #expect(results.map(\.0.progress) == [6000, 10500, 10500, 12000, 12000])
        #expect(results.last?.0.completions == 2)
    }

    @Test func sumReadsNestedAttributesAndIgnoresValuesAboveTheEventBound() throws {
        let text = "  - {id: walker, name: Walker, event: steps, measure: sum, attribute: activity.steps, target: 10000, points: 5}"
        let challenge = try #require(try Self.program(text).challenge("walker"))
        func walk(_ at: String, _ activity: JSONValue) throws -> LoyaltyEvent { try Self.event("steps", at, attributes: ["activity": activity]) }
        let results = Self.run(challenge, [try walk("2026-03-02T08:00:00Z", .object(["steps": .number("6000")])),
                                           try walk("2026-03-02T09:00:00Z", .number("9000")), // not an object: no steps
                                           try walk("2026-03-02T10:00:00Z", .object(["steps": .number("1000000000001")])), // above the bound
                                           try walk("2026-03-02T11:00:00Z", .object(["steps": .number("4000")]))])
        #expect(results.map(\.1) == [false, false, false, true])
        #expect(results.map(\.0.progress) == [6000, 6000, 6000, 10000])
    }

    @Test func distinctCategoriesCountEachOnce() throws {
        let text = "  - {id: explorer, name: Explorer, event: purchase, measure: distinct, attribute: category, target: 3, badge: critic}"
        let challenge = try #require(try Self.program(text).challenge("explorer"))
        func buy(_ at: String, _ categories: [String]) throws -> LoyaltyEvent {
            Fixtures.purchase(at: try Fixtures.at(at), lines: categories.enumerated().map { Fixtures.line("S\($0.offset)", "10", category: $0.element) })
        }
        let results = Self.run(challenge, [try buy("2026-03-02T10:00:00Z", ["shoes", "shoes"]), try buy("2026-03-03T10:00:00Z", ["bags"]),
                                           try buy("2026-03-04T10:00:00Z", ["shoes", "hats"]), try buy("2026-03-05T10:00:00Z", ["belts"])])
        #expect(results.map(\.0.progress) == [1, 2, 3, 3])
        #expect(results.map(\.1) == [false, false, true, false])
        #expect(results[2].0.values == ["bags", "hats", "shoes"])
    }

    @Test func applyCreditsPointsWithAnExplanationAndTheRewardAsAGift() throws {
        let program = try Self.program("""
              - {id: critic, name: Critic, event: review, measure: count, target: 2, points: 200, reward: tote-bag, badge: critic}
            """)
        let evaluator = ChallengeEvaluator(program: program)
        let member = MemberProfile(id: "mem_1")
        var outcome = EventOutcome(status: .processed, rules: [], pointsEarned: 10, ledger: MemberLedger(memberId: "mem_1"))
        let first = try evaluator.apply(try Self.event("review", "2026-03-02T10:00:00Z"), member: member, progress: [:], to: &outcome,
                                        now: try Fixtures.at("2026-03-02T10:00:00Z"))
        #expect(first.completions.isEmpty && first.changed["critic"]?.progress == 1 && outcome.ledger.available == 0)

        let second = try evaluator.apply(try Self.event("review", "2026-03-03T10:00:00Z", id: "evt_2"), member: member, progress: first.changed,
                                         to: &outcome, now: try Fixtures.at("2026-03-03T10:00:00Z"))
        #expect(second.completions.map(\.challenge.id) == ["critic"])
        #expect(outcome.ledger.available == 200 && outcome.pointsEarned == 210)
        let rule = try #require(outcome.rules.last)
        #expect(rule.ruleId == "challenge:critic" && rule.points == 200 && rule.gift == "tote-bag")
        #expect(rule.explanation.contains("completed the challenge Critic"))
        Fixtures.expectBooksBalance(outcome.ledger)

        // A third review changes nothing: a one-off completes once.
        var again = outcome
        let third = try evaluator.apply(try Self.event("review", "2026-03-04T10:00:00Z", id: "evt_3"), member: member, progress: second.changed,
                                        to: &again, now: try Fixtures.at("2026-03-04T10:00:00Z"))
        #expect(third.isEmpty && third.completions.isEmpty && again == outcome)
    }

    @Test func optInChallengesCountOnlyAfterJoining() throws {
        let program = try Self.program("  - {id: walk, name: Walk, event: steps, measure: count, target: 1, opt_in: true, points: 10}")
        let evaluator = ChallengeEvaluator(program: program)
        let member = MemberProfile(id: "mem_1")
        let challenge = try #require(program.challenge("walk"))
        let now = try Fixtures.at("2026-03-02T10:00:00Z")
        var outcome = EventOutcome(status: .processed, rules: [], pointsEarned: 0, ledger: MemberLedger(memberId: "mem_1"))
        let before = try evaluator.apply(try Self.event("steps", "2026-03-02T10:00:00Z"), member: member, progress: [:], to: &outcome, now: now)
        #expect(before.isEmpty && outcome.ledger.available == 0)
        #expect(evaluator.standing(of: challenge, progress: nil, member: member, now: now).status == .notJoined)

        let joined = try evaluator.join(challenge, progress: nil, member: member, now: now).get()
        #expect(evaluator.join(challenge, progress: joined, member: member, now: now) == .failure(.alreadyJoined))
        let after = try evaluator.apply(try Self.event("steps", "2026-03-02T11:00:00Z"), member: member, progress: ["walk": joined], to: &outcome,
                                        now: try Fixtures.at("2026-03-02T11:00:00Z"))
        #expect(after.completions.count == 1 && outcome.ledger.available == 10)
        #expect(after.changed["walk"]?.joinedAt == now)

        let open = try #require(try Self.program("  - {id: any, name: Any, event: steps, measure: count, target: 1, points: 1}").challenge("any"))
        #expect(evaluator.join(open, progress: nil, member: member, now: now) == .failure(.notOptIn))
    }

    @Test func tierAndSegmentLimitsKeepOthersOut() throws {
        let program = try Self.program("""
              - {id: gold-only, name: Gold, event: review, measure: count, target: 1, tiers: [gold], points: 10}
              - {id: vip-only, name: VIP, event: review, measure: count, target: 1, segments: [vip], points: 20}
            """)
        let evaluator = ChallengeEvaluator(program: program)
        let now = try Fixtures.at("2026-03-02T10:00:00Z")
        func points(_ member: MemberProfile) throws -> Int {
            var outcome = EventOutcome(status: .processed, rules: [], pointsEarned: 0, ledger: MemberLedger(memberId: member.id))
            _ = try evaluator.apply(try Self.event("review", "2026-03-02T10:00:00Z"), member: member, progress: [:], to: &outcome, now: now)
            return outcome.ledger.available
        }
        #expect(try points(MemberProfile(id: "m", tier: "silver")) == 0)
        #expect(try points(MemberProfile(id: "m", tier: "gold")) == 10)
        #expect(try points(MemberProfile(id: "m", tier: "gold", segments: ["vip"])) == 30)
        #expect(try points(MemberProfile(id: "m", segments: ["vip"])) == 20)
        let gold = try #require(program.challenge("gold-only"))
        #expect(evaluator.standing(of: gold, progress: nil, member: MemberProfile(id: "m", tier: "silver"), now: now).status == .notEligible)
    }

    @Test func standingShowsProgressTargetAndWhenThePeriodEnds() throws {
        let program = try Self.program("""
              - {id: reviews, name: Reviews, event: review, measure: count, target: 3, repeat: monthly, points: 50}
              - {id: regular, name: Regular, event: check_in, measure: streak, period: weekly, grace: 1, target: 5, points: 100}
            """, timezone: "Europe/Istanbul")
        let evaluator = ChallengeEvaluator(program: program)
        let member = MemberProfile(id: "m")
        let reviews = try #require(program.challenge("reviews"))
        let (two, _) = Self.run(reviews, [try Self.event("review", "2026-03-05T10:00:00Z"), try Self.event("review", "2026-03-06T10:00:00Z")],
                                zone: "Europe/Istanbul").last!
        let march = evaluator.standing(of: reviews, progress: two, member: member, now: try Fixtures.at("2026-03-22T10:00:00Z"))
        #expect(march.status == .active && march.progress == 2 && march.target == 3)
        #expect(march.endsAt == (try Fixtures.at("2026-03-31T21:00:00Z"))) // April 1st, 00:00 in Istanbul
        // In April the March progress no longer shows.
        #expect(evaluator.standing(of: reviews, progress: two, member: member, now: try Fixtures.at("2026-04-01T10:00:00Z")).progress == 0)

        let regular = try #require(program.challenge("regular"))
        let (streak, _) = Self.run(regular, [try Self.event("check_in", "2026-03-02T10:00:00Z")], zone: "Europe/Istanbul").last!
        // Last check-in in the week of 03-02: the next week, plus one week of grace, keeps it alive until 03-23 00:00 local.
        let alive = evaluator.standing(of: regular, progress: streak, member: member, now: try Fixtures.at("2026-03-10T10:00:00Z"))
        let deadline = try Fixtures.at("2026-03-22T21:00:00Z")
        #expect(alive.progress == 1 && alive.endsAt == deadline)
        let broken = evaluator.standing(of: regular, progress: streak, member: member, now: try Fixtures.at("2026-03-23T10:00:00Z"))
        #expect(broken.progress == 0 && broken.status == .active)
    }

    @Test func challengesAndBadgesReadBackAsWritten() throws {
        let program = try Self.program("""
              - id: regular
                name: Regular
                names: {tr: Müdavim}
                description: Check in five weeks in a row.
                event: check_in
                measure: streak
                period: weekly
                grace: 1
                target: 5
                starts_at: 2026-03-01
                ends_at: "2026-12-31T00:00:00Z"
                opt_in: true
                tiers: [gold]
                segments: [vip]
                points: 100
                reward: tote-bag
                badge: critic
              - {id: steps, name: Steps, event: steps, measure: sum, attribute: steps, target: 50000, repeat: weekly, points: 10}
              - {id: explorer, name: Explorer, event: purchase, measure: distinct, attribute: label, target: 4, badge: critic}
            """, timezone: "Europe/Istanbul")
        #expect(program.challenges.count == 3 && program.badges.count == 1)
        #expect(program.badge("critic")?.names.text(for: "tr", fallback: "") == "Eleştirmen")
        let tree = program.canonicalTree
        #expect(try ProgramDefinition.read(tree) == program)
        #expect(try ProgramDefinition.read(tree).canonicalTree == tree)
    }

    @Test(arguments: [
        ("  - {id: a, name: A, event: review, measure: count, target: 1, badge: nope}", "challenges[0].badge"),
        ("  - {id: a, name: A, event: review, measure: streak, period: weekly, repeat: daily, target: 2, points: 1}", "challenges[0].repeat"),
        ("  - {id: a, name: A, event: review, measure: distinct, attribute: category, target: 2, points: 1}", "challenges[0].measure"),
        ("  - {id: a, name: A, event: review, measure: count, target: 1}", "challenges[0]"),
        ("  - {id: a, name: A, event: review, measure: count, target: 0, points: 1}", "challenges[0].target"),
        ("  - {id: a, name: A, event: review, measure: count, target: 1, points: 1, tiers: [bronze]}", "challenges[0].tiers[0]"),
        ("  - {id: a, name: A, event: review, measure: count, target: 1, points: 1, segments: [nope]}", "challenges[0].segments[0]"),
        ("  - {id: a, name: A, event: review, measure: count, target: 1, points: 1, grace: 1}", "challenges[0].grace"),
        ("  - {id: a, name: A, event: review, measure: count, target: 1, points: 1}\n  - {id: a, name: B, event: review, measure: count, target: 1, points: 1}",
         "challenges[1].id"),
    ])
    func mistakesAreReportedWithTheirPath(text: String, path: String) throws {
        do {
            _ = try Self.program(text)
            Issue.record("expected a validation error at \(path)")
        } catch let error as ProgramValidationError {
            #expect(error.issues.map(\.path).contains(path), "\(error.issues)")
        }
    }

    @Test func badgeImagesMustBeHTTPS() throws {
        do {
            _ = try ProgramDefinition.parse("name: B\ncurrency: EUR\nbadges:\n  - {id: b, name: B, image_url: \"javascript:alert(1)\"}")
            Issue.record("expected a validation error")
        } catch {
            #expect(error.issues.map(\.path) == ["badges[0].image_url"])
        }
    }

    @Test func periodsStartOnLocalMidnightAndMondays() throws {
        let istanbul = TimeZone(identifier: "Europe/Istanbul")!
        let date = try Fixtures.at("2026-03-04T22:00:00Z") // Thursday 01:00 in Istanbul
        let week = ChallengePeriod.weekly.index(of: date, in: istanbul)
        #expect(ChallengePeriod.weekly.start(of: week, in: istanbul) == (try Fixtures.at("2026-03-01T21:00:00Z")))
        let day = ChallengePeriod.daily.index(of: date, in: istanbul)
        #expect(ChallengePeriod.daily.start(of: day, in: istanbul) == (try Fixtures.at("2026-03-04T21:00:00Z")))
        let month = ChallengePeriod.monthly.index(of: date, in: istanbul)
        #expect(ChallengePeriod.monthly.start(of: month, in: istanbul) == (try Fixtures.at("2026-02-28T21:00:00Z")))
        #expect(ChallengePeriod.monthly.end(of: month, in: istanbul) == (try Fixtures.at("2026-03-31T21:00:00Z")))
        // Before 1970 too.
        let old = try Fixtures.at("1969-12-28T12:00:00Z")
        #expect(ChallengePeriod.weekly.start(of: ChallengePeriod.weekly.index(of: old, in: istanbul), in: istanbul) == (try Fixtures.at("1969-12-21T22:00:00Z")))
        #expect(ChallengePeriod.monthly.start(of: ChallengePeriod.monthly.index(of: old, in: .gmt), in: .gmt) == (try Fixtures.at("1969-12-01T00:00:00Z")))
    }

    @Test func aDayStartsWhenTheClockSkipsMidnight() throws {
        // Santiago moves from 2026-09-05 23:59:59 -04 to 2026-09-06 01:00 -03 (04:00 UTC).
        let santiago = try #require(TimeZone(identifier: "America/Santiago"))
        let day = ChallengePeriod.daily.index(of: try Fixtures.at("2026-09-06T04:30:00Z"), in: santiago)
        #expect(ChallengePeriod.daily.index(of: try Fixtures.at("2026-09-06T03:59:00Z"), in: santiago) == day - 1)
        #expect(ChallengePeriod.daily.start(of: day, in: santiago) == (try Fixtures.at("2026-09-06T04:00:00Z")))
        #expect(ChallengePeriod.daily.end(of: day - 1, in: santiago) == (try Fixtures.at("2026-09-06T04:00:00Z")))
    }
}
