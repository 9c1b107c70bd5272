import LaurelCore
import LaurelStore
import Testing

/// A member's points activity from ledger rows: each movement in its figure, maturing in none, and
/// sums past 64 bits held at the maximum rather than trapping the server.
struct PointsActivitySummingTests {
    static let available = "member:m:available", pending = "member:m:pending"

    @Test func movementsLandInTheirFiguresAndNetIsInMinusOut() {
        let activity = PointsActivity.summing([
            ("earn", "issued", Self.pending, 100), ("earn", "issued", Self.available, 50), ("mature", Self.pending, Self.available, 100),
            ("spend", Self.available, "redeemed", 30), ("transfer", "member:other:available", Self.available, 7),
            ("transfer", Self.available, "member:other:available", 5), ("adjust", "adjusted", Self.available, 9),
        ], memberId: "m")
        #expect(activity.earned == 150 && activity.spent == 30 && activity.transferredIn == 7 && activity.transferredOut == 5)
        #expect(activity.adjustedIn == 9 && activity.net == 150 - 30 + 7 - 5 + 9)
    }

    @Test func hugeSumsSaturateInsteadOfTrapping() {
        let activity = PointsActivity.summing([("earn", "issued", Self.pending, Int.max), ("earn", "issued", Self.available, Int.max),
                                               ("spend", Self.available, "redeemed", Int.max), ("expire", Self.pending, "expired", Int.max)],
                                              memberId: "m")
        #expect(activity.earned == .max)
        #expect(activity.net == 0, "both sides held at Int.max")
    }
}
