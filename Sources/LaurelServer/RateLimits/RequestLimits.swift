import Foundation
import HTTPTypes
import Hummingbird
import LaurelStore
import NIOCore

/// The rate limits the HTTP API applies, each with its own buckets: per API key, per member token,
/// per source address on the routes that need no key, failed authentications per source address,
/// and portal sign-in codes asked for, per sign-in name and per source address.
public final class RequestLimits: Sendable {
    public let settings: RateLimitSettings
    let clock: any WallClock
    public let keys = RateLimiter()
    public let members = RateLimiter()
    public let addresses = RateLimiter()
    public let failedAuthentications = RateLimiter()
    public let signInCodes = RateLimiter()

    public init(settings: RateLimitSettings, clock: any WallClock) {
        self.settings = settings
        self.clock = clock
    }

    /// Called once a request's API key is known: refuses an address locked out by failed
    /// authentications (so a guessed key is worth nothing there), then takes a token from the key's
    /// bucket (its own limit, else the server's). Nil when the key is not limited.
    func admit(key: APIKeyRecord, from address: SocketAddress?) throws -> RateDecision? {
        try refuseLockedOut(address)
        guard let perSecond = key.rateLimit ?? settings.perKey else { return nil }
        return try Self.require(keys.admit(identity: key.id, limit: .perSecond(perSecond), now: clock.now()),
                                "this API key sent more than \(perSecond) requests per second")
    }

    /// A member token's bucket, by the token's subject (`identity`, e.g. `prg_…/mem_…`). For the
    /// member-token authentication to call once it knows the member; nil when members are not limited.
    public func admit(memberIdentity identity: String, from address: SocketAddress?) throws -> RateDecision? {
        try refuseLockedOut(address)
        guard let perSecond = settings.perMember else { return nil }
        return try Self.require(members.admit(identity: identity, limit: .perSecond(perSecond), now: clock.now()),
                                "this member token sent more than \(perSecond) requests per second")
    }

    /// A request to a route that needs no key, by source address.
    func admitPublic(from address: SocketAddress?) throws -> RateDecision? {
        guard let perSecond = settings.perAddress else { return nil }
        return try Self.require(addresses.admit(identity: SourceAddress.key(address), limit: .perSecond(perSecond), now: clock.now()),
                                "this address sent more than \(perSecond) requests per second")
    }

    /// Counts a failed authentication against the address: the original 401 while the address has
    /// attempts left, a 429 once it has none.
    func failedAuthentication(_ problem: Problem, from address: SocketAddress?) -> any Error {
        guard let perMinute = settings.failedAuthenticationsPerMinute else { return problem }
        let decision = failedAuthentications.admit(identity: SourceAddress.key(address), limit: .perMinute(perMinute), now: clock.now())
        return decision.admitted ? problem : RateLimitExceeded(decision: decision, detail: Self.lockedOut(perMinute))
    }

    func refuseLockedOut(_ address: SocketAddress?) throws {
        guard let perMinute = settings.failedAuthenticationsPerMinute,
              failedAuthentications.bucketCount > 0 else { return }
        let identity = SourceAddress.key(address)
        let now = clock.now()
        guard failedAuthentications.isExhausted(identity: identity, now: now) else { return }
        // Taking a token from an empty bucket admits nothing; it only reports when the next one comes.
        let decision = failedAuthentications.admit(identity: identity, limit: .perMinute(perMinute), now: now)
        if !decision.admitted { throw RateLimitExceeded(decision: decision, detail: Self.lockedOut(perMinute)) }
    }

    private static func lockedOut(_ perMinute: Int) -> String {
        "more than \(perMinute) failed authentications per minute came from this address; it is refused until the limit refills"
    }

    private static func require(_ decision: RateDecision, _ detail: @autoclosure () -> String) throws -> RateDecision {
        guard decision.admitted else { throw RateLimitExceeded(decision: decision, detail: detail()) }
        return decision
    }
}

/// A request over its limit: 429 with `Retry-After` and the `RateLimit-*` headers.
struct RateLimitExceeded: Error {
    let decision: RateDecision
    let detail: String

    var response: Response {
        var response = Problem(.tooManyRequests, "rate_limited", detail).response
        decision.addHeaders(to: &response.headers)
        return response
    }
}

extension RateDecision {
    static let limitHeader = HTTPField.Name("RateLimit-Limit")!
    static let remainingHeader = HTTPField.Name("RateLimit-Remaining")!
    static let resetHeader = HTTPField.Name("RateLimit-Reset")!

    /// `RateLimit-Limit`, `-Remaining`, `-Reset`, and `Retry-After` when the request was refused.
    func addHeaders(to headers: inout HTTPFields) {
        headers[Self.limitHeader] = String(limit)
        headers[Self.remainingHeader] = String(remaining)
        headers[Self.resetHeader] = String(reset)
        if !admitted { headers[.retryAfter] = String(retryAfter) }
    }
}
