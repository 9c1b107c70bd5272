import Foundation
@testable import LaurelCore
@testable import LaurelServer
@testable import LaurelStore
import LaurelTestSupport
import Testing

/// A member's view is written by `MemberView.jsonData` instead of `JSONEncoder`: it must give the
/// same bytes as `APIJSON.encode` for every shape (tier or none, clubs, dated points, attributes).
struct MemberViewJSONTests {
    @Test(arguments: 1...300)
    func viewsWriteAsTheEncoderWrites(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        func text() -> String { random.text(from: SplitMix64.awkwardText + ["gold", "0.5"]) }
        func maybe<T>(_ value: @autoclosure () -> T) -> T? { random.int(2) == 0 ? value() : nil }
        func amount() -> Amount { Amount("\(random.int(100_000)).\(random.int(100))")! }
        func date() -> Date { Date(timeIntervalSince1970: Double(1_700_000_000 + random.int(100_000_000))) }
        func level() -> TierLevel {
            TierLevel(id: text(), name: text(), threshold: amount(),
                      benefits: TierBenefits(earningMultiplier: maybe(amount()), bonusPoints: random.int(500), discountPercent: maybe(amount()),
                                             perks: (0..<random.int(3)).map { _ in text() }))
        }
        let member = MemberRecord(id: text(), programId: "p", externalId: text(), email: maybe(text()), name: maybe(text()), birthday: maybe(text()),
                                  attributes: random.int(2) == 0 ? [:] : ["city": .string(text()), "visits": .number("\(random.int(99))"),
                                                                          "tags": .array([.bool(true), .null])],
                                  status: random.int(2) == 0 ? .active : .blocked, available: random.int(10_000) - 100, pending: random.int(900),
                                  debt: random.int(50), lifetimeEarned: random.int(100_000), tier: MemberTier(tierId: maybe(text())),
                                  createdAt: date(), updatedAt: date())
        var view = MemberView(member)
        if random.int(2) == 0 {
            let progress = TierProgress(tier: maybe(level()), since: maybe(date()), basis: amount(),
                                        basisName: random.int(2) == 0 ? .amountSpent : .pointsEarned, nextTier: maybe(level()),
                                        toNextTier: maybe(amount()), toKeepTier: maybe(amount()), keepBy: maybe(date()), floor: maybe(level()),
                                        floorUntil: maybe(date()))
            var summary = PointsSummary(member: member, ledger: MemberLedger(memberId: member.id), now: date(), expiringWithin: 0, tier: maybe(progress))
            summary.pendingLots = (0..<random.int(3)).map { _ in PointsSummary.Expiring(date: date(), points: random.int(500)) }
            summary.expiring = (0..<random.int(3)).map { _ in PointsSummary.Expiring(date: date(), points: random.int(500)) }
            summary.clubs = (0..<random.int(3)).map { _ in
                ClubMembershipRecord(programId: "p", clubId: text(), memberId: member.id, via: .allCases[random.int(4)], invitedBy: maybe(text()),
                                     status: random.int(2) == 0 ? .active : .ended, joinedAt: date(), expiresAt: maybe(date()), endedAt: maybe(date()))
            }
            view = MemberView(member, summary: summary)
        }
        #expect(String(decoding: try view.jsonData(), as: UTF8.self) == String(decoding: try APIJSON.encode(view), as: UTF8.self))
    }
}
