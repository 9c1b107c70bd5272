import Foundation
import Synchronization

/// Token buckets by caller identity (an API key id, a member token's subject, a source address), in
/// this process's memory. Each node counts on its own: behind N nodes a caller gets up to N times
/// the limit (docs/security.md says what to do about it).
///
/// Memory stays bounded: a bucket that has refilled is the same as no bucket, so idle ones are
/// forgotten every `sweepSeconds`; past `maxBuckets` (many callers at once, e.g. spoofed addresses)
/// the least recently used are forgotten too, which can only give those callers a full bucket again.
/// Buckets are spread over shards with a lock each, so concurrent requests rarely wait for one another.
public final class RateLimiter: Sendable {
    public static let defaultMaxBuckets = 100_000
    static let shardCount = 16
    static let sweepSeconds = 10.0

    private let shards: [Shard]
    private let maxPerShard: Int
    private let count = Atomic<Int>(0)

    public init(maxBuckets: Int = defaultMaxBuckets) {
        shards = (0..<Self.shardCount).map { _ in Shard() }
        maxPerShard = max(1, maxBuckets / Self.shardCount)
    }

    /// Takes a token from `identity`'s bucket under `limit` at `now`.
    public func admit(identity: String, limit: RateLimit, now: Date) -> RateDecision {
        let time = now.timeIntervalSinceReferenceDate
        let shard = shards[Int(UInt(bitPattern: identity.hashValue) % UInt(Self.shardCount))]
        let (decision, change) = shard.state.withLock { state -> (RateDecision, Int) in
            var change = 0
            if time - state.sweptAt >= Self.sweepSeconds || state.buckets.count >= maxPerShard {
                change += state.sweep(at: time, keeping: maxPerShard - 1)
            }
            // New, or forgotten by the sweep (a full bucket, or the least recently used past the bound): a full bucket.
            var entry = state.buckets[identity] ?? Shard.Entry(bucket: TokenBucket(full: limit, at: time), limit: limit)
            if state.buckets[identity] == nil { change += 1 }
            let decision = entry.take(at: time, limit: limit)
            state.buckets[identity] = entry
            return (decision, change)
        }
        if change != 0 { count.add(change, ordering: .relaxed) }
        return decision
    }

    /// Whether `identity` would be refused now, without taking a token; false when it has no bucket.
    /// Cheap when nobody is tracked at all (the usual state of the failed-authentication limiter).
    public func isExhausted(identity: String, now: Date) -> Bool {
        guard count.load(ordering: .relaxed) > 0 else { return false }
        let shard = shards[Int(UInt(bitPattern: identity.hashValue) % UInt(Self.shardCount))]
        return shard.state.withLock { state in
            guard let entry = state.buckets[identity] else { return false }
            return entry.bucket.tokens(at: now.timeIntervalSinceReferenceDate, limit: entry.limit) < 1
        }
    }

    /// Buckets held now, across shards (for tests and metrics).
    public var bucketCount: Int { count.load(ordering: .relaxed) }

    private final class Shard: Sendable {
        struct Entry {
            var bucket: TokenBucket
            var limit: RateLimit
            mutating func take(at time: Double, limit: RateLimit) -> RateDecision {
                self.limit = limit
                return bucket.take(at: time, limit: limit)
            }
        }

        struct State {
            var buckets: [String: Entry] = [:]
            var sweptAt = -Double.infinity

            /// Forgets full buckets, then, when more than `keeping` are left, the least recently used down to three
            /// quarters of it (so that a flood of new callers pays for a sort once per quarter, not per request);
            /// returns the change in count (≤ 0).
            mutating func sweep(at time: Double, keeping: Int) -> Int {
                let before = buckets.count
                if time - sweptAt >= RateLimiter.sweepSeconds || before > keeping {
                    buckets = buckets.filter { !$0.value.bucket.isFull(at: time, limit: $0.value.limit) }
                    sweptAt = time
                }
                if buckets.count > keeping {
                    let excess = buckets.count - keeping * 3 / 4
                    for (identity, _) in buckets.sorted(by: { $0.value.bucket.updatedAt < $1.value.bucket.updatedAt }).prefix(excess) {
                        buckets[identity] = nil
                    }
                }
                return buckets.count - before
            }
        }

        let state = Mutex(State())
    }
}
