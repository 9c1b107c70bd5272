import Foundation
import LaurelCore
import LaurelStore
import Testing

/// Referrals on both databases: linking at enrolment, the fraud screen (self-referral by email,
/// phone or fingerprint, the cap), each trigger's gifts through the ledger, pending until the
/// friend's return window ends, and a return cancelling them.
struct ReferralStoreTests {
    static let program = """
        name: Referrals
        currency: EUR
        points: {pending_days: 14}
        earning_rules:
          - {id: spend, event: purchase, effect: {type: points_per_amount, points: 1, per: 1}}
        referrals:
          link: "https://brand.example/join?ref={code}"
          fingerprints: [device_id]
          cap: {max_referrals: 2, period: month}
          rewards:
            - {id: welcome, on: enrolled, friend: {points: 100}}
            - {id: first, on: first_purchase, min_amount: "20.00", referrer: {points: 500}}
            - {id: ongoing, on: purchase, days: 30, max_times: 2, referrer: {points: 10}}
        """

    static func enrol(_ fixture: StoreFixture, _ externalId: String, code: String? = nil, email: String? = nil, attributes: [String: JSONValue] = [:],
                      at date: Date = StoreFixture.start) async throws -> MemberRecord {
        let record = MemberRecord(id: Identifiers.make("mem", now: date), programId: fixture.programId, externalId: externalId, email: email,
                                  attributes: attributes, createdAt: date, updatedAt: date)
        return try #require(try await fixture.store.createMember(record, referralCode: code, idempotency: nil).value)
    }

    static func code(_ fixture: StoreFixture, _ member: MemberRecord) async throws -> String {
        try await fixture.store.referralCode(programId: fixture.programId, memberId: member.id)
    }

    static func messages(_ fixture: StoreFixture, _ type: String) async throws -> [OutboxMessage] {
        try await fixture.store.outbox(programId: fixture.programId, limit: 500, startingAfter: nil).items.filter { $0.type == type }
    }

    @Test(arguments: StoreBackend.available)
    func everyTriggerRewardsThroughTheLedger(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let ann = try await Self.enrol(fixture, "ann", email: "ann@example.com")
        let code = try await Self.code(fixture, ann)
        #expect(code.count == 8)
        #expect(try await Self.code(fixture, ann) == code)
        // Typed loosely: lower case.
        let bob = try await Self.enrol(fixture, "bob", code: code.lowercased(), email: "bob@example.com")
        #expect(try await fixture.reload(bob.id).available == 100)
        let page = try await fixture.store.referrals(programId: fixture.programId, referrerId: ann.id, now: StoreFixture.start)
        #expect(!page.hasMore)
        var friends = page.items
        #expect(friends.map(\.friendId) == [bob.id] && friends[0].status == .enrolled && friends[0].code == code)

        // The first purchase of at least 20: 500 + 10 for Ann, pending for the 14-day return window.
        let purchase = try await fixture.record(StoreFixture.purchase(total: "30.00", at: StoreFixture.at(days: 1)), memberId: bob.id)
        var annNow = try await fixture.reload(ann.id)
        #expect(annNow.available == 0 && annNow.pending == 510)
        let converted = try await Self.messages(fixture, MessageType.referralConverted)
        #expect(converted.count == 1 && converted[0].memberId == ann.id)
        #expect(converted[0].payload.contains("\"friend_id\":\"\(bob.id)\"") && converted[0].payload.contains("\"event_id\":\"\(purchase.id)\""))
        let reasons = try await fixture.entries(ann.id).compactMap(\.reason)
        #expect(reasons.contains { $0.contains("referral first (first_purchase) for friend \(bob.id)") })

        // Each purchase for 30 days, at most twice: one more 10, then nothing; the first purchase's reward is given once.
        try await fixture.record(StoreFixture.purchase(total: "25.00", at: StoreFixture.at(days: 2)), memberId: bob.id)
        try await fixture.record(StoreFixture.purchase(total: "25.00", at: StoreFixture.at(days: 3)), memberId: bob.id)
        annNow = try await fixture.reload(ann.id)
        #expect(annNow.pending == 520)
        friends = try await fixture.store.referrals(programId: fixture.programId, referrerId: ann.id, now: StoreFixture.at(days: 3)).items
        #expect(friends[0].status == .purchased && friends[0].grants.count == 4)
        // Past the return window: rewarded, and the points mature.
        friends = try await fixture.store.referrals(programId: fixture.programId, referrerId: ann.id, now: StoreFixture.at(days: 16)).items
        #expect(friends[0].status == .rewarded)
        try await fixture.settle(now: StoreFixture.at(days: 17))
        annNow = try await fixture.reload(ann.id)
        #expect(annNow.available == 520 && annNow.pending == 0)
        #expect(try await Self.messages(fixture, MessageType.referralConverted).count == 1)
        #expect(try await fixture.audit() == [])
    }

