/// How fast one caller may go: a bucket of `burst` requests that refills at `perSecond`.
/// A caller at rest can send `burst` requests at once, then `perSecond` on average.
public struct RateLimit: Hashable, Sendable {
    public var perSecond: Double
    public var burst: Int

    public init(perSecond: Double, burst: Int) {
        precondition(perSecond > 0 && burst >= 1, "a rate limit needs a positive rate and a burst of at least one")
        self.perSecond = perSecond
        self.burst = burst
    }

    /// `count` requests per second, with a burst of one second's worth (an API key's or member's limit).
    public static func perSecond(_ count: Int) -> RateLimit { RateLimit(perSecond: Double(count), burst: count) }

    /// `count` requests per minute, all of them available at once (failed authentications).
    public static func perMinute(_ count: Int) -> RateLimit { RateLimit(perSecond: Double(count) / 60, burst: count) }
}
