import Foundation
import NIOCore

/// Sign-in attempts, limited per source address and per email with the API's token buckets
/// (`RateLimiter`): guessing one user's password, or many users' from one address, runs at a few
/// tries a minute. Every attempt counts, right or wrong, so the limit says nothing about the answer.
struct SignInLimits: Sendable {
    static let perAddress = RateLimit.perMinute(20)
    static let perEmail = RateLimit.perMinute(5)

    let clock: any WallClock
    let addresses = RateLimiter()
    let emails = RateLimiter()

    /// Nil when the attempt may go ahead; else the refusal (seconds until the next try).
    func refusal(address: SocketAddress?, email: String) -> RateDecision? {
        let now = clock.now()
        let byAddress = addresses.admit(identity: SourceAddress.key(address), limit: Self.perAddress, now: now)
        guard byAddress.admitted else { return byAddress }
        let byEmail = emails.admit(identity: email, limit: Self.perEmail, now: now)
        return byEmail.admitted ? nil : byEmail
    }
}
