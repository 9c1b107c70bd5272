/// A small deterministic random number generator (SplitMix64), so a seeded workload replays exactly.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension SplitMix64 {
    /// A uniformly drawn integer of `range`.
    public mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }

    /// An integer below `bound`, by remainder: cheap, and stable for checksums recorded with it.
    public mutating func int(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// Characters JSON text must escape or must not mangle (quote, backslash, controls, slash,
    /// multi-byte letters, an emoji), for tests that compare a JSON writer with Foundation's.
    public static let awkwardText = ["a", "Z", "/", "\"", "\\", "\n", "\t", "\u{1}", "×", "é", "😀", " "]

    /// Fewer than `count` pieces drawn from `pieces`, joined.
    public mutating func text(from pieces: [String], fewerThan count: Int = 6) -> String {
        (0..<int(count)).map { _ in pieces[int(pieces.count)] }.joined()
    }
}
