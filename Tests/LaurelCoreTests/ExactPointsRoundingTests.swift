import Testing
import LaurelCore

/// Fractions of points stay exact until the one rounding step, by the program's rounding mode.
struct ExactPointsRoundingTests {
    /// (numerator, denominator) -> expected for down, up, half_up, half_even.
    static let cases: [(Int128, Int128, [RoundingMode: Int])] = [
        (5, 2, [.down: 2, .up: 3, .halfUp: 3, .halfEven: 2]),      // 2.5
        (7, 2, [.down: 3, .up: 4, .halfUp: 4, .halfEven: 4]),      // 3.5
        (-5, 2, [.down: -2, .up: -3, .halfUp: -3, .halfEven: -2]), // -2.5
        (-7, 2, [.down: -3, .up: -4, .halfUp: -4, .halfEven: -4]), // -3.5
        (1, 2, [.down: 0, .up: 1, .halfUp: 1, .halfEven: 0]),      // 0.5
        (-1, 2, [.down: 0, .up: -1, .halfUp: -1, .halfEven: 0]),   // -0.5
        (12, 5, [.down: 2, .up: 3, .halfUp: 2, .halfEven: 2]),     // 2.4
        (13, 5, [.down: 2, .up: 3, .halfUp: 3, .halfEven: 3]),     // 2.6
        (-12, 5, [.down: -2, .up: -3, .halfUp: -2, .halfEven: -2]), // -2.4
        (-13, 5, [.down: -2, .up: -3, .halfUp: -3, .halfEven: -3]), // -2.6
        (1, 3, [.down: 0, .up: 1, .halfUp: 0, .halfEven: 0]),
        (2, 3, [.down: 0, .up: 1, .halfUp: 1, .halfEven: 1]),
        (14, 2, [.down: 7, .up: 7, .halfUp: 7, .halfEven: 7]),     // whole numbers are never moved
        (-21, 3, [.down: -7, .up: -7, .halfUp: -7, .halfEven: -7]),
        (0, 9, [.down: 0, .up: 0, .halfUp: 0, .halfEven: 0]),
        (10_001, 10_000, [.down: 1, .up: 2, .halfUp: 1, .halfEven: 1]),
    ]

    @Test func everyModeOnHalvesAndNegatives() {
        for (numerator, denominator, expected) in Self.cases {
            for mode in RoundingMode.allCases {
                #expect(ExactPoints(numerator, over: denominator).rounded(mode) == expected[mode], "\(numerator)/\(denominator) \(mode)")
            }
        }
    }

    @Test func fractionsAreNormalisedAndExact() throws {
        #expect(ExactPoints(2, over: 4) == ExactPoints(1, over: 2))
        #expect(ExactPoints(1, over: -2) == ExactPoints(-1, over: 2))
        #expect(ExactPoints(1, over: -2).description == "-1/2")
        #expect((ExactPoints(1, over: 3) + ExactPoints(1, over: 6)) == ExactPoints(1, over: 2))
        #expect((ExactPoints(1, over: 3) - ExactPoints(1, over: 2)).description == "-1/6")
        #expect((ExactPoints(2, over: 3) * ExactPoints(3, over: 4)).description == "1/2")
        #expect((ExactPoints(2, over: 3) / ExactPoints(4, over: 9)).description == "3/2")
        #expect(ExactPoints(try Fixtures.amount("12.34")).description == "617/50")
        #expect(ExactPoints(points: 6).description == "6" && ExactPoints.zero.isZero && ExactPoints(points: 1).isPositive)
        // Three thirds are exactly one: no binary floating point anywhere.
        let third = ExactPoints(1, over: 3)
        #expect((third + third + third).rounded(.down) == 1)
        let dime = ExactPoints(try Fixtures.amount("0.1"))
        #expect((dime + ExactPoints(try Fixtures.amount("0.2"))) == ExactPoints(try Fixtures.amount("0.3")))
    }

    /// Fractions that fit 64 bits are reduced and rounded by a faster path than the 128-bit one;
    /// both must agree with plain Euclid and truncating division, near the 64-bit edges too.
    @Test func smallAndLargeFractionsReduceAlike() {
        func gcd(_ a: Int128, _ b: Int128) -> Int128 { b == 0 ? a.magnitude == 0 ? 1 : Int128(a.magnitude) : gcd(b, a % b) }
        var state: UInt64 = 99
        func next() -> Int128 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let scale = [Int128(1), 10_000, 1 << 40, Int128(Int64.max), Int128(Int64.max) * 8][Int(state >> 61) % 5]
            return Int128(Int64(bitPattern: state) % 1_000_000) * scale / 1_000_000 + Int128(Int64(bitPattern: state) % 97)
        }
        for _ in 0..<5_000 {
            let (numerator, denominator) = (next(), next())
            guard denominator != 0 else { continue }
            let value = ExactPoints(numerator, over: denominator)
            let divisor = gcd(numerator, denominator) * (denominator < 0 ? -1 : 1)
            #expect(value.numerator == numerator / divisor && value.denominator == denominator / divisor, "\(numerator)/\(denominator)")
            if let whole = Int(exactly: value.numerator / value.denominator) { #expect(value.rounded(.down) == whole, "\(numerator)/\(denominator)") }
        }
        #expect(ExactPoints(Int128(Int64.min), over: 2).description == "-4611686018427387904")
        #expect(ExactPoints(Int128(Int64.max), over: Int128(Int64.min)).description == "-9223372036854775807/9223372036854775808")
    }

    @Test func roundingModeNamesAreTheProgramFileWords() {
        #expect(RoundingMode.allCases.map(\.rawValue) == ["down", "up", "half_up", "half_even"])
    }
}
