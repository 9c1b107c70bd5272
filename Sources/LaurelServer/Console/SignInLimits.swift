import Foundation
import NIOCore

/// Sign-in attempts, limited per source address and per email with the API's token buckets
/// (`RateLimiter`): guessing one user's password, or many users' from one address, runs at a few
/// tries a minute. Every attempt counts, right or wrong, so the limit says nothing about the answer.
/// The rates are `serve`'s `--staff-sign-in-limit` and `--staff-sign-in-address-limit` (per minute;
/// 0 turns one off).
struct SignInLimits: Sendable {
    let clock: any WallClock
    let perAddress: RateLimit?
    let perEmail: RateLimit?
    let addresses = RateLimiter()
    let emails = RateLimiter()

    init(clock: any WallClock, settings: RateLimitSettings = .defaults) {
        self.clock = clock
        perAddress = settings.staffSignInsPerMinutePerAddress.map { RateLimit.perMinute($0) }
        perEmail = settings.staffSignInsPerMinute.map { RateLimit.perMinute($0) }
    }

    /// Nil when the attempt may go ahead; else the refusal (seconds until the next try).
    func refusal(address: SocketAddress?, email: String) -> RateDecision? {
        let now = clock.now()
        if let perAddress {
            let byAddress = addresses.admit(identity: SourceAddress.key(address), limit: perAddress, now: now)
            guard byAddress.admitted else { return byAddress }
        }
        guard let perEmail else { return nil }
        let byEmail = emails.admit(identity: email, limit: perEmail, now: now)
        return byEmail.admitted ? nil : byEmail
    }
}
