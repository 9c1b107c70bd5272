import Foundation
import Testing
import LaurelCore

/// The `referrals:` section (read, refused with paths, written back unchanged), the codes, the fraud
/// screen's verdicts and who gets what on each trigger.
struct ReferralPolicyTests {
    static let program = """
        name: Referrals
        currency: EUR
        timezone: Europe/Paris
        points: {pending_days: 14}
        referrals:
          link: "https://brand.example/join?ref={code}"
          fingerprints: [device_id, card_hash]
          cap: {max_referrals: 3, period: month}
          rewards:
            - {id: welcome, on: enrolled, friend: {points: 100}}
            - {id: first, on: first_purchase, min_amount: "20.00", referrer: {points: 500}, friend: {reward: free-coffee}}
            - {id: ongoing, on: purchase, days: 30, max_times: 2, referrer: {points: 10, reward: tote}}
        """

    static func issues(_ section: String) throws -> [String] {
        let error = try #require(throws: ProgramValidationError.self) { try ProgramDefinition.parse("name: R\ncurrency: EUR\nreferrals:\n" + section) }
        return error.issues.map(\.description)
    }

    @Test func readsEveryPart() throws {
        let policy = try #require(try ProgramDefinition.parse(Self.program).referrals)
        #expect(policy.link(for: "7KX2M9QD") == "https://brand.example/join?ref=7KX2M9QD")
        #expect(policy.fingerprints == ["device_id", "card_hash"])
        #expect(policy.cap == ReferralCap(maxReferrals: 3, period: .month))
        #expect(policy.rewards == [
            ReferralReward(id: "welcome", trigger: .enrolled, friend: ReferralGift(points: 100)),
            ReferralReward(id: "first", trigger: .firstPurchase(minAmount: Amount("20")), referrer: ReferralGift(points: 500),
                           friend: ReferralGift(reward: "free-coffee")),
            ReferralReward(id: "ongoing", trigger: .purchases(days: 30, maxTimes: 2, minAmount: nil), referrer: ReferralGift(points: 10, reward: "tote")),
        ])
    }

    @Test func writesBackUnchanged() throws {
        let program = try ProgramDefinition.parse(Self.program)
        #expect(try ProgramDefinition.read(program.canonicalTree) == program)
        #expect(try ProgramDefinition.read(program.canonicalTree).canonicalTree == program.canonicalTree)
    }

    @Test func refusesMistakesWithTheirPaths() throws {
        let found = try Self.issues("""
              link: "https://brand.example/join"
              cap: {max_referrals: 0, period: fortnight}
              rewards:
                - {id: a, on: enrolled, days: 3, friend: {points: 5}}
                - {id: a, on: purchase, referrer: {}}
                - {id: c, on: sometimes}
            """)
        #expect(found.contains { $0.hasPrefix("referrals.link:") && $0.contains("{code}") })
        #expect(found.contains { $0.hasPrefix("referrals.cap.max_referrals:") })
        #expect(found.contains { $0.hasPrefix("referrals.cap.period:") })
        #expect(found.contains { $0.hasPrefix("referrals.rewards[0].days:") && $0.contains("does not apply") })
        #expect(found.contains { $0.hasPrefix("referrals.rewards[1].id:") && $0.contains("duplicate") })
        #expect(found.contains { $0.hasPrefix("referrals.rewards[1].days:") && $0.contains("required") })
        #expect(found.contains { $0.hasPrefix("referrals.rewards[1].referrer:") && $0.contains("needs points, reward or both") })
        #expect(found.contains { $0.hasPrefix("referrals.rewards[2].on:") })
        #expect(found.contains { $0.hasPrefix("referrals.rewards[2]:") && $0.contains("needs referrer, friend or both") })
    }

    @Test func codesAreShortUnambiguousAndStable() {
        let code = ReferralCode.candidate(programId: "prg_1", memberId: "mem_1", attempt: 0)
        #expect(code.count == 8)
        #expect(code.allSatisfy { ReferralCode.alphabet.contains($0) })
        #expect(!code.contains { "ILOU".contains($0) })
        #expect(code == ReferralCode.candidate(programId: "prg_1", memberId: "mem_1", attempt: 0))
        #expect(code != ReferralCode.candidate(programId: "prg_1", memberId: "mem_1", attempt: 1))
        #expect(code != ReferralCode.candidate(programId: "prg_1", memberId: "mem_2", attempt: 0))
        // As a person types it: lower case, dashes, O for 0 and I / L for 1.
        #expect(ReferralCode.normalised("7kx2-m9qd") == "7KX2M9QD")
        #expect(ReferralCode.normalised("O0IL-ABCD") == "0011ABCD")
        #expect(ReferralCode.normalised("7KX2M9Q") == nil)
        #expect(ReferralCode.normalised("7KX2M9QU") == nil)
    }

    static let policy = ReferralPolicy(fingerprints: ["device_id"], cap: ReferralCap(maxReferrals: 2, period: .month))
    static let referrer = ReferralParty(memberId: "mem_a", email: "Ann.Smith+shop@Gmail.com", attributes: ["phone": .string("+44 7700 900123"), "device_id": .string("dev-1")])

    static func verdict(_ friend: ReferralParty, accepted: Int = 0, referrer: ReferralParty = referrer) -> ReferralRefusal? {
        ReferralScreen.judge(policy, referrer: referrer, friend: friend, acceptedInPeriod: accepted)?.refusal
    }

    @Test func screenRefusesSelfReferral() {
        #expect(Self.verdict(Self.referrer) == .selfReferral)
        #expect(Self.verdict(ReferralParty(memberId: "mem_b", email: "annsmith@gmail.com", attributes: [:])) == .sameEmail)
        #expect(Self.verdict(ReferralParty(memberId: "mem_b", email: nil, attributes: ["phone": .string("07700 900123")])) == .samePhone)
        let shared = ReferralScreen.judge(Self.policy, referrer: Self.referrer, friend: ReferralParty(memberId: "mem_b", email: nil, attributes: ["device_id": .string(" DEV-1")]),
                                          acceptedInPeriod: 0)
        #expect(shared?.refusal == .sharedFingerprint && shared?.detail == "device_id")
        // An attribute the program does not name as a fingerprint is not compared.
        #expect(Self.verdict(ReferralParty(memberId: "mem_b", email: "bob@example.com", attributes: ["card_hash": .string("x")]),
                             referrer: ReferralParty(memberId: "mem_a", email: "ann@example.com", attributes: ["card_hash": .string("x")])) == nil)
    }

    @Test func screenCapsReferrersAndBlockedOnes() {
        let friend = ReferralParty(memberId: "mem_b", email: "bob@example.com", attributes: ["device_id": .string("dev-2")])
        #expect(Self.verdict(friend, accepted: 1) == nil)
        #expect(Self.verdict(friend, accepted: 2) == .capReached)
        var blocked = Self.referrer
        blocked.blocked = true
        #expect(Self.verdict(friend, referrer: blocked) == .referrerBlocked)
        let at = Date(timeIntervalSince1970: 1_780_000_000)
        #expect(ReferralCap(maxReferrals: 2, period: .lifetime).start(at: at, calendar: Calendar(identifier: .gregorian)) == nil)
    }

    @Test func normalisesContacts() {
        #expect(ReferralScreen.normalisedEmail(" A.B+x@GoogleMail.com ") == "ab@gmail.com")
        #expect(ReferralScreen.normalisedEmail("a.b@example.com") == "a.b@example.com")
        #expect(ReferralScreen.normalisedEmail("nobody") == nil)
        #expect(ReferralScreen.normalisedPhone("+33 6 12 34 56 78") == ReferralScreen.normalisedPhone("06-12-34-56-78"))
        #expect(ReferralScreen.normalisedPhone("12") == nil)
    }

    @Test func grantsEachTrigger() throws {
        let policy = try #require(try ProgramDefinition.parse(Self.program).referrals)
        let enrolled = Date(timeIntervalSince1970: 1_780_000_000)
        #expect(policy.grantsOnEnrolment(at: enrolled) == [
            ReferralGrant(rewardId: "welcome", trigger: "enrolled", side: .friend, points: 100, reward: nil, availableAt: enrolled),
        ])
        let day = enrolled.addingTimeInterval(86_400)
        let window = day.addingTimeInterval(14 * 86_400)
        // Below the first purchase's minimum: only the ongoing reward.
        let small = policy.grantsOnPurchase(total: Amount("19.99")!, at: day, enrolledAt: enrolled, timesGiven: [:], programPendingDays: 14)
        #expect(small == [ReferralGrant(rewardId: "ongoing", trigger: "purchase", side: .referrer, points: 10, reward: "tote", availableAt: window)])
        let first = policy.grantsOnPurchase(total: Amount("20")!, at: day, enrolledAt: enrolled, timesGiven: ["ongoing": 1], programPendingDays: 14)
        #expect(first.map { "\($0.rewardId)/\($0.side.rawValue)/\($0.points)/\($0.reward ?? "-")" } == ["first/referrer/500/-", "first/friend/0/free-coffee", "ongoing/referrer/10/tote"])
        #expect(first.allSatisfy { $0.availableAt == window })
        // Once given, the first purchase's reward is not given again; the ongoing one stops at its cap and its window.
        #expect(policy.grantsOnPurchase(total: Amount("50")!, at: day, enrolledAt: enrolled, timesGiven: ["first": 1, "ongoing": 2],
                                        programPendingDays: 14).isEmpty)
        #expect(policy.grantsOnPurchase(total: Amount("5")!, at: enrolled.addingTimeInterval(30 * 86_400), enrolledAt: enrolled, timesGiven: ["first": 1],
                                        programPendingDays: 14).isEmpty)
    }
}
