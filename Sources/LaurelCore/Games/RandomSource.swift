import Synchronization

/// The random source games draw from, shared by concurrent requests: the system's
/// cryptographically secure generator live, a seeded one in tests (so a draw can be replayed).
public final class RandomSource: RandomNumberGenerator, Sendable {
    private let generator: Mutex<any RandomNumberGenerator & Sendable>

    public init(_ generator: some RandomNumberGenerator & Sendable) { self.generator = Mutex(generator) }

    /// `SystemRandomNumberGenerator`: what the server uses.
    public static func system() -> RandomSource { RandomSource(SystemRandomNumberGenerator()) }

    public func next() -> UInt64 { generator.withLock { $0.next() } }
}
