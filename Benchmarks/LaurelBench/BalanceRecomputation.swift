import Foundation
import LaurelCore
import LaurelStore
import NIOFoundationCompat

/// A write the day sent, in the client's own terms, with what the server answered.
struct SentWrite: Sendable {
    enum Request: Sendable {
        case purchase(lines: [BenchWorkload.Line], channel: String)
        case event(type: String)
        case returnPurchase(purchaseId: String, amount: String)
        case redeem(rewardId: String)
        case enrol
    }
    /// The member it was for; for an enrolment, the member it created ("" if none).
    let memberId: String
    let request: Request
    let status: Int
    /// The id the server gave the event, redemption or member.
    let id: String?
    /// `occurred_at` of an event, `created_at` of a redemption, as answered.
    let at: Date?
    var acknowledged: Bool { (200..<300).contains(status) }
}

/// A member's points and tier as `GET /v1/members/{id}` reports them.
struct ReportedBalance: Sendable, Equatable, CustomStringConvertible {
    var available = 0, pending = 0, debt = 0, lifetimeEarned = 0
    var tierId: String?
    var description: String { "available \(available), pending \(pending), debt \(debt), lifetime \(lifetimeEarned), tier \(tierId ?? "none")" }
}

extension RetailRunner {
    /// Every member's balance through the public API, eight requests at a time.
    func reportedBalances(of memberIds: [String]) async throws -> [String: ReportedBalance] {
        let next = LockedCounter()
        return try await withThrowingTaskGroup(of: [String: ReportedBalance].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var mine: [String: ReportedBalance] = [:]
                    while let index = next.take(below: memberIds.count) {
                        let response = try await client.get("/v1/members/\(memberIds[index])")
                        guard response.status == 200, let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any],
                              let points = json["points"] as? [String: Any] else { continue }
                        mine[memberIds[index]] = ReportedBalance(available: points["available"] as? Int ?? 0, pending: points["pending"] as? Int ?? 0,
                                                                 debt: points["debt"] as? Int ?? 0, lifetimeEarned: points["lifetime_earned"] as? Int ?? 0,
                                                                 tierId: json["tier_id"] as? String)
                    }
                    return mine
                }
            }
            var all: [String: ReportedBalance] = [:]
            for try await part in group { all.merge(part) { first, _ in first } }
            return all
        }
    }
}

/// Recomputes every member's balance from the seed's own requests with LaurelCore alone, and
/// compares it with what the API reports.
///
/// What the client knows by itself: the program, the catalogue and each member's opening state
/// (`RetailSetup`), and every write it sent with its answer. What it cannot know is the order in
/// which concurrent writes to one member were applied; that alone is read from the server: the
/// sequence of the member's ledger entries, grouped by the event or redemption that made them.
/// Points, tiers, limits and returns are then replayed in memory as `SQLiteStore.record` feeds the
/// core (rule usage, tier standing, ledger, returned purchase), never from the server's outcomes.
struct BalanceRecomputation {
    let day: RetailSetup.Day
    let writes: [SentWrite]

    struct Mismatch {
        let memberId: String
        let expected: ReportedBalance
        let reported: ReportedBalance?
        let notes: [String]
    }

    struct Report {
        let members: Int
        let mismatches: [Mismatch]
        /// Acknowledged writes replayed, and how many of them had left no ledger entry (placed by time).
        let replayed: Int, quiet: Int
        let seconds: Double

        var text: String {
            var lines = [String(format: "balances recomputed independently: %d of %d members equal (%d acknowledged writes replayed in the server's order, " +
                                "%d of them without ledger entries placed by time; %.1f s)", members - mismatches.count, members, replayed, quiet, seconds)]
            for mismatch in mismatches.prefix(10) {
                lines.append("  \(mismatch.memberId): recomputed \(mismatch.expected); API \(mismatch.reported.map(\.description) ?? "no answer")")
                lines += mismatch.notes.prefix(3).map { "    \($0)" }
            }
            return lines.joined(separator: "\n")
        }
    }

