/// The server-wide limits, from `laurel serve`'s flags; nil turns a limit off.
///
/// The defaults are a ceiling against a runaway or abusive caller, sized above what this project's own
/// benchmark sends on one key and one address from loopback (thousands of requests per second); a
/// public deployment should lower the per-address and per-key ones (docs/operations.md). Failed
/// authentications are limited hard by default: a caller that knows a key never needs many.
public struct RateLimitSettings: Hashable, Sendable {
    /// Requests per second for an API key that sets no limit of its own.
    public var perKey: Int?
    /// Requests per second for one member token's subject.
    public var perMember: Int?
    /// Requests per second from one source address to the routes that need no key (`/healthz`, `/openapi.json`).
    public var perAddress: Int?
    /// Failed authentications (401) per minute from one source address; past it, every request from
    /// the address that carries credentials answers 429 until the bucket refills.
    public var failedAuthenticationsPerMinute: Int?
    /// Portal sign-in codes asked for per hour for one sign-in name (email or external id, known or
    /// not, so that the limit tells nothing about who is a member); ten times as many per source address.
    public var signInCodesPerHour: Int?
    /// Console sign-in attempts per minute for one email (right or wrong, known or not).
    public var staffSignInsPerMinute: Int?
    /// Console sign-in attempts per minute from one source address (any emails).
    public var staffSignInsPerMinutePerAddress: Int?

    public init(perKey: Int? = 20_000, perMember: Int? = 50, perAddress: Int? = 20_000, failedAuthenticationsPerMinute: Int? = 10,
                signInCodesPerHour: Int? = 5, staffSignInsPerMinute: Int? = 5, staffSignInsPerMinutePerAddress: Int? = 20) {
        self.staffSignInsPerMinute = staffSignInsPerMinute
        self.staffSignInsPerMinutePerAddress = staffSignInsPerMinutePerAddress
        self.perKey = perKey
        self.perMember = perMember
        self.perAddress = perAddress
        self.failedAuthenticationsPerMinute = failedAuthenticationsPerMinute
        self.signInCodesPerHour = signInCodesPerHour
    }

    public static let defaults = RateLimitSettings()
    /// No limits at all (a private deployment behind its own gateway).
    public static let off = RateLimitSettings(perKey: nil, perMember: nil, perAddress: nil, failedAuthenticationsPerMinute: nil,
                                               signInCodesPerHour: nil, staffSignInsPerMinute: nil, staffSignInsPerMinutePerAddress: nil)

    /// The highest per-second limit a key or flag may set (a bucket is a `Double`; this keeps headers readable).
    public static let maxPerSecond = 1_000_000
}
