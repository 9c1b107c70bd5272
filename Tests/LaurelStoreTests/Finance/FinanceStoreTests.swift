import Foundation
import LaurelCore
import LaurelStore
import Testing

/// The finance reports on a seeded history whose issue, redemption and expiry cohorts are known,
/// walked month by month with the store's `now:` and the expiry job, on both databases. Every
/// figure below is worked out by hand in the comments, not by the code under test.
struct FinanceStoreTests {
    /// One point per euro, points expire at the end of the month after the one they were earned
    /// (a January point at the midnight starting 1 March), a point is worth 0.05 EUR.
    static let program = """
        name: Finance tests
        currency: EUR
        point_value: "0.05"
        points:
          expiry: {policy: end_of_month, months_after: 1}
        earning_rules:
          - id: spend
            event: purchase
            effect: {type: points_per_amount, points: 1, per: 1}
        """

    static func at(_ text: String) -> Date { Timestamps.parse(text)! }

    /// January: Ana earns 400, Ben 200 (lots expire 1 March).
    /// February: Ana redeems 300; Ben earns 100 (expires 1 April) and redeems 150 (from his January lot).
    /// 1 March: Ana's 100 and Ben's 50 left of January expire (150).
    /// March: Ana earns 120 (expires 1 May) and returns 30 of it; Ben is credited 20 by staff
    ///        (expires 1 May) and redeems 110 (his February 100, then 10 of the credit).
    /// April: Ana redeems 60 and the redemption is cancelled (back to her March lot); Ben is debited
    ///        10 (the rest of his credit); Ana redeems 40.
    /// 1 May: Ana's 50 left of March expire.
    static func history(_ backend: StoreBackend) async throws -> StoreFixture {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let store = fixture.store, program = fixture.programId
        let definition = try #require(try await store.programVersion(programId: program, version: nil)).definition
        for cost in [300, 150, 110, 60, 40] {
            let json = #"{"id": "r\#(cost)", "name": "Reward \#(cost)", "type": "experience", "cost": \#(cost)}"#
            _ = try await store.putReward(programId: program, reward: try Reward.read(try ProgramSourceParser.parse(json), program: definition),
                                          now: at("2026-01-01T00:00:00Z"))
        }
        let ana = try await fixture.member("ana", now: at("2026-01-02T09:00:00Z")).id
        let ben = try await fixture.member("ben", now: at("2026-01-02T09:00:00Z")).id
        func redeem(_ id: String, _ member: String, _ cost: Int, _ time: String) async throws {
            _ = try await store.redeem(programId: program, id: id, memberId: member, rewardId: "r\(cost)", points: nil, now: at(time), idempotency: nil)
        }
        try await fixture.record(StoreFixture.purchase(total: "400", at: at("2026-01-10T12:00:00Z")), memberId: ana)
        try await fixture.record(StoreFixture.purchase(total: "200", at: at("2026-01-20T12:00:00Z")), memberId: ben)

        try await redeem("red_1", ana, 300, "2026-02-05T12:00:00Z")
        try await fixture.record(StoreFixture.purchase(total: "100", at: at("2026-02-10T12:00:00Z")), memberId: ben)
        try await redeem("red_2", ben, 150, "2026-02-12T12:00:00Z")

        try await fixture.settle(now: at("2026-03-01T00:30:00Z"))

        let march = try await fixture.record(StoreFixture.purchase(total: "120", at: at("2026-03-03T12:00:00Z")), memberId: ana)
        try await fixture.record(StoreFixture.returnOf(march.id, amount: "30", at: at("2026-03-04T12:00:00Z")), memberId: ana)
        _ = try await store.adjust(programId: program, memberId: ben, id: "adj_1", points: 20, reason: "goodwill", actor: "staff",
                                   now: at("2026-03-06T12:00:00Z"), idempotency: nil)
        try await redeem("red_3", ben, 110, "2026-03-08T12:00:00Z")

        try await fixture.settle(now: at("2026-04-01T00:30:00Z"))
        try await redeem("red_4", ana, 60, "2026-04-10T12:00:00Z")
        _ = try await store.cancelRedemption(programId: program, id: "red_4", now: at("2026-04-12T12:00:00Z"), idempotency: nil)
        _ = try await store.adjust(programId: program, memberId: ben, id: "adj_2", points: -10, reason: "correction", actor: "staff",
                                   now: at("2026-04-15T12:00:00Z"), idempotency: nil)
        try await redeem("red_5", ana, 40, "2026-04-20T12:00:00Z")

        try await fixture.settle(now: at("2026-05-01T00:30:00Z"))
        let anaLeft = try await fixture.reload(ana).available, benLeft = try await fixture.reload(ben).available
        #expect(anaLeft == 0 && benLeft == 0)
        return fixture
    }

