import Foundation
import LaurelCore
import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// The campaign and birthday jobs on an explicit `now`, on both backends: messages once, gifts once
/// per member (per year for birthdays), even when the job runs twice or on two nodes at once.
struct CampaignJobTests {
    static let start = Timestamps.parse("2026-03-02T10:00:00Z")!

    static let program = """
        name: Campaign jobs
        currency: EUR
        timezone: Europe/Paris
        earning_rules:
          - {id: spend, event: purchase, effect: {type: points_per_amount, points: 1, per: 1}}
        campaigns:
          - id: welcome
            name: Welcome gift
            start: 2026-03-10
            end: 2026-03-20
            audience: {holdout: 0.25, seed: welcome}
            effects:
              points_gift: 50
              rules:
                - {id: welcome-review, event: review, effect: {type: fixed_points, points: 30}}
        birthday: {points: 100, window_days_after: 2}
        """

    /// A store with the program applied, and a second store on the same database (another node).
    static func stores(_ backend: TestBackend, program: String = program) async throws -> (any LaurelStore, any LaurelStore, Task<Void, Never>?) {
        let first: any LaurelStore, second: any LaurelStore
        var runner: Task<Void, Never>?
        switch backend {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-campaigns-\(UUID().uuidString).db").path
            let a = try SQLiteStore(path: path)
            try await a.migrate()
            (first, second) = (a, try SQLiteStore(path: path))
        case .postgres:
            let url = try await TestBackend.freshPostgresSchema()
            let a = try PostgresStore(url: url), b = try PostgresStore(url: url)
            runner = Task { await withDiscardingTaskGroup { group in group.addTask { await a.run() }; group.addTask { await b.run() } } }
            try await a.migrate()
            (first, second) = (a, b)
        }
        _ = try await first.createProgram(id: "prg_c", name: "Campaigns", now: start)
        _ = try await first.applyProgram(id: "prg_c", definition: try ProgramDefinition.parse(program), source: program, now: start, idempotency: nil)
        return (first, second, runner)
    }

    static func member(_ store: any LaurelStore, _ externalId: String, birthday: String? = nil, enrolled: Date = start) async throws -> MemberRecord {
        // The id follows from the external id: holdouts are drawn from ids, so the test's audience is the same every run.
        let record = MemberRecord(id: "mem_\(externalId)", programId: "prg_c", externalId: externalId, birthday: birthday,
                                  createdAt: enrolled, updatedAt: enrolled)
        return try #require(try await store.createMember(record, idempotency: nil).value)
    }

    static func messages(_ store: any LaurelStore, _ type: String) async throws -> [OutboxMessage] {
        try await store.outbox(programId: "prg_c", limit: 500, startingAfter: nil).items.filter { $0.type == type }
    }

    @Test(arguments: TestBackend.available)
    func giftsGoOncePerMemberOfTheAudienceAndMessagesOnceEach(backend: TestBackend) async throws {
        let (store, second, runner) = try await Self.stores(backend)
        defer { runner?.cancel() }
        var members: [MemberRecord] = []
        for index in 0..<12 { members.append(try await Self.member(store, "c-\(index)")) }
        let audience = CampaignAudience(holdout: Amount("0.25"), seed: "welcome")
        let treated = Set(members.map(\.id).filter { audience.placement(memberId: $0, campaignId: "welcome") == .audience })
        #expect(!treated.isEmpty && treated.count < members.count)

        // Before the window: nothing.
        #expect(try await CampaignJob.runOnce(store: store, now: Timestamps.parse("2026-03-09T22:00:00Z")!) == 0)
        #expect(try await Self.messages(store, MessageType.campaignStarted).isEmpty)

        // Inside it, on two nodes at once: one started message, one gift per treated member.
        let inside = Timestamps.parse("2026-03-10T08:00:00Z")!
        async let a = CampaignJob.runOnce(store: store, now: inside, batchSize: 5)
        async let b = CampaignJob.runOnce(store: second, now: inside, batchSize: 5)
        let (doneA, doneB) = try await (a, b)
        #expect(doneA + doneB == treated.count + 1)
        #expect(try await CampaignJob.runOnce(store: store, now: inside.addingTimeInterval(3600)) == 0)
        #expect(try await Self.messages(store, MessageType.campaignStarted).count == 1)
        for member in members {
            let reloaded = try #require(try await store.member(programId: "prg_c", id: member.id))
            #expect(reloaded.available == (treated.contains(member.id) ? 50 : 0), "\(member.id)")
        }
        let someone = try #require(treated.first)
        let entry = try #require(try await store.ledger(programId: "prg_c", memberId: someone, limit: 10, startingAfter: nil).items.first)
        #expect(entry.entry.kind == .adjust && entry.actor == "campaign:welcome" && entry.reason == "gift of campaign Welcome gift")

        // A member who enrols later within the window gets it on the next run (when not held out).
        var late: MemberRecord
        repeat { late = try await Self.member(store, "late-\(UUID().uuidString.prefix(6))", enrolled: inside) }
        while audience.placement(memberId: late.id, campaignId: "welcome") != .audience
        #expect(try await CampaignJob.runOnce(store: store, now: inside.addingTimeInterval(7200)) == 1)

        // After the window: one ended message, however often the job runs; no more gifts.
        let after = Timestamps.parse("2026-03-20T00:00:00Z")!
        _ = try await Self.member(store, "too-late", enrolled: after)
        #expect(try await CampaignJob.runOnce(store: store, now: after) == 1)
        #expect(try await CampaignJob.runOnce(store: second, now: after) == 0)
        #expect(try await Self.messages(store, MessageType.campaignEnded).count == 1)
        let ended = try #require(try await Self.messages(store, MessageType.campaignEnded).first)
        #expect(ended.payload.contains("\"campaign_id\":\"welcome\""))
        #expect(try await store.audit(programId: "prg_c") == [])

        // The report: members reached, points, and the holdout beside the audience.
        let definition = try #require(try await store.programVersion(programId: "prg_c", version: nil)).definition
        let campaign = try #require(definition.campaign("welcome"))
        let report = CampaignReport(campaign: campaign, program: definition, activity: try await store.campaignActivity(programId: "prg_c", campaign: campaign))
        #expect(report.membersReached == treated.count + 1 && report.pointsFromGifts == 50 * (treated.count + 1) && report.pointsFromRules == 0)
        let everyone = try await store.members(programId: "prg_c", limit: 500, startingAfter: nil).items.count
        #expect(report.audience.members + report.holdout.members == everyone && report.holdout.members > 0)
    }