    /// An imported first purchase rewards the referrer like one sent to the API.
    @Test(arguments: StoreBackend.available)
    func anImportedFirstPurchaseRewardsTheReferrer(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let ann = try await Self.enrol(fixture, "ann")
        let bob = try await Self.enrol(fixture, "bob", code: try await Self.code(fixture, ann))
        let event = StoreFixture.purchase(total: "30.00", at: StoreFixture.at(days: 1))
        let results = try await fixture.store.importEvents(programId: fixture.programId, events: [
            ImportedEvent(member: .id(bob.id), event: event) { StoreFixture.payload(event, memberId: $0) },
        ], now: StoreFixture.at(days: 1))
        #expect(results.allSatisfy { if case .recorded = $0 { true } else { false } })
        #expect(try await fixture.reload(ann.id).pending == 510)
        let converted = try await Self.messages(fixture, MessageType.referralConverted)
        #expect(converted.count == 1 && converted[0].memberId == ann.id)
    }

    @Test(arguments: StoreBackend.available)
    func anUnknownCodeEnrolsNoOne(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        await #expect(throws: StoreError.unknownReferralCode("ZZZZZZZZ")) { try await Self.enrol(fixture, "eve", code: "ZZZZZZZZ") }
        await #expect(throws: StoreError.unknownReferralCode("not a code!")) { try await Self.enrol(fixture, "eve", code: "not a code!") }
        #expect(try await fixture.store.member(programId: fixture.programId, externalId: "eve") == nil)
    }