    static let utc = TimeZone(identifier: "UTC")!

    static func rollForward(_ fixture: StoreFixture, _ from: FinanceMonth, _ to: FinanceMonth) async throws -> FinanceRollForward {
        let facts = try await fixture.store.financeRollForwardFacts(programId: fixture.programId, through: to, timeZone: utc)
        let breakage = BreakageEstimate(cohorts: facts.cohorts, asOfMillis: to.next.startMillis(utc))
        return try FinanceRollForward(months: facts.months, from: from, to: to, pointValue: Amount("0.05")!, breakage: breakage)
    }

    @Test(arguments: StoreBackend.available)
    func theRollForwardOfAKnownHistory(backend: StoreBackend) async throws {
        let fixture = try await Self.history(backend)
        let report = try await Self.rollForward(fixture, FinanceMonth(year: 2026, month: 1), FinanceMonth(year: 2026, month: 6))

        // Points: opening, issued, reversed, redeemed, expired, closing.
        let points = report.rows.map { "\($0.month) \($0.points.opening) \($0.points.issued) \($0.points.reversed) \($0.points.redeemed) \($0.points.expired) \($0.points.closing)" }
        #expect(points == [
            "2026-01 0 600 0 0 0 600",            // 400 + 200 earned
            "2026-02 600 100 0 450 0 250",        // Ben earns 100; 300 + 150 redeemed
            "2026-03 250 140 30 110 150 100",     // 120 earned + 20 credited; return 30; 110 redeemed; January's 100 + 50 expire
            "2026-04 100 0 10 40 0 50",           // debit 10; 60 redeemed and cancelled, 40 redeemed
            "2026-05 50 0 0 0 50 0",              // March's 50 expire
            "2026-06 0 0 0 0 0 0",
        ])

        // Breakage, as of 1 July: January (600 issued, 150 expired), February (100, 0) and March
        // (140 issued, 30 returned and 10 debited: 100, 50 expired) have all expired: 200 / 800.
        #expect(report.method == .proportional)
        #expect(report.breakage.cohorts.map { "\($0.month) \($0.issued) \($0.takenBack) \($0.expired) \($0.counted)" }
                == ["2026-01 600 0 150 true", "2026-02 100 0 0 true", "2026-03 140 40 50 true"])
        #expect([report.breakage.expired, report.breakage.basis] == [200, 800] as [Int])
        #expect(report.breakage.rate == "0.2500")

        // Money at 0.05 a point; b = 1/4, so each unit redeemed releases 1/3 unit of breakage, never
        // less than the expired points' value nor more than is deferred:
        //           redeemed so far  expected (/3)  expired value  released so far  deferred (net × 0.05 − released)
        // January   0                0              0              0                600 × 0.05 = 30.00
        // February  450 → 22.50      7.50           0              7.50             250 × 0.05 − 7.50 = 5.00
        // March     560 → 28.00      9.3333         150 → 7.50     9.3333           250 × 0.05 − 9.3333 = 3.1667
        // April     600 → 30.00      10.00          7.50           10.00            200 × 0.05 − 10.00 = 0
        // May       30.00            10.00          200 → 10.00    10.00            0
        let money = report.rows.map { "\($0.month) \($0.money.opening) \($0.money.issued) \($0.money.reversed) \($0.money.redeemed) \($0.money.breakageReleased) \($0.money.closing)" }
        #expect(money == [
            "2026-01 0.00 30.00 0.00 0.00 0.00 30.00",
            "2026-02 30.00 5.00 0.00 22.50 7.50 5.00",
            "2026-03 5.00 7.00 1.50 5.50 1.8333 3.1667",
            "2026-04 3.1667 0.00 0.50 2.00 0.6667 0.00",
            "2026-05 0.00 0.00 0.00 0.00 0.00 0.00",
            "2026-06 0.00 0.00 0.00 0.00 0.00 0.00",
        ])
        // Every point issued is accounted for: 840 issued = 40 reversed + 600 redeemed + 200 expired,
        // and 42.00 deferred = 2.00 + 30.00 + 10.00 of breakage.
        #expect(report.rows.reduce(Amount.zero) { $0 + $1.money.breakageReleased } == Amount("10")!)
    }

    /// Only March: its opening is what January and February left; as of 1 April only January
    /// (150 / 600) and February (0 / 100) have expired: b = 150 / 700 = 3/14, b / (1 − b) = 150/550.
    @Test(arguments: StoreBackend.available)
    func aLaterRangeOpensWithWhatCameBefore(backend: StoreBackend) async throws {
        let fixture = try await Self.history(backend)
        let march = try await Self.rollForward(fixture, FinanceMonth(year: 2026, month: 3), FinanceMonth(year: 2026, month: 3))
        #expect(march.rows.count == 1)
        let row = try #require(march.rows.first)
        #expect([row.points.opening, row.points.issued, row.points.reversed, row.points.redeemed, row.points.expired, row.points.closing]
                == [250, 140, 30, 110, 150, 100] as [Int])
        #expect(march.breakage.rate == "0.2143")
        #expect(march.breakage.cohorts.map { "\($0.month) \($0.counted) \($0.reason ?? "-")" }
                == ["2026-01 true -", "2026-02 true -", "2026-03 false not_yet_expired"])
        // Redeemed so far: February 450 → 22.50, × 150/550 = 6.1363; March 560 → 28.00 → 7.6363.
        // Expired by March: 7.50. Released: February 6.1363, March 7.6363 − 6.1363 = 1.50.
        // Deferred: end of February 12.50 − 6.1363 = 6.3637; end of March 12.50 − 7.6363 = 4.8637.
        #expect(row.money.opening == Amount("6.3637")!)
        #expect(row.money.breakageReleased == Amount("1.5")!)
        #expect(row.money.closing == Amount("4.8637")!)

        // Only February, as of 1 March: January has just expired (its expiry written 30 minutes
        // later still counts for it), February not yet.
        let february = try await Self.rollForward(fixture, FinanceMonth(year: 2026, month: 2), FinanceMonth(year: 2026, month: 2))
        #expect(february.breakage.rate == "0.2500")
        #expect(february.breakage.cohorts.map(\.counted) == [true, false])
        // No cohort has expired by the end of January: breakage waits for expiry.
        let january = try await Self.rollForward(fixture, FinanceMonth(year: 2026, month: 1), FinanceMonth(year: 2026, month: 1))
        #expect(january.method == .onExpiry && january.breakage.rate == nil)
    }

    @Test(arguments: StoreBackend.available)
    func theLiabilityByExpiryMonth(backend: StoreBackend) async throws {
        let fixture = try await Self.history(backend)
        func liability(_ day: String) async throws -> FinanceLiability {
            let end = try FinancePeriod.endOfDay(day, timeZone: Self.utc, now: Date())
            let facts = try await fixture.store.financeLiabilityFacts(programId: fixture.programId, asOfMillis: end.endMillis, timeZone: Self.utc)
            return try FinanceLiability(facts.outstanding, pointValue: Amount("0.05")!, breakage: BreakageEstimate(cohorts: facts.cohorts, asOfMillis: end.endMillis))
        }
        // 15 February: Ana 100 and Ben 50 of January (expiring with February), Ben's 100 of February.
        let february = try await liability("2026-02-15")
        #expect(february.byExpiry.map { "\($0.month?.description ?? "never") \($0.points) \($0.money)" } == ["2026-02 150 7.50", "2026-03 100 5.00"])
        #expect([february.points, february.pending, february.owed] == [250, 0, 0] as [Int])
        #expect(february.breakage.rate == nil && february.expectedRedemption == nil)

        // 31 March: Ana's 90 and Ben's 10 left, both expiring with April; 100 × 0.05 = 5.00. January
        // and February have expired: b = 3/14, expected to be redeemed 5.00 × 11/14 = 3.9285.
        let march = try await liability("2026-03-31")
        #expect(march.byExpiry.map { "\($0.month?.description ?? "never") \($0.points)" } == ["2026-04 100"])
        #expect(march.money == Amount("5")! && march.expectedRedemption == Amount("3.9285")!)
        #expect(march.breakage.rate == "0.2143")

        // 31 May: nothing left.
        let may = try await liability("2026-05-31")
        #expect(may.points == 0 && may.byExpiry.isEmpty && may.money == .zero)
    }
}

