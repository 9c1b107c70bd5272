import Foundation
import LaurelCore
import LaurelServer
import LaurelStore
import LaurelTestSupport
import Testing

/// `laurel simulate`: the live program replayed over its own history reproduces the live ledger, and a
/// draft shows what it would have changed.
struct BacktestTests {
    /// Actions recorded live for the tests (the issue's 100,000 events run in the benchmark: `BacktestBench`).
    static let actions = 3000

    @Test(arguments: TestBackend.available)
    func replayingTheLiveProgramReproducesEveryMembersBalancePendingAndTier(backend: TestBackend) async throws {
        let live = try await backend.makeStore()
        let (until, counts) = try await SampleHistory.record(into: live, seed: 32, members: 150, actions: Self.actions)
        // The history holds every kind the replay must know, and each more than a few times.
        #expect(counts.purchases > 1000 && counts.returns > 50 && counts.redemptions > 50 && counts.cancellations > 10)
        #expect(counts.transfers > 50 && counts.adjustments > 30 && counts.adjustmentCancellations > 5)
        let source = try #require(live as? any LaurelStore & SimulationSource)
        let backtest = Backtest(programId: SampleHistory.programId, draft: nil, from: SampleHistory.start, until: until)
        let history = try await Backtest.History.read(from: source, programId: SampleHistory.programId)
        let outcome = try await backtest.replay(history)
        #expect(outcome.refused.isEmpty, "\(outcome.refusalSamples)")
        #expect(outcome.replayed["event"] == counts.events)
        #expect(outcome.replayed["transfer"] == counts.transfers)
        #expect(outcome.replayed["adjustment_cancellation"] == counts.adjustmentCancellations)

        var expired = 0, tiers = Set<String>(), tierChanges = 0, differences: [String] = []
        for member in history.members {
            let want = try #require(try await live.member(programId: SampleHistory.programId, id: member.id))
            let got = try #require(try await outcome.store.member(programId: SampleHistory.programId, id: member.id))
            if (want.available, want.pending, want.debt, want.lifetimeEarned, want.tier.tierId) != (got.available, got.pending, got.debt, got.lifetimeEarned, got.tier.tierId) {
                differences.append("\(member.id): live \(want.available)/\(want.pending)/\(want.debt)/\(want.lifetimeEarned)/\(want.tier.tierId ?? "-") "
                                   + "replay \(got.available)/\(got.pending)/\(got.debt)/\(got.lifetimeEarned)/\(got.tier.tierId ?? "-")")
            }
            tiers.insert(want.tier.tierId ?? "none")
            tierChanges += try await live.tierChanges(programId: SampleHistory.programId, memberId: member.id, limit: 100, startingAfter: nil).items.count
            expired += try await live.pointsActivity(programId: SampleHistory.programId, memberId: member.id, from: nil, until: nil).expired
        }
        #expect(differences.isEmpty, "\(differences.count) members differ: \(differences.prefix(10))")
        // Tiers went up and down, points expired: the history exercised them.
        #expect(tiers.count == 3 && tierChanges > history.members.count && expired > 0)
        #expect(try await outcome.store.audit(programId: SampleHistory.programId).isEmpty)
        try await outcome.close()

        // The report of the same run: live and "draft" (the live program again) are equal, nobody changes tier.
        let report = try await BacktestReport.run(backtest, live: source)
        #expect(report.live == report.draft && report.liveForecast == report.draftForecast)
        #expect(report.tierChanged == 0 && report.refused.isEmpty)
        #expect(report.live.issued > 0 && report.live.spent > 0 && report.live.expired > 0 && report.live.reversed > 0)
    }

