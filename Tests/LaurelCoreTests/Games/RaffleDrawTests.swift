import Foundation
import Testing
import LaurelCore
import LaurelTestSupport

/// The raffle draw is the documented algorithm: the expected answers below were computed by an
/// independent Python implementation of docs/program-format.md's steps (hashlib), not by this code.
struct RaffleDrawTests {
    static let seed = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
    /// 20 entries of 7 members (member i % 7).
    static let entries = (0..<20).map { RaffleDraw.Entry(id: ($0 < 10 ? "ent_0" : "ent_") + String($0), memberId: "mem_\($0 % 7)") }

    @Test func commitmentIsTheSHA256OfTheSeed() {
        #expect(RaffleDraw.commitment(seed: Self.seed) == "2a8abfa8cb9906290437854193ca6bca41d4d4e26d1d454bd66a35158095e737")
    }

    @Test func winnersAreRecomputableFromTheSeed() {
        #expect(RaffleDraw.winners(entries: Self.entries, count: 5, seed: Self.seed).map(\.id) == ["ent_11", "ent_02", "ent_08", "ent_00", "ent_05"])
    }

    @Test func noMemberWinsTwice() {
        // Ten winners asked of seven members: seven, each once.
        let winners = RaffleDraw.winners(entries: Self.entries, count: 10, seed: Self.seed)
        #expect(winners.map(\.id) == ["ent_11", "ent_02", "ent_08", "ent_00", "ent_05", "ent_13", "ent_03"])
        #expect(Set(winners.map(\.memberId)).count == winners.count)
        #expect(RaffleDraw.winners(entries: [], count: 3, seed: Self.seed).isEmpty)
    }

    @Test func aNewSeedIs64HexCharactersAndDependsOnTheSource() {
        var first = SplitMix64(seed: 1)
        var second = SplitMix64(seed: 2)
        let seed = RaffleDraw.makeSeed(using: &first)
        #expect(seed.count == 64 && seed.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(seed != RaffleDraw.makeSeed(using: &second))
    }

    @Test func everyEntryCanWin() {
        // Over many seeds each of five single-entry members wins a one-winner raffle about a fifth of the time.
        let entries = (0..<5).map { RaffleDraw.Entry(id: "e\($0)", memberId: "m\($0)") }
        var counts = [String: Int]()
        for index in 0..<2_000 { counts[RaffleDraw.winners(entries: entries, count: 1, seed: "seed-\(index)")[0].id, default: 0] += 1 }
        #expect(counts.count == 5)
        #expect(counts.values.allSatisfy { (300...500).contains($0) }, "\(counts)")
    }
}