/// What moves points from member to member — a transfer, pending points maturing — changes nothing
/// the program owes: the same roll-forward, the same liability, the transferred points in the
/// receiver's cohort and out of the sender's; and the figures agree with the analytics and the
/// members' balances. On both databases.
struct FinanceTransferAndPendingTests {
    static let program = """
        name: Finance transfers
        currency: EUR
        points:
          pending_days: 10
          expiry: {policy: end_of_month, months_after: 2}
        earning_rules:
          - id: spend
            event: purchase
            effect: {type: points_per_amount, points: 1, per: 1}
        """

    @Test(arguments: StoreBackend.available)
    func transfersAndMaturingMoveNothingTheProgramOwes(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let utc = TimeZone(identifier: "UTC")!
        let at = FinanceStoreTests.at
        let ana = try await fixture.member("ana", now: at("2026-03-01T09:00:00Z")).id
        let ben = try await fixture.member("ben", now: at("2026-03-01T09:00:00Z")).id
        // Ana earns 100 on 2 March, Ben 50 on 5 March: pending for 10 days, expiring at the end of May.
        try await fixture.record(StoreFixture.purchase(total: "100", at: at("2026-03-02T12:00:00Z")), memberId: ana)
        try await fixture.record(StoreFixture.purchase(total: "50", at: at("2026-03-05T12:00:00Z")), memberId: ben)
        try await fixture.settle(now: at("2026-03-20T12:00:00Z"))
        _ = try await fixture.store.transfer(programId: fixture.programId, id: "trf_1", from: ana, to: ben, points: 30,
                                             now: at("2026-03-21T12:00:00Z"), idempotency: nil)

        func liability(_ day: String) async throws -> FinanceLiability {
            let end = try FinancePeriod.endOfDay(day, timeZone: utc, now: Date())
            let facts = try await fixture.store.financeLiabilityFacts(programId: fixture.programId, asOfMillis: end.endMillis, timeZone: utc)
            return try FinanceLiability(facts.outstanding, pointValue: Amount("0.01")!, breakage: BreakageEstimate(cohorts: facts.cohorts, asOfMillis: end.endMillis))
        }
        // 10 March: all 150 pending, and a liability all the same.
        let early = try await liability("2026-03-10")
        #expect([early.points, early.pending] == [150, 150] as [Int])
        #expect(early.byExpiry.map { "\($0.month?.description ?? "never") \($0.points) \($0.money)" } == ["2026-05 150 1.50"])
        // 31 March: matured and 30 transferred: still 150, expiring with May (a transfer keeps the expiry).
        let late = try await liability("2026-03-31")
        #expect([late.points, late.pending, late.owed] == [150, 0, 0] as [Int])
        #expect(late.byExpiry.map { "\($0.month?.description ?? "never") \($0.points)" } == ["2026-05 150"])
        // The members' own balances say the same.
        var held = 0
        for id in [ana, ben] { let member = try await fixture.reload(id); held += member.available + member.pending }
        #expect(held == 150)
        // March's cohort: Ana's 100 (30 transferred out), Ben's 50, and Ben's 30 received: 180 − 30 = 150.
        #expect(late.breakage.cohorts.map { "\($0.month) \($0.issued) \($0.takenBack) \($0.basis) \($0.reason ?? "-")" }
                == ["2026-03 180 30 150 not_yet_expired"])

        let march = FinanceMonth(year: 2026, month: 3)
        let facts = try await fixture.store.financeRollForwardFacts(programId: fixture.programId, through: march, timeZone: utc)
        let report = try FinanceRollForward(months: facts.months, from: march, to: march, pointValue: Amount("0.01")!,
                                            breakage: BreakageEstimate(cohorts: facts.cohorts, asOfMillis: march.next.startMillis(utc)))
        let row = try #require(report.rows.first)
        #expect([row.points.opening, row.points.issued, row.points.reversed, row.points.redeemed, row.points.expired, row.points.closing]
                == [0, 150, 0, 0, 0, 150] as [Int])
        // The analytics of March count the same issuance (they read the same ledger by day).
        let period = try AnalyticsPeriod(from: "2026-03-01", to: "2026-03-31", timeZone: utc, now: at("2026-04-01T00:00:00Z"))
        let points = try #require(try await fixture.store.analytics(programId: fixture.programId, period: period, sections: [.points]).points)
        #expect(points.days.reduce(0) { $0 + $1.issued } == row.points.issued)
        #expect(points.available + points.pending == row.points.closing)
    }
}