    func check(against reported: [String: ReportedBalance], store: any LaurelStore) async throws -> Report {
        let definition = try ProgramDefinition.parse(RetailSetup.programYAML)
        let processor = EventProcessor(program: definition)
        var rewards: [String: Reward] = [:]
        for index in 0..<20 {
            let reward = try Reward.read(try ProgramSourceParser.parse(RetailSetup.rewardJSON(index)), program: definition)
            rewards[reward.id] = reward
        }
        let byMember = Dictionary(grouping: writes.filter { $0.acknowledged && $0.id != nil }, by: \.memberId)

        var members: [(id: String, replay: MemberReplay)] = []
        for (index, memberId) in day.memberIds.enumerated() {
            members.append((memberId, MemberReplay(memberId: memberId, opening: RetailSetup.opening(index), at: day.openedAt, processor: processor)))
        }
        for write in writes where write.acknowledged && !write.memberId.isEmpty {
            if case .enrol = write.request { members.append((write.memberId, MemberReplay(memberId: write.memberId))) }
        }

        let started = ContinuousClock.now
        var mismatches: [Mismatch] = []
        var replayed = 0, quiet = 0
        for (memberId, start) in members {
            var replay = start
            let sent = byMember[memberId, default: []].filter { if case .enrol = $0.request { false } else { true } }
            if !sent.isEmpty {
                let (order, withoutEntries) = try await applicationOrder(sent, memberId: memberId, store: store, notes: &replay.notes)
                for write in order { replay.apply(write, processor: processor, rewards: rewards) }
                replayed += order.count
                quiet += withoutEntries
            }
            let expected = replay.balance
            if reported[memberId] != expected || !replay.notes.isEmpty {
                mismatches.append(Mismatch(memberId: memberId, expected: expected, reported: reported[memberId], notes: replay.notes))
            }
        }
        return Report(members: members.count, mismatches: mismatches, replayed: replayed, quiet: quiet, seconds: (ContinuousClock.now - started).seconds)
    }

    /// The member's acknowledged writes in the order the server applied them. Writes that made
    /// ledger entries come in the order of their first entry; writes that made none (over a rule's
    /// limit) changed nothing on the server, and go in by their `occurred_at`.
    /// Entries from anything the client did not see acknowledged (besides the opening adjustment) are noted.
    private func applicationOrder(_ sent: [SentWrite], memberId: String, store: any LaurelStore, notes: inout [String]) async throws -> (order: [SentWrite], withoutEntries: Int) {
        var firstSeq: [String: Int64] = [:]
        var cursor: Int64?
        repeat {
            let page = try await store.ledger(programId: "bench", memberId: memberId, limit: 500, startingAfter: cursor)
            for record in page.items where record.entry.kind != .adjust {
                firstSeq[record.entry.sourceId] = min(firstSeq[record.entry.sourceId] ?? .max, record.sequence)
            }
            cursor = page.hasMore ? page.items.last?.sequence : nil
        } while cursor != nil
        let known = Set(sent.compactMap(\.id))
        for (sourceId, _) in firstSeq where !known.contains(sourceId) {
            notes.append("ledger entries from \(sourceId), which the client never saw acknowledged")
        }
        let ordered = sent.filter { firstSeq[$0.id!] != nil }.sorted { firstSeq[$0.id!]! < firstSeq[$1.id!]! }
        var quiet = sent.filter { firstSeq[$0.id!] == nil }.sorted { ($0.at ?? .distantPast) < ($1.at ?? .distantPast) }[...]
        let withoutEntries = quiet.count
        var result: [SentWrite] = []
        for write in ordered {
            while let next = quiet.first, (next.at ?? .distantPast) < (write.at ?? .distantPast) { result.append(quiet.removeFirst()) }
            result.append(write)
        }
        return (result + quiet, withoutEntries)
    }
}

/// One member's state, kept in memory as the store keeps it in tables: open lots and counters,
/// tier state, rule awards (for limits), tier contributions (for the window), purchases (for returns).
struct MemberReplay {
    let memberId: String
    var profile: MemberProfile
    var ledger: MemberLedger
    var tier = MemberTier()
    var awards: [(ruleId: String, at: Int64, points: Int)] = []
    var contributions: [(at: Int64, contribution: TierContribution)] = []
    var purchases: [String: PurchaseRecord] = [:]
    var redeemedAt: [String: [Date]] = [:]
    /// Where the recomputation disagreed with an acknowledgement (a refusal of something the server accepted).
    var notes: [String] = []

    /// A member enrolled during the day: nothing yet.
    init(memberId: String) {
        self.memberId = memberId
        profile = MemberProfile(id: memberId)
        ledger = MemberLedger(memberId: memberId)
    }

    /// A member of the setup: their floor set (as `setTierFloor` does), then their opening points.
    init(memberId: String, opening: (segment: String, floor: String?, points: Int), at now: Date, processor: EventProcessor) {
        self.init(memberId: memberId)
        profile.attributes = ["segment": .string(opening.segment)]
        if let floor = opening.floor, let tiers = processor.tiers {
            tier.floorTierId = floor
            tier = tiers.evaluate(tier, basis: tiers.basis(TierContribution(), balance: ledger.available), trigger: .floorChanged, now: now).state
        }
        if opening.points > 0 {
            try? ledger.adjust(opening.points, program: processor.program, sourceId: "opening", now: now)
        }
    }

    var balance: ReportedBalance {
        ReportedBalance(available: ledger.available, pending: ledger.pending, debt: ledger.debt, lifetimeEarned: ledger.lifetimeEarned, tierId: tier.tierId)
    }

