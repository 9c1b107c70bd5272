import Foundation
import LaurelTestSupport
import Testing
import LaurelCore

/// Limits per member per period: what the rule already awarded (`usage`) comes in, the award is cut.
struct RuleLimitTests {
    static let when = Date(timeIntervalSince1970: 1_790_000_000)

    static func review(_ program: ProgramDefinition, usage: [String: RuleUsage]) -> RuleResult {
        RuleEvaluator(program: program).evaluate(event: LoyaltyEvent(id: "e", type: "review", occurredAt: when), member: MemberProfile(id: "m"),
                                                 usage: usage)[0]
    }

    @Test(arguments: ["day", "week", "month", "year", "lifetime"])
    func maxTimesPerPeriod(period: String) throws {
        let program = try Fixtures.program("""
              - id: review
                event: review
                effect: {type: fixed_points, points: 50}
                limit: {max_times: 2, period: \(period)}
            """)
        #expect(Self.review(program, usage: [:]).points == 50)
        #expect(Self.review(program, usage: ["review": RuleUsage(points: 50, times: 1)]).points == 50)
        let reached = Self.review(program, usage: ["review": RuleUsage(points: 100, times: 2)])
        #expect(reached.matched && reached.points == 0)
        #expect(reached.explanation == "50 points for review; limit of 2 per \(period) reached")
        #expect(Self.review(program, usage: ["other-rule": RuleUsage(points: 100, times: 9)]).points == 50, "usage counts per rule id")
    }

    @Test(arguments: ["day", "week", "month", "lifetime"])
    func maxPointsPerPeriodCutsTheAward(period: String) throws {
        let program = try Fixtures.program("""
              - id: review
                event: review
                effect: {type: fixed_points, points: 50}
                limit: {max_points: 120, period: \(period)}
            """)
        #expect(Self.review(program, usage: ["review": RuleUsage(points: 70, times: 1)]).points == 50)
        let cut = Self.review(program, usage: ["review": RuleUsage(points: 100, times: 2)])
        #expect(cut.points == 20 && cut.explanation.hasSuffix("; capped to 20 by the limit of 120 points per \(period)"))
        #expect(Self.review(program, usage: ["review": RuleUsage(points: 120, times: 3)]).points == 0)
        #expect(Self.review(program, usage: ["review": RuleUsage(points: 500, times: 3)]).points == 0, "never negative")
    }

    @Test func bothLimitsTogether() throws {
        let program = try Fixtures.program("""
              - id: review
                event: review
                effect: {type: fixed_points, points: 50}
                limit: {max_points: 120, max_times: 5, period: week}
            """)
        #expect(Self.review(program, usage: ["review": RuleUsage(points: 90, times: 1)]).points == 30)
        #expect(Self.review(program, usage: ["review": RuleUsage(points: 10, times: 5)]).points == 0)
    }

    /// A later multiplier scales what the limited rule actually gave, not what it would have given.
    @Test func multiplierAfterACappedRuleScalesTheCappedPoints() throws {
        let program = try Fixtures.program("""
              - id: spend
                event: purchase
                effect: {type: points_per_amount, points: 1, per: 1}
                limit: {max_points: 30, period: month}
              - id: double
                event: purchase
                effect: {type: multiplier, factor: 2}
            """)
        let event = Fixtures.purchase(at: Self.when, lines: [Fixtures.line("A", "60.00"), Fixtures.line("B", "40.00")])
        let results = RuleEvaluator(program: program).evaluate(event: event, member: MemberProfile(id: "m"), usage: [:])
        #expect(results.map(\.points) == [30, 30])
    }

    @Test func limitQueriesForLimitedRulesOfTheEventType() throws {
        let program = try Fixtures.program("""
              - id: review
                event: review
                effect: {type: fixed_points, points: 50}
                limit: {max_times: 1, period: day}
              - id: review-ever
                event: review
                effect: {type: fixed_points, points: 5}
                limit: {max_times: 3, period: lifetime}
              - id: unlimited
                event: review
                effect: {type: fixed_points, points: 1}
              - id: share
                event: share
                effect: {type: fixed_points, points: 1}
                limit: {max_times: 1, period: day}
            """, header: "timezone: Asia/Tokyo")
        let event = LoyaltyEvent(id: "e", type: "review", occurredAt: try Fixtures.at("2026-03-03T20:00:00Z"))
        let queries = EventProcessor(program: program).limitQueries(for: event)
        #expect(queries.map(\.ruleId) == ["review", "review-ever"])
        let dayStart = try Fixtures.at("2026-03-03T15:00:00Z"), dayEnd = try Fixtures.at("2026-03-04T15:00:00Z")
        #expect(queries[0].from == dayStart && queries[0].to == dayEnd)
        #expect(queries[1].from == nil && queries[1].to == .distantFuture)
    }

    /// The judging cache forgets awards from before this: every limited rule's window, whatever its
    /// event type, the rolling ones included; a lifetime limit keeps everything.
    @Test func theEarliestLimitStartCoversEveryLimitedRule() throws {
        let rules = """
              - id: review
                event: review
                effect: {type: fixed_points, points: 50}
                limit: {max_times: 1, period: day}
              - id: share-week
                event: share
                effect: {type: fixed_points, points: 1}
                limit: {max_times: 1, period: week, window: rolling}
              - id: unlimited
                event: purchase
                effect: {type: fixed_points, points: 1}
            """
        let at = try Fixtures.at("2026-03-03T20:00:00Z")
        let limited = EventProcessor(program: try Fixtures.program(rules, header: "timezone: Asia/Tokyo"))
        #expect(limited.earliestLimitStart(at: at) == at.addingTimeInterval(0.001 - 7 * 86_400))
        let lifetime = EventProcessor(program: try Fixtures.program(rules + """

              - id: once
                event: purchase
                effect: {type: fixed_points, points: 1}
                limit: {max_times: 1, period: lifetime}
            """, header: "timezone: Asia/Tokyo"))
        #expect(lifetime.earliestLimitStart(at: at) == nil)
        let none = EventProcessor(program: try Fixtures.program("""
              - id: unlimited
                event: purchase
                effect: {type: fixed_points, points: 1}
            """))
        #expect(none.earliestLimitStart(at: at) == nil)
    }

