import Foundation
@testable import LaurelServer
import NIOCore
import Testing

/// The token bucket's arithmetic, the limiter's memory bound, and how source addresses are keyed.
struct TokenBucketTests {
    @Test func aFullBucketAdmitsItsBurstThenRefusesUntilTokensComeBack() {
        let limit = RateLimit(perSecond: 2, burst: 3)
        var bucket = TokenBucket(full: limit, at: 100)
        let first = (0..<3).map { _ in bucket.take(at: 100, limit: limit) }
        #expect(first.map(\.admitted) == [true, true, true])
        #expect(first.map(\.remaining) == [2, 1, 0])
        #expect(first.map(\.limit) == [3, 3, 3])
        let refused = bucket.take(at: 100, limit: limit)
        #expect(!refused.admitted && refused.remaining == 0)
        #expect(refused.retryAfter == 1, "half a second to the next token, rounded up")
        #expect(refused.reset == 2, "1.5 s to a full bucket, rounded up")
        #expect(bucket.take(at: 100.4, limit: limit).admitted == false)
        #expect(bucket.take(at: 100.5, limit: limit).admitted, "one token after half a second")
        #expect(bucket.isFull(at: 102, limit: limit))
        let later = bucket.take(at: 1_000, limit: limit)
        #expect(later.admitted && later.remaining == 2, "refills to the burst, never above it")
    }

    @Test func aFailedAuthenticationLimitRefillsOverAMinute() {
        let limit = RateLimit.perMinute(10)
        var bucket = TokenBucket(full: limit, at: 0)
        for _ in 0..<10 { #expect(bucket.take(at: 0, limit: limit).admitted) }
        let refused = bucket.take(at: 0, limit: limit)
        #expect(!refused.admitted && refused.retryAfter == 6 && refused.reset == 60)
        #expect(bucket.take(at: 6, limit: limit).admitted)
    }

    @Test func idleBucketsAreForgottenAndTheCountStaysBounded() {
        let limiter = RateLimiter(maxBuckets: 160)
        let limit = RateLimit.perSecond(1)
        let start = Date(timeIntervalSinceReferenceDate: 0)
        for index in 0..<1_000 { _ = limiter.admit(identity: "caller-\(index)", limit: limit, now: start) }
        #expect(limiter.bucketCount <= 160, "\(limiter.bucketCount) buckets")
        // Without the bound, buckets that refilled are swept by the next admissions in their shard (400 new
        // callers reach all 16 shards but with a chance of about 1e-10).
        let roomy = RateLimiter()
        for index in 0..<1_000 { _ = roomy.admit(identity: "caller-\(index)", limit: limit, now: start) }
        #expect(roomy.bucketCount == 1_000)
        for index in 0..<400 { _ = roomy.admit(identity: "later-\(index)", limit: limit, now: start.addingTimeInterval(60)) }
        #expect(roomy.bucketCount == 400, "\(roomy.bucketCount) buckets")
        // An empty bucket is remembered while it refills.
        let busy = RateLimiter()
        #expect(busy.admit(identity: "a", limit: limit, now: start).admitted)
        #expect(!busy.admit(identity: "a", limit: limit, now: start).admitted)
        #expect(busy.isExhausted(identity: "a", now: start))
        #expect(!busy.isExhausted(identity: "a", now: start.addingTimeInterval(1)))
        #expect(!busy.isExhausted(identity: "b", now: start))
    }

    @Test func addressesAreKeyedByIPv4AndIPv6Slash64() throws {
        #expect(SourceAddress.key(try SocketAddress(ipAddress: "203.0.113.7", port: 1)) == "203.0.113.7")
        let one = SourceAddress.key(try SocketAddress(ipAddress: "2001:db8:1:2:aaaa::1", port: 1))
        let sameSubnet = SourceAddress.key(try SocketAddress(ipAddress: "2001:db8:1:2:bbbb::9", port: 2))
        let otherSubnet = SourceAddress.key(try SocketAddress(ipAddress: "2001:db8:1:3::1", port: 1))
        #expect(one == sameSubnet && one != otherSubnet && one == "20010db800010002::/64")
        #expect(SourceAddress.key(try SocketAddress(ipAddress: "::ffff:198.51.100.4", port: 1)) == "198.51.100.4")
        #expect(SourceAddress.key(nil) == "unknown")
    }
}
