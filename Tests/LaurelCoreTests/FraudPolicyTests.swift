import Foundation
import Testing
import LaurelCore

/// The `fraud:` section: what it reads, what it refuses (with paths), that it writes back
/// unchanged, and how a write is judged against thresholds and caps.
struct FraudPolicyTests {
    static let program = """
        name: Fraud
        currency: EUR
        timezone: Europe/Paris
        fraud:
          hold: {amount_over: "1000.00", points_over: 5000}
          flag_refund_after_redeem: false
          earning_caps:
            - {id: member-hour, per: member, period: hour, max_events: 3}
            - {id: store-day, per: store, period: day, window: rolling, max_amount: "5000", events: [purchase]}
            - {id: key-week, per: api_key, period: week, max_points: 100000}
          redemption_caps:
            - {id: member-day, per: member, period: day, max_redemptions: 2, max_points: 3000}
        """

    static func issues(_ fraud: String) throws -> [String] {
        let error = try #require(throws: ProgramValidationError.self) { try ProgramDefinition.parse("name: F\ncurrency: EUR\nfraud:\n" + fraud) }
        return error.issues.map(\.description)
    }

    @Test func readsEveryControl() throws {
        let policy = try #require(try ProgramDefinition.parse(Self.program).fraud)
        #expect(policy.hold == HoldThresholds(amountOver: Amount("1000")!, pointsOver: 5000))
        #expect(!policy.flagRefundAfterRedeem)
        #expect(policy.earningCaps == [
            VelocityCap(id: "member-hour", per: .member, window: FraudWindow(period: .hour), maxCount: 3),
            VelocityCap(id: "store-day", per: .store, window: FraudWindow(period: .day, kind: .rolling), maxAmount: Amount("5000")!, eventTypes: ["purchase"]),
            VelocityCap(id: "key-week", per: .apiKey, window: FraudWindow(period: .week), maxPoints: 100_000),
        ])
        #expect(policy.redemptionCaps == [VelocityCap(id: "member-day", per: .member, window: FraudWindow(period: .day), maxCount: 2, maxPoints: 3000)])
        #expect(try ProgramDefinition.parse("name: F\ncurrency: EUR").fraud == nil)
    }

    @Test func writesBackWhatItRead() throws {
        let definition = try ProgramDefinition.parse(Self.program)
        #expect(try ProgramDefinition.read(definition.canonicalTree) == definition)
    }

    @Test func refusesMistakesWithTheirPaths() throws {
        let issues = try Self.issues("""
              colour: red
              hold: {}
              earning_caps:
                - {id: a, per: member, period: fortnight, max_events: 0}
                - {id: a, per: planet, period: day}
                - {id: "b c", per: store, period: day, max_amount: "-1", events: []}
              redemption_caps:
                - {id: r, per: store, period: day, max_redemptions: 1, max_amount: "5"}
            """)
        let expected = [
            "fraud.colour: unknown key",
            "fraud.hold: needs amount_over, points_over or both",
            "fraud.earning_caps[0].period: must be one of hour, day, week, got \"fortnight\"",
            "fraud.earning_caps[0].max_events: must be >= 1",
            "fraud.earning_caps[1].id: duplicate cap id \"a\"",
            "fraud.earning_caps[1].per: must be one of member, store, api_key, got \"planet\"",
            "fraud.earning_caps[1]: needs max_events, max_points or max_amount",
            "fraud.earning_caps[2].id: must be 1 to 64 letters, digits, - or _",
            "fraud.earning_caps[2].max_amount: must be > 0",
            "fraud.earning_caps[2].events: must name at least one event type",
            "fraud.redemption_caps[0].max_amount: unknown key",
            "fraud.redemption_caps[0].per: redemptions have no store",
        ]
        for text in expected {
            #expect(issues.contains { $0.hasPrefix(text) }, "missing \(text) in \(issues)")
        }
    }

    @Test func capsAreLimitedInNumber() throws {
        let caps = (0...FraudPolicy.maxCaps).map { "    - {id: c\($0), per: member, period: day, max_events: 1}" }.joined(separator: "\n")
        #expect(try Self.issues("  earning_caps:\n" + caps).contains { $0.hasPrefix("fraud.earning_caps: has 21 items") })
    }

    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Paris")!
        calendar.firstWeekday = 2
        return calendar
    }()

    @Test func windowsStartWhereTheySay() {
        let now = Timestamps.parse("2026-03-04T14:35:10Z")! // a Wednesday, 15:35 in Paris
        #expect(FraudWindow(period: .hour).start(at: now, calendar: Self.calendar) == Timestamps.parse("2026-03-04T14:00:00Z"))
        #expect(FraudWindow(period: .day).start(at: now, calendar: Self.calendar) == Timestamps.parse("2026-03-03T23:00:00Z"))
        #expect(FraudWindow(period: .week).start(at: now, calendar: Self.calendar) == Timestamps.parse("2026-03-01T23:00:00Z"))
        #expect(FraudWindow(period: .hour, kind: .rolling).start(at: now, calendar: Self.calendar) == now.addingTimeInterval(-3600))
        #expect(FraudWindow(period: .week, kind: .rolling).start(at: now, calendar: Self.calendar) == now.addingTimeInterval(-7 * 86_400))
    }

    static func purchase(_ total: String, store: String? = "paris") -> LoyaltyEvent {
        LoyaltyEvent(id: "evt_1", type: "purchase", occurredAt: Date(timeIntervalSince1970: 0), store: store,
                     purchase: Purchase(currency: "EUR", total: Amount(total)!, lines: []))
    }

    @Test func subjectsFollowTheCapsDimensionAndTypes() throws {
        let policy = try #require(try ProgramDefinition.parse(Self.program).fraud)
        let subjects = policy.earningSubjects(for: Self.purchase("10"), memberId: "mem_1", apiKeyId: "key_1")
        #expect(subjects.map(\.subject) == ["mem_1", "paris", "key_1"])
        // No store, no key: those caps do not count the event; a review is not a purchase for store-day.
        #expect(policy.earningSubjects(for: Self.purchase("10", store: nil), memberId: "mem_1", apiKeyId: nil).map(\.cap.id) == ["member-hour"])
        let review = LoyaltyEvent(id: "evt_2", type: "review", occurredAt: Date(timeIntervalSince1970: 0), store: "paris")
        #expect(policy.earningSubjects(for: review, memberId: "m", apiKeyId: "k").map(\.cap.id) == ["member-hour", "key-week"])
        let refund = LoyaltyEvent(id: "evt_3", type: "return", occurredAt: Date(timeIntervalSince1970: 0))
        #expect(policy.earningSubjects(for: refund, memberId: "m", apiKeyId: "k").isEmpty)
    }

    @Test func aWriteTripsOnlyWhatItWouldTakePastALimit() throws {
        let policy = try #require(try ProgramDefinition.parse(Self.program).fraud)
        let event = Self.purchase("1000.00")
        let subjects = policy.earningSubjects(for: event, memberId: "mem_1", apiKeyId: "key_1")
        // Exactly at every limit: nothing trips.
        let atLimits = [CapUsage(count: 2), CapUsage(amount: Amount("4000")!), CapUsage(points: 95_000)]
        #expect(policy.screenEarning(event, points: 5000, subjects: subjects, usages: atLimits).isEmpty)
        // One more of each.
        let trips = policy.screenEarning(Self.purchase("1000.01"), points: 5001, subjects: subjects,
                                         usages: [CapUsage(count: 3), CapUsage(amount: Amount("4000")!), CapUsage(points: 95_000)])
        #expect(trips.map(\.name) == ["hold:amount", "hold:points", "cap:member-hour:count", "cap:store-day:amount", "cap:key-week:points"])
        let capTrip = try #require(trips.first { $0.capId == "member-hour" })
        #expect(capTrip.value == .count(4) && capTrip.limit == .count(3) && capTrip.subject == "mem_1" && capTrip.window == "hour")
        #expect(trips.first { $0.capId == "store-day" }?.value == .amount(Amount("5000.01")!))
        #expect(trips.first { $0.capId == "store-day" }?.window == "rolling day")
    }

    @Test func hugeUsageSaturatesInsteadOfTrapping() throws {
        let policy = FraudPolicy(earningCaps: [VelocityCap(id: "p", per: .member, window: FraudWindow(period: .day), maxPoints: 10,
                                                           maxAmount: Amount("1")!)])
        let event = Self.purchase("5")
        let subjects = policy.earningSubjects(for: event, memberId: "m", apiKeyId: nil)
        let trips = policy.screenEarning(event, points: 5, subjects: subjects,
                                         usages: [CapUsage(points: Int.max, amount: Amount(units: Int64.max))])
        #expect(trips.map(\.value) == [.points(Int.max), .amount(Amount(units: Int64.max))])
    }

    @Test func redemptionCapsCountRedemptionsAndPoints() throws {
        let policy = try #require(try ProgramDefinition.parse(Self.program).fraud)
        let subjects = policy.redemptionSubjects(memberId: "mem_1", apiKeyId: "key_1")
        #expect(policy.screenRedemption(points: 1000, subjects: subjects, usages: [CapUsage(count: 1, points: 2000)]).isEmpty)
        #expect(policy.screenRedemption(points: 1001, subjects: subjects, usages: [CapUsage(count: 2, points: 2000)]).map(\.name)
                == ["cap:member-day:count", "cap:member-day:points"])
    }

    @Test func aReturnBeyondItsPurchasesLotsIsMeasured() throws {
        let program = try ProgramDefinition.parse("""
            name: R
            currency: EUR
            points: {returns: {when_spent: debt, debt_limit: 1000}}
            earning_rules:
              - {id: spend, event: purchase, effect: {type: points_per_amount, points: 1, per: 1}}
            """)
        let processor = EventProcessor(program: program)
        let now = Date(timeIntervalSince1970: 1_000_000)
        let purchase = LoyaltyEvent(id: "evt_p", type: "purchase", occurredAt: now, purchase: Purchase(currency: "EUR", total: Amount("100")!, lines: []))
        let earned = try processor.process(purchase, member: MemberProfile(id: "m"), ledger: MemberLedger(memberId: "m"), usage: [:],
                                           returnedPurchase: nil, tier: nil, now: now)
        var ledger = earned.ledger
        let record = PurchaseRecord(eventId: "evt_p", memberId: "m", total: Amount("100")!, pointsEarned: 100)
        let refund = LoyaltyEvent(id: "evt_r", type: "return", occurredAt: now, returnOf: ReturnDetails(purchaseEventId: "evt_p", amount: Amount("100")!))
        // Nothing spent: the purchase's own lot holds it all.
        let whole = try processor.process(refund, member: MemberProfile(id: "m"), ledger: ledger, usage: [:], returnedPurchase: record, tier: nil, now: now)
        #expect(FraudPolicy.pointsTakenBeyondPurchase(whole, purchaseId: "evt_p") == 0)
        // 70 spent first: 70 come from debt.
        try ledger.spend(70, sourceId: "rdm_1")
        ledger = MemberLedger(memberId: "m", lots: ledger.lots, debt: ledger.debt, lifetimeEarned: ledger.lifetimeEarned)
        let spent = try processor.process(refund, member: MemberProfile(id: "m"), ledger: ledger, usage: [:], returnedPurchase: record, tier: nil, now: now)
        #expect(FraudPolicy.pointsTakenBeyondPurchase(spent, purchaseId: "evt_p") == 70)
        #expect(FraudPolicy.refundAfterRedeemTrip(points: 70).name == "refund_after_redeem")
    }
}
