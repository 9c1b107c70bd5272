import LaurelCore
import Testing

/// Report sums hold at the ends of `Int` instead of trapping.
struct SaturatingSumTests {
    @Test func sumsHoldAtTheEnds() {
        #expect(2.addingSaturated(3) == 5)
        #expect(Int.max.addingSaturated(1) == .max)
        #expect((Int.max - 1).addingSaturated(Int.max) == .max)
        #expect(Int.min.addingSaturated(-1) == .min)
        #expect(Int.max.addingSaturated(-1) == Int.max - 1)
    }
}