    @Test(arguments: StoreBackend.available)
    func selfReferralsAreRefusedAndRecorded(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let ann = try await Self.enrol(fixture, "ann", email: "Ann.Lee@example.com", attributes: ["phone": .string("+44 7700 900123"), "device_id": .string("dev-1")])
        let code = try await Self.code(fixture, ann)
        let sameEmail = try await Self.enrol(fixture, "ann-2", code: code, email: " ann.lee+promo@EXAMPLE.com")
        let samePhone = try await Self.enrol(fixture, "ann-3", code: code, attributes: ["phone": .string("07700 900123")])
        let sameDevice = try await Self.enrol(fixture, "ann-4", code: code, attributes: ["device_id": .string("dev-1")])
        let friends = try await fixture.store.referrals(programId: fixture.programId, referrerId: ann.id, now: StoreFixture.start).items
        let refusals = Dictionary(uniqueKeysWithValues: friends.map { ($0.friendId, $0) })
        #expect(refusals[sameEmail.id]?.status == .refused && refusals[sameEmail.id]?.refusal == "same_email")
        #expect(refusals[samePhone.id]?.refusal == "same_phone")
        #expect(refusals[sameDevice.id]?.refusal == "shared_fingerprint" && refusals[sameDevice.id]?.refusalDetail == "device_id")
        // Enrolled, but nothing given: no welcome points, and a purchase rewards no one.
        for friend in [sameEmail, samePhone, sameDevice] { #expect(try await fixture.reload(friend.id).available == 0) }
        try await fixture.record(StoreFixture.purchase(total: "40.00", at: StoreFixture.at(days: 1)), memberId: sameDevice.id)
        #expect(try await fixture.reload(ann.id).pending == 0)
        #expect(try await Self.messages(fixture, MessageType.referralConverted).isEmpty)
        let after = try await fixture.store.referrals(programId: fixture.programId, referrerId: ann.id, now: StoreFixture.at(days: 1)).items
        #expect(after.count == 3 && after.allSatisfy { $0.grants.isEmpty && $0.status == .refused })
    }

    @Test(arguments: StoreBackend.available)
    func theCapRefusesFriendsPastItInThePeriod(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let ann = try await Self.enrol(fixture, "ann")
        let code = try await Self.code(fixture, ann)
        // StoreFixture.start is 2 March: two accepted in March, the third refused; April starts again.
        let first = try await Self.enrol(fixture, "f1", code: code, at: StoreFixture.at(days: 1))
        let second = try await Self.enrol(fixture, "f2", code: code, at: StoreFixture.at(days: 2))
        let third = try await Self.enrol(fixture, "f3", code: code, at: StoreFixture.at(days: 3))
        let april = try await Self.enrol(fixture, "f4", code: code, at: StoreFixture.at(days: 31))
        let friends = try await fixture.store.referrals(programId: fixture.programId, referrerId: ann.id, now: StoreFixture.at(days: 31)).items
        let status = Dictionary(uniqueKeysWithValues: friends.map { ($0.friendId, $0.refusal ?? $0.status.rawValue) })
        #expect(status == [first.id: "enrolled", second.id: "enrolled", third.id: "cap_reached", april.id: "enrolled"])
        #expect(try await fixture.reload(third.id).available == 0)
        #expect(try await fixture.reload(april.id).available == 100)
    }

    @Test(arguments: StoreBackend.available)
    func aReturnInTheWindowCancelsThePendingReward(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let ann = try await Self.enrol(fixture, "ann")
        let bob = try await Self.enrol(fixture, "bob", code: try await Self.code(fixture, ann))
        let purchase = try await fixture.record(StoreFixture.purchase(total: "30.00", at: StoreFixture.at(days: 1)), memberId: bob.id)
        #expect(try await fixture.reload(ann.id).pending == 510)
        try await fixture.record(StoreFixture.returnOf(purchase.id, amount: "30.00", at: StoreFixture.at(days: 5)), memberId: bob.id)
        let annNow = try await fixture.reload(ann.id)
        #expect(annNow.pending == 0 && annNow.available == 0)
        #expect(try await fixture.balancesFromEntries(ann.id) == (0, 0))
        let friend = try #require(try await fixture.store.referrals(programId: fixture.programId, referrerId: ann.id, now: StoreFixture.at(days: 30)).items.first)
        #expect(friend.status == .purchased)
        // The purchase's gifts are cancelled; the friend's welcome points (no purchase) stay.
        #expect(friend.grants.map { "\($0.rewardId) \($0.status.rawValue)" }.sorted() == ["first cancelled", "ongoing cancelled", "welcome given"])
        #expect(try await fixture.audit() == [])

        // The returned purchase no longer counts: the next one is the first purchase that rewards. After
        // its window, a return leaves the reward: it was earned.
        let later = try await fixture.record(StoreFixture.purchase(total: "40.00", at: StoreFixture.at(days: 6)), memberId: bob.id)
        #expect(try await fixture.reload(ann.id).pending == 510)
        try await fixture.record(StoreFixture.returnOf(later.id, amount: "40.00", at: StoreFixture.at(days: 25)), memberId: bob.id)
        try await fixture.settle(now: StoreFixture.at(days: 25))
        #expect(try await fixture.reload(ann.id).available == 510)
        #expect(try await fixture.audit() == [])
    }
}