    /// On SQLite only: the skip is the job's, the same on both backends, and reaching the bound takes
    /// 1,000 adjustments, each of which reads the member's open lots (minutes on PostgreSQL).
    /// Gifts of an audience named by consents or segments reach the members who have them (the job
    /// reads a member's segments and consents only for such an audience).
    @Test(arguments: TestBackend.available)
    func giftsForAnAudienceOfConsentsOrSegmentsReachTheirMembers(backend: TestBackend) async throws {
        let program = """
            name: Campaign audiences
            currency: EUR
            earning_rules:
              - {id: spend, event: purchase, effect: {type: points_per_amount, points: 1, per: 1}}
            segments:
              - id: vip
                conditions: [{attribute: vip, op: eq, value: true}]
            campaigns:
              - {id: opted-in, start: 2026-03-10, end: 2026-03-20, audience: {consents: [marketing]}, effects: {points_gift: 20}}
              - {id: vips, start: 2026-03-10, end: 2026-03-20, audience: {segments: [vip]}, effects: {points_gift: 7}}
            """
        let (store, _, runner) = try await Self.stores(backend, program: program)
        defer { runner?.cancel() }
        let consenting = try await Self.member(store, "consenting"), vip = try await Self.member(store, "vip"), neither = try await Self.member(store, "neither")
        let withdrawn = try await Self.member(store, "withdrawn")
        _ = try await store.setConsents(programId: "prg_c", memberId: consenting.id, ["marketing": true], source: .api, now: Self.start, idempotency: nil)
        _ = try await store.setConsents(programId: "prg_c", memberId: withdrawn.id, ["marketing": true], source: .api, now: Self.start, idempotency: nil)
        _ = try await store.setConsents(programId: "prg_c", memberId: withdrawn.id, ["marketing": false], source: .portal,
                                        now: Self.start.addingTimeInterval(60), idempotency: nil)
        _ = try await store.setConsents(programId: "prg_c", memberId: neither.id, ["profiling": true], source: .api, now: Self.start, idempotency: nil)
        _ = try await store.updateMember(programId: "prg_c", id: vip.id, patch: MemberPatch(attributes: ["vip": .bool(true)]), now: Self.start,
                                         idempotency: nil)
        _ = try await store.refreshSegments(programId: "prg_c", now: Self.start)

        #expect(try await CampaignJob.runOnce(store: store, now: Timestamps.parse("2026-03-11T08:00:00Z")!) == 4, "2 started messages, 2 gifts")
        var available: [String: Int] = [:]
        for member in [consenting, vip, neither, withdrawn] {
            available[member.externalId] = try await store.member(programId: "prg_c", id: member.id)?.available
        }
        #expect(available == ["consenting": 20, "vip": 7, "neither": 0, "withdrawn": 0])
    }

