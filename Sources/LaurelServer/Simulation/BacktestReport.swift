import Foundation
import LaurelCore
import LaurelStore

/// The comparison of a backtest: the live program against the draft over the window.
public struct BacktestReport: Sendable {
    /// One program's figures over the window.
    public struct Side: Sendable, Equatable {
        /// Points credited by events and rules (earned, pending or not).
        public var issued = 0
        /// Points staff credited (net of debits and cancellations).
        public var adjusted = 0
        /// Points spent on rewards, net of cancelled redemptions.
        public var spent = 0
        public var expired = 0
        /// Points returns took back.
        public var reversed = 0
        /// Available plus pending points of every member at the window's end.
        public var outstanding = 0
        public var pointValue = Amount.zero
        /// `outstanding` in money.
        public var liability = Amount.zero
        /// The money value of `issued` per member at the window's end.
        public var costPerMember = Amount.zero
        public var members = 0
        /// Members per tier at the window's end (`none` for members without one).
        public var tiers: [String: Int] = [:]
        public var weeks: [Week] = []
    }

    public struct Week: Sendable, Equatable {
        public var start: Date
        public var issued = 0
        public var spent = 0
        public var expired = 0
    }

    /// A member whose tier at the window's end differs.
    public struct TierMove: Sendable, Equatable {
        public var memberId: String
        public var live: String?
        public var draft: String?
    }

    public var programId: String
    public var from: Date
    public var until: Date
    public var live = Side()
    public var draft = Side()
    public var tierChanged = 0
    /// Up to 20 members whose tier would change, in member id order.
    public var tierSample: [TierMove] = []
    /// Records replayed and refused by the draft, by kind, with a few reasons each.
    public var replayed: [String: Int] = [:]
    public var refused: [String: Int] = [:]
    public var refusalSamples: [String: [String]] = [:]
    public var held = 0
    /// How the live side was obtained.
    public var liveSource = ""
    public var elapsedSeconds = 0.0
    /// Twelve months ahead from each side's window (`BacktestForecast`).
    public var liveForecast: BacktestForecast?
    public var draftForecast: BacktestForecast?

    /// The balances and tiers of members at `until`, as `pointsSummary` shows them then.
    static func states(_ store: any LaurelStore, programId: String, members: [MemberRecord], until: Date) async throws
        -> [String: (points: Int, tier: String?)] {
        var states: [String: (points: Int, tier: String?)] = [:]
        for member in members where member.createdAt < until {
            let summary = try await store.pointsSummary(programId: programId, memberId: member.id, now: until, expiringWithin: 0)
            states[member.id] = (summary.available + summary.pending, summary.member.tier.tierId)
        }
        return states
    }

    static func money(_ value: Amount, times points: Int) -> Amount {
        let (units, overflow) = value.units.multipliedReportingOverflow(by: Int64(points))
        return Amount(units: overflow ? (points < 0 ? .min : .max) : units)
    }

    /// One side's figures from its ledger flows and its members' states.
    static func side(flows: [WeeklyFlow], states: [String: (points: Int, tier: String?)], pointValue: Amount, from: Date, until: Date) -> Side {
        var side = Side()
        side.pointValue = pointValue
        let weekCount = max(1, Int(ceil(until.timeIntervalSince(from) / (7 * 24 * 3600))))
        side.weeks = (0..<weekCount).map { Week(start: from.addingTimeInterval(Double($0) * 7 * 24 * 3600)) }
        for flow in flows {
            let net = flow.toMembers - flow.fromMembers
            var issued = 0, spent = 0, expired = 0
            switch flow.account {
            case "issued": issued = net
            case "redeemed": spent = -net
            case "expired": expired = -net
            case "reversed": side.reversed -= net
            case "adjusted": side.adjusted += net
            default: break
            }
            side.issued += issued
            side.spent += spent
            side.expired += expired
            if side.weeks.indices.contains(flow.week) {
                side.weeks[flow.week].issued += issued
                side.weeks[flow.week].spent += spent
                side.weeks[flow.week].expired += expired
            }
        }
        side.members = states.count
        for state in states.values {
            side.outstanding += state.points
            side.tiers[state.tier ?? "none", default: 0] += 1
        }
        side.liability = money(pointValue, times: side.outstanding)
        side.costPerMember = side.members == 0 ? .zero : Amount(units: money(pointValue, times: side.issued).units / Int64(side.members))
        return side
    }

