import Foundation
import LaurelCore
@testable import LaurelServer
import Testing

/// What the member page and the portal say about the way to the next tier: a member with no tier
/// whose first tier needs nothing more is told their next activity gets them there, never
/// "0 points more to reach Green".
struct TierProgressTextTests {
    static let policy = TierPolicy(basis: .pointsEarned, levels: [
        TierLevel(id: "green", name: "Green", threshold: Amount(integer: 0)),
        TierLevel(id: "silver", name: "Silver", threshold: Amount(integer: 500)),
    ])

    static func progress(tier: String?, basis: Int) -> TierProgress {
        TierQualification(policy: policy, calendar: Calendar(identifier: .gregorian))
            .progress(MemberTier(tierId: tier), basis: Amount(integer: basis), now: Date(timeIntervalSince1970: 0))
    }

    @Test func noTierAndAFirstTierFromZeroSaysTheNextActivity() {
        let locale = WebLocale.named("en")
        let console = MemberPages.tierView(Self.progress(tier: nil, basis: 0), locale: locale, zone: .gmt, currency: "EUR")
        #expect(console["tier_progress"] as? String == "Reaches Green with their next activity")
        let portal = PortalTierJourney(policy: Self.policy, progress: Self.progress(tier: nil, basis: 0), locale: locale, currency: "EUR", timeZone: .gmt)
        #expect(portal?.detail == "Your next purchase or activity puts you in Green")
        #expect(portal?.headline == locale["portal_tier_none"])
    }

    @Test func pointsStillMissingAreCountedInTheLanguage() {
        let console = MemberPages.tierView(Self.progress(tier: "green", basis: 499), locale: .named("en"), zone: .gmt, currency: "EUR")
        #expect(console["tier_progress"] as? String == "1 point more to reach Silver")
        let uk = MemberPages.tierView(Self.progress(tier: "green", basis: 478), locale: .named("uk"), zone: .gmt, currency: "EUR")
        #expect((uk["tier_progress"] as? String)?.contains("22 бали") == true, "\(uk)")
        let portal = PortalTierJourney(policy: Self.policy, progress: Self.progress(tier: "green", basis: 300), locale: .named("en"), currency: "EUR",
                                       timeZone: .gmt)
        #expect(portal?.detail == "200 points to go to Silver")
    }
}
