/// One caller's token bucket. Pure arithmetic on a time in seconds, so it is tested without a clock.
/// A bucket starts full; each request takes a token; tokens come back at the limit's rate up to its burst.
struct TokenBucket: Sendable {
    private(set) var tokens: Double
    private(set) var updatedAt: Double

    init(full limit: RateLimit, at now: Double) {
        tokens = Double(limit.burst)
        updatedAt = now
    }

    /// Tokens at `now` (refilled since the last update, never above the burst).
    func tokens(at now: Double, limit: RateLimit) -> Double {
        min(Double(limit.burst), tokens + max(0, now - updatedAt) * limit.perSecond)
    }

    /// Takes one token if there is one; either way says what is left and when to come back.
    mutating func take(at now: Double, limit: RateLimit) -> RateDecision {
        tokens = tokens(at: now, limit: limit)
        updatedAt = max(updatedAt, now)
        let admitted = tokens >= 1
        if admitted { tokens -= 1 }
        return RateDecision(admitted: admitted, limit: limit.burst, remaining: Int(tokens.rounded(.down)),
                            retryAfter: admitted ? 0 : Self.seconds((1 - tokens) / limit.perSecond),
                            reset: Self.seconds((Double(limit.burst) - tokens) / limit.perSecond))
    }

    /// True when the bucket has refilled completely by `now`: forgetting it changes nothing.
    func isFull(at now: Double, limit: RateLimit) -> Bool { tokens(at: now, limit: limit) >= Double(limit.burst) }

    /// Whole seconds, rounded up (headers carry integers; rounding down would invite a retry too early).
    static func seconds(_ value: Double) -> Int { value <= 0 ? 0 : Int(min(value, 86_400).rounded(.up)) }
}

/// The answer of a bucket to one request, with what the `RateLimit-*` and `Retry-After` headers say.
public struct RateDecision: Hashable, Sendable {
    public var admitted: Bool
    /// The burst: requests a caller at rest may send at once (`RateLimit-Limit`).
    public var limit: Int
    /// Whole tokens left after this request (`RateLimit-Remaining`).
    public var remaining: Int
    /// Seconds until the next request would be admitted; 0 when this one was (`Retry-After`).
    public var retryAfter: Int
    /// Seconds until the bucket is full again (`RateLimit-Reset`).
    public var reset: Int
}
