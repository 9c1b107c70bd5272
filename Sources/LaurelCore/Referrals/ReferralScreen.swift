import Foundation

/// A member as the referral screen compares them: who they are and what identifies them.
public struct ReferralParty: Hashable, Sendable {
    public var memberId: String
    public var email: String?
    public var attributes: [String: JSONValue]
    /// Blocked referrers bring no rewarded friends.
    public var blocked: Bool
    public init(memberId: String, email: String?, attributes: [String: JSONValue], blocked: Bool = false) {
        self.memberId = memberId
        self.email = email
        self.attributes = attributes
        self.blocked = blocked
    }

    /// The member's phone number: the `phone` attribute.
    public var phone: String? { attributes[ReferralScreen.phoneAttribute]?.textValue }
}

/// Why a referral was refused. The friend still enrols; the referral earns no one anything.
public enum ReferralRefusal: String, Hashable, Sendable, CaseIterable {
    /// The code is the friend's own.
    case selfReferral = "self_referral"
    /// Both have the same email address once normalised.
    case sameEmail = "same_email"
    /// Both have the same phone number once normalised.
    case samePhone = "same_phone"
    /// Both carry the same value of a fingerprint attribute.
    case sharedFingerprint = "shared_fingerprint"
    /// The referrer already brought the most friends the program allows in the period.
    case capReached = "cap_reached"
    /// The referrer is blocked.
    case referrerBlocked = "referrer_blocked"
}

/// The fraud screen of a referral: pure, so the same verdict holds on both databases.
public enum ReferralScreen {
    /// The member attribute read as the phone number.
    public static let phoneAttribute = "phone"

    /// The refusal of `friend` enrolling with `referrer`'s code, or nil when the referral is accepted.
    /// `acceptedInPeriod` counts the referrer's accepted referrals in the cap's current period.
    public static func judge(_ policy: ReferralPolicy, referrer: ReferralParty, friend: ReferralParty,
                             acceptedInPeriod: Int) -> (refusal: ReferralRefusal, detail: String?)? {
        if referrer.memberId == friend.memberId { return (.selfReferral, nil) }
        if let a = referrer.email.flatMap(normalisedEmail), let b = friend.email.flatMap(normalisedEmail), a == b { return (.sameEmail, nil) }
        if let a = referrer.phone.flatMap(normalisedPhone), let b = friend.phone.flatMap(normalisedPhone), a == b { return (.samePhone, nil) }
        for name in policy.fingerprints {
            guard let a = referrer.attributes[name]?.textValue, let b = friend.attributes[name]?.textValue,
                  !a.isEmpty, a.trimmingCharacters(in: .whitespaces).lowercased() == b.trimmingCharacters(in: .whitespaces).lowercased() else { continue }
            return (.sharedFingerprint, name)
        }
        if referrer.blocked { return (.referrerBlocked, nil) }
        if let cap = policy.cap, acceptedInPeriod >= cap.maxReferrals { return (.capReached, nil) }
        return nil
    }

    /// An email address as one mailbox: trimmed, lower-cased, without a `+tag`, and without dots in
    /// the local part at Gmail (which ignores them). Nil when it is not an address.
    public static func normalisedEmail(_ email: String) -> String? {
        let text = email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard let at = text.lastIndex(of: "@") else { return nil }
        var local = String(text[..<at])
        var domain = String(text[text.index(after: at)...])
        if let plus = local.firstIndex(of: "+") { local = String(local[..<plus]) }
        if domain == "googlemail.com" { domain = "gmail.com" }
        if domain == "gmail.com" { local.removeAll { $0 == "." } }
        guard !local.isEmpty, !domain.isEmpty else { return nil }
        return "\(local)@\(domain)"
    }

    /// A phone number as its digits; numbers of 9 digits or more compare by their last 9, so that
    /// `+44 7700 900123` and `07700 900123` are one number. Nil below 6 digits.
    public static func normalisedPhone(_ phone: String) -> String? {
        let digits = phone.filter { $0.isASCII && $0.isNumber }
        guard digits.count >= 6 else { return nil }
        return digits.count >= 9 ? String(digits.suffix(9)) : digits
    }
}

extension JSONValue {
    /// A string or number as text; nil for other values.
    var textValue: String? {
        switch self {
        case .string(let text), .number(let text): text
        default: nil
        }
    }
}