    /// Runs the backtest: replays the history through the draft (and through the live program when
    /// the live store holds records after the window, whose end state is then not the live one) and compares.
    public static func run(_ backtest: Backtest, live store: any LaurelStore & SimulationSource,
                           progress: @escaping @Sendable (_ phase: String, _ done: Int, _ total: Int) -> Void = { _, _, _ in }) async throws -> BacktestReport {
        let started = ContinuousClock.now
        progress("reading", 0, 1)
        let history = try await Backtest.History.read(from: store, programId: backtest.programId)
        var report = BacktestReport(programId: backtest.programId, from: backtest.from, until: backtest.until)
        guard let liveProgram = history.versions.max(by: { $0.version < $1.version }) else {
            throw StoreError.notFound("a version of program \(backtest.programId)")
        }
        let draftOutcome = try await backtest.replay(history) { progress("replaying draft", $0, $1) }
        report.replayed = draftOutcome.replayed
        report.refused = draftOutcome.refused
        report.refusalSamples = draftOutcome.refusalSamples
        report.held = draftOutcome.held
        let draftStates = try await states(draftOutcome.store, programId: backtest.programId, members: history.members, until: backtest.until)
        let draftFlows = try await draftOutcome.store.simulationFlows(programId: backtest.programId, from: backtest.from, until: backtest.until)
        let draftValue = (backtest.draft ?? liveProgram.definition).pointValue
        try await draftOutcome.close()
        report.draft = side(flows: draftFlows, states: draftStates, pointValue: draftValue, from: backtest.from, until: backtest.until)

        let liveFlows = try await store.simulationFlows(programId: backtest.programId, from: backtest.from, until: backtest.until)
        let laterRecords = backtest.steps(history).count < Backtest(programId: backtest.programId, draft: backtest.draft, from: backtest.from,
                                                                   until: .distantFuture).steps(history).count
        let liveStates: [String: (points: Int, tier: String?)]
        if laterRecords {
            var replayLive = backtest
            replayLive.draft = nil
            // A named scratch file keeps the draft's replay; this one goes to a temporary file (the named one exists now).
            replayLive.scratchPath = nil
            let liveOutcome = try await replayLive.replay(history) { progress("replaying live", $0, $1) }
            liveStates = try await states(liveOutcome.store, programId: backtest.programId, members: history.members, until: backtest.until)
            try await liveOutcome.close()
            report.liveSource = "live ledger for the flows; the live program replayed for the state at the window's end (the database holds later records)"
        } else {
            liveStates = try await states(store, programId: backtest.programId, members: history.members, until: backtest.until)
            report.liveSource = "live ledger"
        }
        report.live = side(flows: liveFlows, states: liveStates, pointValue: liveProgram.definition.pointValue, from: backtest.from, until: backtest.until)
        for id in liveStates.keys.sorted() {
            let live = liveStates[id]?.tier, draft = draftStates[id]?.tier
            guard live != draft else { continue }
            report.tierChanged += 1
            if report.tierSample.count < 20 { report.tierSample.append(TierMove(memberId: id, live: live, draft: draft)) }
        }
        report.liveForecast = BacktestForecast(report.live, from: backtest.from, until: backtest.until)
        report.draftForecast = BacktestForecast(report.draft, from: backtest.from, until: backtest.until)
        let elapsed = ContinuousClock.now - started
        report.elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return report
    }
}