    mutating func apply(_ write: SentWrite, processor: EventProcessor, rewards: [String: Reward]) {
        guard let id = write.id, let at = write.at else {
            notes.append("an acknowledged write without id or time")
            return
        }
        // As the store loads it for each write: open lots and counters only.
        ledger = MemberLedger(memberId: memberId, lots: ledger.lots, debt: ledger.debt, lifetimeEarned: ledger.lifetimeEarned)
        profile.tier = tier.tierId
        switch write.request {
        case .purchase(let lines, let channel):
            record(BenchWorkload.event(id: id, lines: lines, channel: channel, at: at), processor: processor)
        case .event(let type):
            record(LoyaltyEvent(id: id, type: type, occurredAt: at), processor: processor)
        case .returnPurchase(let purchaseId, let amount):
            record(LoyaltyEvent(id: id, type: LoyaltyEvent.returnType, occurredAt: at,
                                returnOf: ReturnDetails(purchaseEventId: purchaseId, amount: Amount(amount)!)), processor: processor)
        case .redeem(let rewardId):
            guard let reward = rewards[rewardId] else { return notes.append("redemption \(id) of unknown reward \(rewardId)") }
            redeem(reward, id: id, at: at, check: RedemptionCheck(program: processor.program))
        case .enrol:
            break
        }
    }

    /// One event, fed to the core as `SQLiteStore.record` feeds it, then its outcome kept as the store keeps it.
    private mutating func record(_ event: LoyaltyEvent, processor: EventProcessor) {
        let at = Timestamps.millis(event.occurredAt)
        var usage: [String: RuleUsage] = [:]
        for query in processor.limitQueries(for: event) {
            let from = query.from.map(Timestamps.millis) ?? .min, to = query.to == .distantFuture ? .max : Timestamps.millis(query.to)
            let counted = awards.filter { $0.ruleId == query.ruleId && $0.at >= from && $0.at < to }
            usage[query.ruleId] = RuleUsage(points: counted.reduce(0) { $0 + $1.points }, times: counted.count)
        }
        let standing = processor.tiers.map { tiers in
            let from = tiers.windowStart(at: event.occurredAt).map(Timestamps.millis) ?? .min
            let totals = contributions.filter { $0.at >= from && $0.at <= at }.reduce(TierContribution()) { $0 + $1.contribution }
            return TierStanding(state: tier, totals: totals)
        }
        let outcome: EventOutcome
        do {
            outcome = try processor.process(event, member: profile, ledger: ledger, usage: usage,
                                            returnedPurchase: event.returnOf.flatMap { purchases[$0.purchaseEventId] }, tier: standing, now: event.occurredAt)
        } catch {
            return notes.append("the recomputation refuses \(event.type) \(event.id), which the server acknowledged: \(error)")
        }
        guard outcome.status == .processed else { return notes.append("the recomputation rejects \(event.type) \(event.id): \(outcome.reason ?? "")") }
        ledger = outcome.ledger
        if let state = outcome.tier {
            if let contribution = outcome.tierContribution, !contribution.isZero { contributions.append((at, contribution)) }
            tier = state
        }
        for rule in outcome.rules where rule.isAward { awards.append((rule.ruleId, at, rule.points)) }
        if let purchase = event.purchase {
            purchases[event.id] = PurchaseRecord(eventId: event.id, memberId: memberId, total: purchase.total, pointsEarned: outcome.pointsEarned,
                                                 tierAmount: outcome.tierContribution?.amount)
        }
        if let after = outcome.purchaseAfterReturn { purchases[after.eventId] = after }
    }

    /// A redemption, checked and paid as `SQLiteStore.redeem` does. Stock is left out: it depends on
    /// other members' order, and the stock check of the day covers it.
    private mutating func redeem(_ reward: Reward, id: String, at: Date, check: RedemptionCheck) {
        ledger.settle(now: at, sourceId: id)
        guard case .success(let cost) = check.cost(of: reward, points: nil) else { return notes.append("redemption \(id): no cost") }
        let counts = check.counts(reward, redeemedAt: redeemedAt[reward.id] ?? [], now: at)
        let context = RedemptionContext(member: profile, available: ledger.available, redeemedEver: counts.ever, redeemedInPeriod: counts.inPeriod)
        if let refusal = check.refusals(reward, cost: cost, context: context, now: at).first {
            return notes.append("the recomputation refuses redemption \(id) of \(reward.id), which the server acknowledged: \(refusal)")
        }
        if cost > 0 {
            do { try ledger.spend(cost, sourceId: id) } catch { return notes.append("redemption \(id): \(error)") }
        }
        redeemedAt[reward.id, default: []].append(at)
    }
}