    @Test func aMemberTheLedgerRefusesDoesNotHoldUpTheOthersGifts() async throws {
        let (store, _, runner) = try await Self.stores(.sqlite)
        defer { runner?.cancel() }
        let audience = CampaignAudience(holdout: Amount("0.25"), seed: "welcome")
        // The first member by id, in the audience, with lifetime points at Laurel's bound: 50 more are refused.
        let full = try #require((0..<20).map { "0-full-\($0)" }.first { audience.placement(memberId: "mem_\($0)", campaignId: "welcome") == .audience })
        let refused = try await Self.member(store, full)
        for index in 0..<Int(Bounds.maxTotal / Bounds.maxPointsPerEvent) {
            _ = try await store.adjust(programId: "prg_c", memberId: refused.id, id: "adj_full_\(index)", points: Bounds.maxPointsPerEvent,
                                       reason: "to the bound", actor: "test", now: Self.start, idempotency: nil)
        }
        var others: [String] = []
        for index in 0..<8 where audience.placement(memberId: "mem_c-\(index)", campaignId: "welcome") == .audience {
            others.append(try await Self.member(store, "c-\(index)").id)
        }
        try #require(!others.isEmpty)
        let inside = Timestamps.parse("2026-03-12T10:00:00Z")!
        // The started message and every other member's gift; the refused member is skipped, twice.
        #expect(try await CampaignJob.runOnce(store: store, now: inside) == 1 + others.count)
        #expect(try await CampaignJob.runOnce(store: store, now: inside) == 0)
        #expect(try await store.ledger(programId: "prg_c", memberId: refused.id, limit: 5, startingAfter: nil).items.allSatisfy { $0.actor == "test" })
        for id in others {
            #expect(try await store.ledger(programId: "prg_c", memberId: id, limit: 5, startingAfter: nil).items.first?.actor == "campaign:welcome")
        }
        #expect(try await store.audit(programId: "prg_c") == [])
    }

    @Test(arguments: TestBackend.available)
    func campaignStartedAndEndedAreWrittenEvenWhenTheJobMissedTheWindow(backend: TestBackend) async throws {
        let (store, _, runner) = try await Self.stores(backend)
        defer { runner?.cancel() }
        let after = Timestamps.parse("2026-04-01T00:00:00Z")!
        #expect(try await CampaignJob.runOnce(store: store, now: after) == 1)
        #expect(try await CampaignJob.runOnce(store: store, now: after) == 0)
        #expect(try await Self.messages(store, MessageType.campaignStarted).count == 1)
        #expect(try await Self.messages(store, MessageType.campaignEnded).count == 1)
        let runs = try await store.campaignRuns(programId: "prg_c")
        #expect(runs.count == 1 && runs[0].startedAt == after && runs[0].endedAt == after)
    }

    @Test(arguments: TestBackend.available)
    func birthdaysOncePerYearWithLeapDaysAndNotBeforeEnrolment(backend: TestBackend) async throws {
        let (store, second, runner) = try await Self.stores(backend)
        defer { runner?.cancel() }
        let enrolled = Timestamps.parse("2025-01-01T00:00:00Z")!
        let march = try await Self.member(store, "march", birthday: "1990-03-15", enrolled: enrolled)
        let leap = try await Self.member(store, "leap", birthday: "2000-02-29", enrolled: enrolled)
        // Enrols the day after their birthday: nothing this year, next year it comes.
        let dayAfter = try await Self.member(store, "day-after", birthday: "1985-03-14", enrolled: Timestamps.parse("2026-03-15T09:00:00Z")!)
        let none = try await Self.member(store, "no-birthday", enrolled: enrolled)

        // 28 February 2026 (no 29th): the leap-day member's birthday, in Paris.
        let february = Timestamps.parse("2026-02-28T12:00:00Z")!
        async let a = BirthdayJob.runOnce(store: store, now: february, batchSize: 1)
        async let b = BirthdayJob.runOnce(store: second, now: february, batchSize: 1)
        let (givenA, givenB) = try await (a, b)
        #expect(givenA + givenB == 1)
        #expect(try await store.member(programId: "prg_c", id: leap.id)?.available == 100)

        // 15 March, and again within the window two days later: the March member once.
        let marchDay = Timestamps.parse("2026-03-15T10:00:00Z")!
        #expect(try await BirthdayJob.runOnce(store: store, now: marchDay) == 1)
        #expect(try await BirthdayJob.runOnce(store: store, now: marchDay.addingTimeInterval(2 * 86_400)) == 0)
        #expect(try await BirthdayJob.runOnce(store: second, now: marchDay.addingTimeInterval(3600)) == 0)
        #expect(try await store.member(programId: "prg_c", id: march.id)?.available == 100)
        #expect(try await store.member(programId: "prg_c", id: dayAfter.id)?.available == 0)
        #expect(try await store.member(programId: "prg_c", id: none.id)?.available == 0)

        // The next year: both March members, once each.
        let nextYear = Timestamps.parse("2027-03-15T10:00:00Z")!
        #expect(try await BirthdayJob.runOnce(store: store, now: nextYear) == 2)
        #expect(try await BirthdayJob.runOnce(store: store, now: nextYear) == 0)
        #expect(try await store.member(programId: "prg_c", id: dayAfter.id)?.available == 100)
        #expect(try await store.member(programId: "prg_c", id: march.id)?.available == 200)

        let messages = try await Self.messages(store, MessageType.birthday)
        #expect(messages.count == 4)
        #expect(messages[0].memberId == leap.id && messages[0].payload == #"{"member_id":"\#(leap.id)","points":100,"year":2026}"#)
        let entry = try #require(try await store.ledger(programId: "prg_c", memberId: march.id, limit: 10, startingAfter: nil).items.first)
        #expect(entry.entry.kind == .adjust && entry.actor == "birthday" && entry.reason == "birthday 2027")
        #expect(try await store.audit(programId: "prg_c") == [])
    }
}