    /// Consents granted and withdrawn between purchases are replayed in their place: a rule that requires
    /// one gives in the replay exactly what it gave live.
    @Test(arguments: TestBackend.available)
    func consentsAreReplayedWhereTheyChanged(backend: TestBackend) async throws {
        let live = try await backend.makeStore()
        let programId = "prg_consents", start = SampleHistory.start
        let source = """
            name: Consents
            currency: EUR
            earning_rules:
              - {id: spend, event: purchase, effect: {type: points_per_amount, points: 1, per: 1}}
              - {id: newsletter, event: purchase, conditions: [{consent: marketing}], effect: {type: fixed_points, points: 10}}
            """
        _ = try await live.createProgram(id: programId, name: "Consents", now: start)
        _ = try await live.applyProgram(id: programId, definition: try ProgramDefinition.parse(source), source: source, now: start, idempotency: nil)
        var bonuses = 0, clock = start
        for index in 0..<12 {
            clock = clock.addingTimeInterval(60)
            let member = try #require(try await live.createMember(MemberRecord(id: "mem_c\(index)", programId: programId, externalId: "c\(index)",
                                                                                createdAt: clock, updatedAt: clock), idempotency: nil).value)
            for step in 0..<6 {
                clock = clock.addingTimeInterval(60)
                if (index + step) % 3 == 0 {
                    _ = try await live.setConsents(programId: programId, memberId: member.id, ["marketing": (index + step) % 2 == 0], source: .api,
                                                   now: clock, idempotency: nil)
                }
                clock = clock.addingTimeInterval(60)
                let event = LoyaltyEvent(id: "evt_c\(index)_\(step)", type: LoyaltyEvent.purchaseType, occurredAt: clock,
                                         purchase: Purchase(currency: "EUR", total: Amount("20")!, lines: []))
                let payload = #"{"member_id":"\#(member.id)","occurred_at":"\#(Timestamps.format(clock))","purchase":{"currency":"EUR","total":"20"},"type":"purchase"}"#
                let recorded = try #require(try await live.recordEvent(programId: programId, memberId: member.id, event: event, payload: payload, now: clock,
                                                                       idempotency: nil).value)
                if recorded.points == 30 { bonuses += 1 }
            }
        }
        #expect(bonuses > 5 && bonuses < 60, "some purchases earned the consent's bonus, not all: \(bonuses)")
        let history = try await Backtest.History.read(from: try #require(live as? any LaurelStore & SimulationSource), programId: programId)
        #expect(history.consents.count > 10)
        let outcome = try await Backtest(programId: programId, draft: nil, from: start, until: clock.addingTimeInterval(60)).replay(history)
        #expect(outcome.refused.isEmpty, "\(outcome.refusalSamples)")
        for member in history.members {
            let want = try await live.member(programId: programId, id: member.id)?.lifetimeEarned
            #expect(try await outcome.store.member(programId: programId, id: member.id)?.lifetimeEarned == want, "\(member.id)")
        }
        try await outcome.close()
    }

    /// A draft at twice the base rate: purchases earn twice, so more is issued and more is outstanding.
    @Test(arguments: TestBackend.available)
    func aDraftDoublingTheBaseRateShowsTheDifference(backend: TestBackend) async throws {
        let live = try await backend.makeStore()
        let (until, _) = try await SampleHistory.record(into: live, seed: 7, members: 80, actions: 1200)
        let source = try #require(live as? any LaurelStore & SimulationSource)
        // The window is the history's second half: members enter it with the balances the draft would have given them.
        let from = SampleHistory.start.addingTimeInterval(until.timeIntervalSince(SampleHistory.start) / 2)
        let doubled = try ProgramDefinition.parse(SampleHistory.program(base: 2))
        let report = try await BacktestReport.run(Backtest(programId: SampleHistory.programId, draft: doubled, from: from, until: until), live: source)
        #expect(report.live.issued > 0)
        // Base points double; tiers come sooner (their multipliers apply to more points) and review points are unchanged: more than
        // twice the purchase points, but not more than the live total times the highest multiplier ratio.
        #expect(report.draft.issued > report.live.issued * 3 / 2)
        #expect(report.draft.outstanding > report.live.outstanding)
        #expect(report.draft.liability == Amount(units: report.draft.pointValue.units * Int64(report.draft.outstanding)))
        #expect(report.draft.liability > report.live.liability)
        #expect(report.draft.tiers["gold", default: 0] >= report.live.tiers["gold", default: 0])
        #expect(report.live.members == report.draft.members && report.live.members == 80)
        #expect(report.live.weeks.map(\.issued).reduce(0, +) == report.live.issued)
        #expect(report.draft.weeks.map(\.issued).reduce(0, +) == report.draft.issued)
        // The forecast carries the window's monthly rates forward from the outstanding points at its end.
        let forecast = try #require(report.draftForecast)
        let net = forecast.issuedPerMonth - forecast.spentPerMonth - forecast.expiredPerMonth - forecast.otherOutPerMonth
        #expect(forecast.months.count == 12 && forecast.months[0].outstanding == max(0, report.draft.outstanding + net))
        #expect(forecast.months[11].liability == Amount(units: report.draft.pointValue.units * Int64(forecast.months[11].outstanding)))
        #expect(forecast.breakageBasisPoints == Int((Double(report.draft.expired) * 10_000 / Double(report.draft.spent + report.draft.expired)).rounded()))
        #expect(report.draftForecast != report.liveForecast && !forecast.assumptions.isEmpty)
        let json = try report.jsonText()
        #expect(json.contains(#""points_issued""#) && json.contains(#""liability""#))
        #expect(report.table.contains("points issued"))
    }
}
