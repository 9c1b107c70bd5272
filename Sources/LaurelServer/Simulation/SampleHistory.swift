import Foundation
import LaurelCore
import LaurelStore

/// A reproducible history for trying backtests (its tests and benchmark): members join, buy, return,
/// review, redeem and cancel, transfer, get adjusted (and adjustments cancelled), all recorded live
/// through the store with `now:` at their time, and the ledger jobs run every hour of the clock as
/// the live scheduler would.
public enum SampleHistory {
    public static let programId = "prg_sim"
    public static let start = Timestamps.parse("2026-01-01T00:00:00Z")!

    /// Pending release, expiry, debt on returns, tiers that go up and down with a rolling window, and `base` points per euro.
    public static func program(base: Int = 1) -> String {
        """
        name: Backtest
        currency: EUR
        point_value: "0.01"
        timezone: UTC
        points:
          expiry: {policy: after_days, days: 60}
          pending_days: 7
          returns: {when_spent: debt, debt_limit: 500}
        earning_rules:
          - id: base
            name: \(base) per euro
            event: purchase
            effect: {type: points_per_amount, points: \(base), per: 1}
          - id: review
            name: 20 per review, twice a day
            event: review
            effect: {type: fixed_points, points: 20}
            limit: {max_times: 2, period: day}
        tiers:
          basis: points_earned
          window: {rolling_months: 2}
          downgrade: {policy: automatic}
          levels:
            - {id: blue, name: Blue, threshold: 0}
            - {id: silver, name: Silver, threshold: 300, benefits: {earning_multiplier: 1.5}}
            - {id: gold, name: Gold, threshold: 900, benefits: {earning_multiplier: 2}}
        """
    }

    /// SplitMix64: the same numbers on every machine.
    private struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ range: Range<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
        mutating func chance(_ percent: Int) -> Bool { int(0..<100) < percent }
    }

    /// What was recorded; `refused`: actions the store refused (a redemption without the points…), which left nothing.
    public struct Counts: Sendable {
        public var events = 0, purchases = 0, returns = 0, redemptions = 0, cancellations = 0, transfers = 0, adjustments = 0, adjustmentCancellations = 0
        public var refused = 0
    }

    /// Records `actions` actions over `members` members, starting at `start`; answers the end of the history (after the last job run) and what was done.
    public static func record(into store: any LaurelStore, seed: UInt64, members memberCount: Int, actions: Int) async throws -> (until: Date, counts: Counts) {
        var random = Random(state: seed)
        _ = try await store.createProgram(id: programId, name: "Backtest", now: start)
        _ = try await store.applyProgram(id: programId, definition: try ProgramDefinition.parse(program()), source: program(), now: start, idempotency: nil)
        _ = try await store.putReward(programId: programId, reward: Reward(id: "mug", name: "Mug", kind: .experience, cost: 150), now: start)
        var clock = start
        var nextJobs = start.addingTimeInterval(3600)
        var members: [String] = []
        var purchases: [(id: String, member: String, total: Int)] = []
        var redemptions: [String] = []
        var adjustments: [(id: String, member: String)] = []
        var counts = Counts()
        func advance(by seconds: Int) async throws {
            clock = clock.addingTimeInterval(TimeInterval(seconds))
            while nextJobs <= clock {
                try await Backtest.runJobs(store, now: nextJobs)
                nextJobs = nextJobs.addingTimeInterval(3600)
            }
        }
        func event(_ json: String, member: String) async throws -> String {
            let id = Identifiers.make("evt", now: clock)
            let imported = try EventImport.parse(json, id: id, now: clock)
            _ = try await store.recordEvent(programId: programId, memberId: member, event: imported.event, payload: imported.payload(member),
                                            now: clock, idempotency: nil)
            counts.events += 1
            return id
        }
        for action in 0..<actions {
            try await advance(by: random.int(60..<(2 * 3600)))
            if members.count < memberCount && (members.isEmpty || random.chance(15)) {
                let id = String(format: "mem_%05d", members.count)
                _ = try await store.createMember(MemberRecord(id: id, programId: programId, externalId: "ext-\(id)",
                                                              attributes: ["city": .string(random.chance(50) ? "Berlin" : "Lyon")],
                                                              createdAt: clock, updatedAt: clock), idempotency: nil)
                members.append(id)
                continue
            }
            let member = members[random.int(0..<members.count)]
            let occurred = Timestamps.format(clock.addingTimeInterval(-TimeInterval(random.int(0..<600))))
            let roll = random.int(0..<100)
            do {
                switch roll {
                case 0..<55:
                    let total = random.int(5..<180)
                    let id = try await event(#"{"member_id":"\#(member)","type":"purchase","occurred_at":"\#(occurred)","purchase":{"currency":"EUR","total":"\#(total).00"}}"#,
                                             member: member)
                    purchases.append((id, member, total))
                    counts.purchases += 1
                case 55..<63 where !purchases.isEmpty:
                    let purchase = purchases[random.int(max(0, purchases.count - 200)..<purchases.count)]
                    let amount = random.int(1..<(purchase.total + 1))
                    _ = try await event(#"{"member_id":"\#(purchase.member)","type":"return","occurred_at":"\#(occurred)","return":{"purchase_event_id":"\#(purchase.id)","amount":"\#(amount).00"}}"#,
                                        member: purchase.member)
                    counts.returns += 1
                case 63..<78:
                    _ = try await event(#"{"member_id":"\#(member)","type":"review","occurred_at":"\#(occurred)"}"#, member: member)
                case 78..<87:
                    let id = "red_\(action)"
                    _ = try await store.redeem(programId: programId, id: id, memberId: member, rewardId: "mug", points: nil, now: clock, idempotency: nil)
                    redemptions.append(id)
                    counts.redemptions += 1
                case 87..<90 where !redemptions.isEmpty:
                    let id = redemptions.remove(at: random.int(0..<redemptions.count))
                    _ = try await store.cancelRedemption(programId: programId, id: id, now: clock, idempotency: nil)
                    counts.cancellations += 1
                case 90..<95 where members.count > 1:
                    let to = members[random.int(0..<members.count)]
                    guard to != member else { break }
                    _ = try await store.transfer(programId: programId, id: "trf_\(action)", from: member, to: to, points: random.int(10..<120),
                                                 now: clock, idempotency: nil)
                    counts.transfers += 1
                case 95..<98:
                    let id = "adj_\(action)"
                    let points = random.chance(70) ? random.int(10..<300) : -random.int(5..<60)
                    _ = try await store.adjust(programId: programId, memberId: member, id: id, points: points, reason: "goodwill", actor: "staff:ops",
                                               now: clock, idempotency: nil)
                    if points > 0 { adjustments.append((id, member)) }
                    counts.adjustments += 1
                default:
                    guard !adjustments.isEmpty else { break }
                    let adjustment = adjustments.remove(at: random.int(0..<adjustments.count))
                    _ = try await store.cancelAdjustment(programId: programId, memberId: adjustment.member, adjustmentId: adjustment.id,
                                                         reason: "mistake", actor: "staff:ops", now: clock, idempotency: nil)
                    counts.adjustmentCancellations += 1
                }
            } catch {
                // Refused live (not enough points, a return of more than is left…): nothing was written, as through the API.
                counts.refused += 1
            }
        }
        try await advance(by: 3600)
        try await Backtest.runJobs(store, now: clock)
        return (clock, counts)
    }
}
