import Foundation
import Testing
import LaurelCore

/// The `games:` section: what it reads, what it refuses (with paths).
struct GamesDefinitionTests {
    static let program = """
        name: Games
        currency: EUR
        games:
          wheels:
            - id: lucky
              name: Lucky wheel
              cost: {points: 50}
              plays:
                earned_by: [{event: review, plays: 1}, {event: check_in, plays: 2}]
                per_member: {max: 3, period: week}
              prizes:
                - {id: jackpot, weight: 1, points: 1000, budget: {total: 10}}
                - {id: daily, weight: 9, points: 100, budget: {total: 500, per_period: 5, period: day}}
                - {id: nothing, weight: 90}
                - {id: tote, weight: 2, reward: tote-bag, budget: {total: 5}}
            - id: free
              name: Free wheel
              plays: {earned_by: {event: review, plays: 1}}
              prizes: [{id: ten, weight: 1, points: 10}]
          raffles:
            - id: summer
              name: Summer draw
              entries: {cost_points: 100, earned_by: {event: review, entries: 2}, max_per_member: 3}
              draw_at: 2026-08-31
              winners: 3
              prize: {points: 5000}
        """

    static func issues(_ games: String) throws -> [String] {
        let error = try #require(throws: ProgramValidationError.self) { try ProgramDefinition.parse("name: G\ncurrency: EUR\ngames:\n" + games) }
        return error.issues.map(\.description)
    }

    @Test func readsWheels() throws {
        let games = try ProgramDefinition.parse(Self.program).games
        let lucky = try #require(games.wheel("lucky"))
        #expect(lucky.costPoints == 50)
        #expect(lucky.earnedBy == [GameEarning(event: "review", count: 1), GameEarning(event: "check_in", count: 2)])
        #expect(lucky.limit == PlayLimit(maxPlays: 3, period: .week))
        #expect(lucky.prizes.map(\.weight) == [1, 9, 90, 2])
        #expect(lucky.prizes.map(\.reward) == [nil, nil, nil, "tote-bag"] && lucky.prizes[3].points == nil)
        #expect(lucky.prizes[1].budget == PrizeBudget(total: 500, perPeriod: 5, period: .day))
        #expect(lucky.prizes[2].points == nil)
        #expect(games.wheel("free")?.costPoints == nil && games.wheel("free")?.earnedBy == [GameEarning(event: "review", count: 1)])
        let raffle = try #require(games.raffle("summer"))
        #expect(raffle.drawAt == Timestamps.parse("2026-08-31T00:00:00Z") && raffle.winners == 3 && raffle.prizePoints == 5000)
        #expect(raffle.entryCostPoints == 100 && raffle.maxEntriesPerMember == 3 && raffle.earnedBy == [GameEarning(event: "review", count: 2)])
    }

    @Test func aRaffleEntryIsEarnedThenPaidUntilTheDrawTime() throws {
        let raffle = try #require(try ProgramDefinition.parse(Self.program).games.raffle("summer"))
        let before = raffle.drawAt.addingTimeInterval(-1)
        #expect(try raffle.payment(earned: 2, earnedUsed: 1, held: 1, now: before) == .play)
        #expect(try raffle.payment(earned: 2, earnedUsed: 2, held: 2, now: before) == .points(100))
        #expect(throws: RaffleRefusal.entryLimitReached(raffleId: "summer", maxEntries: 3)) { try raffle.payment(earned: 9, earnedUsed: 0, held: 3, now: before) }
        #expect(throws: RaffleRefusal.closed(raffleId: "summer")) { try raffle.payment(earned: 9, earnedUsed: 0, held: 0, now: raffle.drawAt) }
    }

    @Test func refusesMistakesWithTheirPaths() throws {
        let issues = try Self.issues("""
              wheels:
                - id: a
                  name: A
                  prizes: [{id: x, weight: 0}]
                - id: a
                  name: B
                  cost: {points: 0}
                  prizes:
                    - {id: y, weight: -1}
                    - {id: y, weight: 1, budget: {per_period: 3}}
                    - {id: z, weight: 1, colour: red}
                    - {id: both, weight: 1, points: 5, reward: mug}
              raffles:
                - id: a
                  name: R
                  entries: {}
                  winners: 0
            """)
        let expected = [
            "games.raffles[0].id: duplicate game id \"a\"",
            "games.raffles[0].draw_at: is required",
            "games.raffles[0].winners: must be >= 1",
            "games.raffles[0].entries: needs cost_points, earned_by or both",
            "games.wheels[0]: needs a cost",
            "games.wheels[0].prizes: needs at least one prize with a weight above 0",
            "games.wheels[1].id: duplicate game id \"a\"",
            "games.wheels[1].cost.points: must be >= 1",
            "games.wheels[1].prizes[0].weight: must be >= 0",
            "games.wheels[1].prizes[1].id: duplicate prize id \"y\"",
            "games.wheels[1].prizes[2].colour: unknown key",
            "games.wheels[1].prizes[3].reward: a prize gives points or a reward, not both",
        ]
        for text in expected { #expect(issues.contains { $0.hasPrefix(text) }, "\(text) in \(issues)") }
    }
}
