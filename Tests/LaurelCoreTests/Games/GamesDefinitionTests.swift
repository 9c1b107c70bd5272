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
            - id: free
              name: Free wheel
              plays: {earned_by: {event: review, plays: 1}}
              prizes: [{id: ten, weight: 1, points: 10}]
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
        #expect(lucky.prizes.map(\.weight) == [1, 9, 90])
        #expect(lucky.prizes[1].budget == PrizeBudget(total: 500, perPeriod: 5, period: .day))
        #expect(lucky.prizes[2].givesNothing)
        #expect(games.wheel("free")?.costPoints == nil && games.wheel("free")?.earnedBy == [GameEarning(event: "review", count: 1)])
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
              raffles: []
            """)
        let expected = [
            "games.raffles: unknown key",
            "games.wheels[0]: needs a cost",
            "games.wheels[0].prizes: needs at least one prize with a weight above 0",
            "games.wheels[1].id: duplicate game id \"a\"",
            "games.wheels[1].cost.points: must be >= 1",
            "games.wheels[1].prizes[0].weight: must be >= 0",
            "games.wheels[1].prizes[1].id: duplicate prize id \"y\"",
            "games.wheels[1].prizes[2].colour: unknown key",
        ]
        for text in expected { #expect(issues.contains { $0.hasPrefix(text) }, "\(text) in \(issues)") }
    }
}
