import Foundation
import NIOCore

extension RequestLimits {
    /// A portal sign-in code asked for `name` (normalised by the caller) of a program: one token from
    /// the name's bucket and one from the address's. Refused names and addresses answer 429 whether
    /// the name belongs to a member or not.
    func admitSignInCode(program: String, name: String, from address: SocketAddress?) throws {
        guard let perHour = settings.signInCodesPerHour else { return }
        let now = clock.now()
        let limit = RateLimit(perSecond: Double(perHour) / 3600, burst: perHour)
        let byName = signInCodes.admit(identity: "name:\(program)/\(name)", limit: limit, now: now)
        guard byName.admitted else {
            throw RateLimitExceeded(decision: byName, detail: "more than \(perHour) sign-in codes per hour were asked for this name")
        }
        let byAddress = signInCodes.admit(identity: "address:\(SourceAddress.key(address))",
                                          limit: RateLimit(perSecond: Double(perHour) / 360, burst: perHour * 10), now: now)
        guard byAddress.admitted else {
            throw RateLimitExceeded(decision: byAddress, detail: "more than \(perHour * 10) sign-in codes per hour were asked from this address")
        }
    }

    /// A sign-in code tried: refused (429) while the address is locked out by failed authentications.
    func admitSignInCodeTry(from address: SocketAddress?) throws {
        try refuseLockedOut(address)
    }

    /// A sign-in code that did not sign in counts as a failed authentication of its address.
    func failedSignInCode(from address: SocketAddress?) {
        guard let perMinute = settings.failedAuthenticationsPerMinute else { return }
        _ = failedAuthentications.admit(identity: SourceAddress.key(address), limit: .perMinute(perMinute), now: clock.now())
    }
}