    /// Calendar windows are the day / ISO week (from Monday) / month / year containing the event in the
    /// program's zone; rolling windows are the 1 / 7 / 30 / 365 days ending just after it.
    /// Calendar windows are computed by date arithmetic; they must be Foundation's, clock changes
    /// at or near midnight included (Havana and Santiago change at midnight, Apia skipped a day).
    @Test(arguments: ["UTC", "Europe/Paris", "America/New_York", "America/Sao_Paulo", "America/Havana", "America/Santiago",
                      "Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Apia", "Asia/Tokyo"])
    func calendarWindowsMatchFoundation(zone: String) throws {
        let program = ProgramDefinition(name: "p", currency: "EUR", timeZone: zone)
        let calendar = program.calendar
        var random = SplitMix64(seed: 7)
        var instants = (0..<1_500).map { _ in Date(timeIntervalSince1970: Double(random.int(631_152_000...2_208_988_800))) }
        // Around every local midnight of 2011 (Apia's skipped day, many clock changes).
        let start2011 = try #require(calendar.date(from: DateComponents(year: 2011, month: 1, day: 1)))
        for day in 0..<365 {
            for offset in [-1.0, 0, 1, 3_599, 3_601] { instants.append(start2011.addingTimeInterval(Double(day) * 86_400 + offset)) }
        }
        for instant in instants {
            for (period, component) in [(RuleLimit.Period.day, Calendar.Component.day), (.week, .weekOfYear), (.month, .month), (.year, .year)] {
                let got = RuleLimit(maxTimes: 1, period: period, window: .calendar).interval(containing: instant, calendar: calendar)
                let expected = try #require(calendar.dateInterval(of: component, for: instant))
                #expect(got.from.map(Timestamps.millis) == Timestamps.millis(expected.start) && Timestamps.millis(got.to) == Timestamps.millis(expected.end),
                        "\(period) at \(Timestamps.format(instant)) in \(zone): \(got) against \(expected)")
            }
        }
    }

    @Test func intervalsCalendarAndRolling() throws {
        let program = ProgramDefinition(name: "p", currency: "EUR", timeZone: "Asia/Tokyo")
        let calendar = program.calendar
        let wednesday = try Fixtures.at("2026-03-03T20:00:00Z") // Wednesday 05:00 in Tokyo
        func interval(_ period: RuleLimit.Period, _ window: RuleLimit.Window = .calendar, at date: Date) -> (Date?, Date) {
            let interval = RuleLimit(maxTimes: 1, period: period, window: window).interval(containing: date, calendar: calendar)
            return (interval.from, interval.to)
        }
        func expect(_ got: (Date?, Date), _ from: String, _ to: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            // Compared to the millisecond, how the store keeps time.
            #expect(got.0.map(Timestamps.millis) == Timestamps.millis(try Fixtures.at(from)), "\(got)", sourceLocation: sourceLocation)
            #expect(Timestamps.millis(got.1) == Timestamps.millis(try Fixtures.at(to)), "\(got)", sourceLocation: sourceLocation)
        }
        try expect(interval(.day, at: wednesday), "2026-03-03T15:00:00Z", "2026-03-04T15:00:00Z")
        try expect(interval(.week, at: wednesday), "2026-03-01T15:00:00Z", "2026-03-08T15:00:00Z") // Monday 2 March, Tokyo
        try expect(interval(.month, at: wednesday), "2026-02-28T15:00:00Z", "2026-03-31T15:00:00Z")
        try expect(interval(.year, at: wednesday), "2025-12-31T15:00:00Z", "2026-12-31T15:00:00Z")
        // Sunday evening still belongs to the week that began on Monday.
        try expect(interval(.week, at: try Fixtures.at("2026-03-08T14:59:59Z")), "2026-03-01T15:00:00Z", "2026-03-08T15:00:00Z")
        try expect(interval(.week, at: try Fixtures.at("2026-03-08T15:00:00Z")), "2026-03-08T15:00:00Z", "2026-03-15T15:00:00Z")

        try expect(interval(.day, .rolling, at: wednesday), "2026-03-02T20:00:00.001Z", "2026-03-03T20:00:00.001Z")
        try expect(interval(.week, .rolling, at: wednesday), "2026-02-24T20:00:00.001Z", "2026-03-03T20:00:00.001Z")
        try expect(interval(.month, .rolling, at: wednesday), "2026-02-01T20:00:00.001Z", "2026-03-03T20:00:00.001Z")
        try expect(interval(.year, .rolling, at: wednesday), "2025-03-03T20:00:00.001Z", "2026-03-03T20:00:00.001Z")
        let lifetime = interval(.lifetime, at: wednesday)
        #expect(lifetime.0 == nil && lifetime.1 == .distantFuture)

        // The event itself is inside its window; an award exactly one rolling day earlier is not.
        let (from, to) = interval(.day, .rolling, at: wednesday)
        let start = try #require(from)
        #expect(wednesday >= start && wednesday < to)
        #expect(wednesday.addingTimeInterval(-86_400) < start)
    }
}
