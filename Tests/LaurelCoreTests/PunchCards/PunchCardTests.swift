import Foundation
import Testing
import LaurelCore

/// The `punch_cards:` section and a card's progress: stamps, completion and restart, expiry, returns.
struct PunchCardTests {
    static let program = """
        name: Coffee
        currency: EUR
        punch_cards:
          - id: coffee
            name: Every 10th coffee free
            stamps: 10
            products: {categories: [coffee]}
            min_amount: "2.00"
            stamp_expiry_days: 90
            reward: free-coffee
            on_return: revoke
          - {id: visits, stamps: 5, points: 200, on_return: keep}
        """

    @Test func readsAndWritesBack() throws {
        let program = try ProgramDefinition.parse(Self.program)
        #expect(program.punchCards == [
            PunchCard(id: "coffee", name: "Every 10th coffee free", stamps: 10, products: LineFilter(categories: ["coffee"]), minAmount: Amount("2"),
                      stampExpiryDays: 90, reward: "free-coffee", onReturn: .revoke),
            PunchCard(id: "visits", name: "visits", stamps: 5, points: 200, onReturn: .keep),
        ])
        #expect(try ProgramDefinition.read(program.canonicalTree) == program)
    }

    @Test func refusesMistakesWithTheirPaths() throws {
        let error = try #require(throws: ProgramValidationError.self) {
            try ProgramDefinition.parse("""
                name: C
                currency: EUR
                punch_cards:
                  - {id: a, stamps: 0, points: 1}
                  - {id: a, stamps: 3, reward: r, on_return: maybe}
                  - {id: b, stamps: 3, products: {}}
                """)
        }
        let found = error.issues.map(\.description)
        #expect(found.contains { $0.hasPrefix("punch_cards[0].stamps:") })
        #expect(found.contains { $0.hasPrefix("punch_cards[1].on_return:") })
        #expect(found.contains { $0.hasPrefix("punch_cards[2].products:") })
        #expect(found.contains { $0.hasPrefix("punch_cards[2]:") && $0.contains("needs points, reward or both") })
    }

    static let card = PunchCard(id: "coffee", name: "Coffee", stamps: 10, products: LineFilter(categories: ["coffee"]), minAmount: Amount("2"),
                                stampExpiryDays: 90, reward: "free-coffee")

    @Test func qualifyingPurchases() {
        let coffee = PurchaseLine(sku: "ESP", category: "coffee", unitPrice: Amount("2.50")!)
        let cake = PurchaseLine(sku: "CAKE", category: "cake", unitPrice: Amount("4")!)
        #expect(Self.card.qualifies(Purchase(currency: "EUR", lines: [coffee])))
        #expect(Self.card.qualifies(Purchase(currency: "EUR", lines: [cake, coffee])))
        #expect(!Self.card.qualifies(Purchase(currency: "EUR", lines: [cake])))
        #expect(!Self.card.qualifies(Purchase(currency: "EUR", total: Amount("1.50"), lines: [coffee])))
    }

    static func stamp(_ index: Int, at start: Date) -> PunchStamp {
        let at = start.addingTimeInterval(Double(index) * 3_600)
        return PunchStamp(id: "pst_\(index)", stampedAt: at, expiresAt: card.expiry(stampedAt: at))
    }

    @Test func completesOnTheTenthStampAndRestarts() {
        let start = Date(timeIntervalSince1970: 1_780_000_000)
        var progress = PunchCardProgress(card: Self.card, open: [], now: start)
        for index in 0..<9 { #expect(progress.add(Self.stamp(index, at: start)) == nil) }
        #expect(progress.count == 9)
        let spent = progress.add(Self.stamp(9, at: start))
        #expect(spent?.map(\.id) == (0..<10).map { "pst_\($0)" })
        #expect(progress.count == 0)
        #expect(progress.add(Self.stamp(10, at: start)) == nil && progress.count == 1)
    }

    @Test func expiredStampsLeaveTheCard() {
        let start = Date(timeIntervalSince1970: 1_780_000_000)
        let stamps = (0..<3).map { Self.stamp($0, at: start) }
        #expect(PunchCardProgress(card: Self.card, open: stamps, now: start.addingTimeInterval(89 * 86_400)).count == 3)
        let later = PunchCardProgress(card: Self.card, open: stamps, now: start.addingTimeInterval(90 * 86_400 + 3_600))
        #expect(later.count == 1 && later.stamps.map(\.id) == ["pst_2"])
        #expect(later.nextExpiry == stamps[2].expiresAt)
    }

    @Test func returnPlanFollowsThePolicy() {
        var keep = Self.card
        keep.onReturn = .keep
        let none = PunchCardReturnPlan(revokeCompletion: false, takeBackPoints: 0, cancelReward: false)
        #expect(PunchCardReturnPlan.plan(card: keep, openStamps: 0, completionPoints: 100, pointsLeft: 100, rewardUnused: true) == none)
        #expect(PunchCardReturnPlan.plan(card: nil, openStamps: 0, completionPoints: 100, pointsLeft: 100, rewardUnused: true) == none)
        #expect(PunchCardReturnPlan.plan(card: Self.card, openStamps: 0, completionPoints: 100, pointsLeft: 100, rewardUnused: true)
                == PunchCardReturnPlan(revokeCompletion: true, takeBackPoints: 100, cancelReward: true))
        // Points partly spent and a reward already used are kept.
        #expect(PunchCardReturnPlan.plan(card: Self.card, openStamps: 0, completionPoints: 100, pointsLeft: 40, rewardUnused: false)
                == PunchCardReturnPlan(revokeCompletion: true, takeBackPoints: 0, cancelReward: false))
        // An open stamp takes the returned one's place: the card was still earned.
        #expect(PunchCardReturnPlan.plan(card: Self.card, openStamps: 2, completionPoints: 100, pointsLeft: 100, rewardUnused: true)
                == PunchCardReturnPlan(substitute: true, revokeCompletion: false, takeBackPoints: 0, cancelReward: false))
    }
}
