import Foundation
import LaurelCore
import LaurelStore
import LaurelTestSupport
import Testing

/// A seeded random mix of every write, with time moving on: after each one the ledger audit is clean and each
/// member's cached balance equals the sum of their ledger entries. A failure names the seed and step to replay.
struct RandomWorkloadTests {
    static let program = """
        name: Random workload
        currency: EUR
        rounding: half_up
        points:
          pending_days: 3
          expiry: {policy: after_days, days: 20}
          returns: {when_spent: debt, debt_limit: 50}
        earning_rules:
          - id: spend
            event: purchase
            effect: {type: points_per_amount, points: 1, per: 1}
          - id: big-basket
            event: purchase
            conditions:
              - {field: event.total, op: gte, value: 120}
            effect: {type: fixed_points, points: 40}
          - id: app
            event: purchase
            conditions:
              - {field: event.channel, op: eq, value: app}
            effect: {type: fixed_points, points: 7}
            limit: {max_times: 2, period: day}
          - id: review
            event: review
            effect: {type: fixed_points, points: 15}
            limit: {max_times: 2, period: day}
          - id: steps
            event: steps
            effect: {type: points_per_attribute, attribute: steps, points: 1, per: 1000}
            limit: {max_points: 20, period: day}
        """

    /// What the test itself knows about a purchase, to choose returns and check them.
    struct PurchaseState {
        var id: String
        var memberId: String
        var total: Amount
        var earned: Int
        var refunded: Amount = .zero
        /// Points its returns took back or forgave so far.
        var settled: Int = 0
        var reversed: Int = 0
    }

    @Test(arguments: StoreBackend.available, Array(UInt64(1)...10))
    func auditStaysCleanUnderRandomWrites(backend: StoreBackend, seed: UInt64) async throws {
        var random = SplitMix64(seed: seed)
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        var members: [MemberRecord] = []
        for index in 0..<5 { members.append(try await fixture.member("c-\(index)")) }
        var blocked: Set<String> = []
        var purchases: [PurchaseState] = []
        var now = StoreFixture.start
        /// Writes that went through, by kind, to show the workload did exercise each of them.
        var done: [String: Int] = [:]

        /// An event settles its member as of its time (matures and expires what is due, on
        /// PostgreSQL from only the due lots): the row then holds what a read as of that time shows.
        func expectSettled(_ memberId: String, now: Date, _ label: String) async throws {
            let row = try await fixture.reload(memberId)
            let read = try await fixture.store.pointsSummary(programId: fixture.programId, memberId: memberId, now: now, expiringWithin: 0)
            #expect(row.available == read.available && row.pending == read.pending,
                    "\(label): the row holds available \(row.available) pending \(row.pending), a read as of now \(read.available) / \(read.pending)")
        }

        for step in 0..<200 {
            now += Double(Int.random(in: 0...(14 * 3600), using: &random))
            let member = members.randomElement(using: &random)!.id
            let context = "seed \(seed) step \(step)"
            let roll = Int.random(in: 0..<100, using: &random)
            var operation = ""
            do {
                switch roll {
                case 0..<30:
                    let cents = Int.random(in: 1...20_000, using: &random)
                    let total = Amount(units: Int64(cents) * 100)
                    let channel = Bool.random(using: &random) ? "app" : nil
                    operation = "purchase of \(total) by \(member)"
                    let event = LoyaltyEvent(id: Identifiers.make("evt", now: now), type: LoyaltyEvent.purchaseType, occurredAt: now, channel: channel,
                                             purchase: Purchase(currency: "EUR", total: total, lines: []))
                    let recorded = try await fixture.record(event, memberId: member, now: now)
                    #expect(recorded.status == (blocked.contains(member) ? .rejected : .processed), "\(context): \(operation)")
                    if recorded.status == .processed {
                        purchases.append(PurchaseState(id: recorded.id, memberId: member, total: total, earned: recorded.points))
                        try await expectSettled(member, now: now, "\(context): \(operation)")
                    }
                case 30..<42:
                    let type = ["review", "steps", "survey"].randomElement(using: &random)!
                    let attributes: [String: JSONValue] = type == "steps" ? ["steps": .number(String(Int.random(in: 0...30_000, using: &random)))] : [:]
                    operation = "\(type) by \(member)"
                    // Some events arrive late: they happened up to two days before they are reported.
                    let occurred = now - Double(Int.random(in: 0...(2 * 86_400), using: &random))
                    let recorded = try await fixture.record(StoreFixture.named(type, at: occurred, id: Identifiers.make("evt", now: now),
                                                                               attributes: attributes),
                                                            memberId: member, now: now)
                    if recorded.status == .processed { try await expectSettled(member, now: now, "\(context): \(operation)") }
                case 42..<60:
                    guard let index = purchases.indices.randomElement(using: &random) else { continue }
                    let purchase = purchases[index]
                    let refundable = purchase.total - purchase.refunded
                    let overshoot = Int.random(in: 0..<10, using: &random) == 0
                    let amount = overshoot ? refundable + Amount(units: 100) : Amount(units: max(100, Int64.random(in: 0...refundable.units, using: &random) / 100 * 100))
                    operation = "return of \(amount) of \(purchase.id) (\(purchase.total), \(purchase.refunded) refunded)"
                    do {
                        let recorded = try await fixture.record(StoreFixture.returnOf(purchase.id, amount: amount.description, at: now), memberId: purchase.memberId,
                                                                now: now)
                        #expect(amount <= refundable, "\(context): \(operation) was accepted")
                        done["accepted return", default: 0] += 1
                        let reversal = try #require(recorded.outcome.reversal)
                        purchases[index].refunded = purchase.refunded + amount
                        purchases[index].settled += reversal.reversed + reversal.forgiven
                        purchases[index].reversed += reversal.reversed
                        #expect(purchases[index].reversed <= purchase.earned, "\(context): \(operation) took back more than earned")
                        if purchases[index].refunded == purchase.total {
                            #expect(purchases[index].settled == purchase.earned, "\(context): \(operation) fully refunded but settled \(purchases[index].settled)")
                        }
                    } catch EventProcessingError.refundExceedsPurchase {
                        #expect(amount > refundable || !amount.isPositive, "\(context): \(operation) refused")
                    }
                case 60..<75:
                    let summary = try await fixture.store.pointsSummary(programId: fixture.programId, memberId: member, now: now, expiringWithin: 0)
                    let points = Bool.random(using: &random) ? Int.random(in: 1...80, using: &random) : -Int.random(in: 1...120, using: &random)
                    operation = "adjustment of \(points) for \(member) (available \(summary.available))"
                    do {
                        let adjusted = try #require(try await fixture.store.adjust(
                            programId: fixture.programId, memberId: member, id: Identifiers.make("adj", now: now), points: points, reason: "random",
                            actor: "seed-\(seed)", now: now, idempotency: nil).value)
                        #expect(points > 0 || -points <= summary.available, "\(context): \(operation) was accepted")
                        #expect(adjusted.balanceAfter.available == summary.available + points, "\(context): \(operation)")
                    } catch LedgerError.insufficientPoints {
                        #expect(points < 0 && -points > summary.available, "\(context): \(operation) refused")
                    }
                case 75..<87:
                    let receiver = members.randomElement(using: &random)!.id
                    let summary = try await fixture.store.pointsSummary(programId: fixture.programId, memberId: member, now: now, expiringWithin: 0)
                    let points = Int.random(in: 1...100, using: &random)
                    operation = "transfer of \(points) from \(member) (available \(summary.available)) to \(receiver)"
                    do {
                        _ = try await fixture.store.transfer(programId: fixture.programId, id: Identifiers.make("trf", now: now), from: member, to: receiver,
                                                             points: points, now: now, idempotency: nil)
                        done["accepted transfer", default: 0] += 1
                        #expect(member != receiver && points <= summary.available && !blocked.contains(member) && !blocked.contains(receiver),
                                "\(context): \(operation) was accepted")
                    } catch StoreError.sameMember {
                        #expect(member == receiver, "\(context): \(operation)")
                    } catch StoreError.memberBlocked {
                        #expect(blocked.contains(member) || blocked.contains(receiver), "\(context): \(operation)")
                    } catch LedgerError.insufficientPoints {
                        #expect(points > summary.available, "\(context): \(operation) refused")
                    }
                case 87..<96:
                    operation = "settlement at \(Timestamps.format(now))"
                    try await fixture.settle(now: now, batchSize: Int.random(in: 1...3, using: &random))
                default:
                    let block = !blocked.contains(member)
                    operation = "\(block ? "block" : "unblock") \(member)"
                    _ = try await fixture.store.updateMember(programId: fixture.programId, id: member,
                                                             patch: MemberPatch(status: block ? .blocked : .active), now: now,
                                                             idempotency: nil)
                    if block { blocked.insert(member) } else { blocked.remove(member) }
                }
            } catch {
                Issue.record("\(context): \(operation) failed: \(error)")
                return
            }
            done[String(operation.prefix { $0 != " " }), default: 0] += 1

            let problems = try await fixture.audit()
            var consistent = problems.isEmpty
            #expect(problems == [], "\(context) after \(operation)")
            for record in members {
                let stored = try await fixture.reload(record.id)
                let fromEntries = try await fixture.balancesFromEntries(record.id)
                let matches = stored.available == fromEntries.available && stored.pending == fromEntries.pending
                    && stored.debt >= 0 && stored.available >= -50
                #expect(matches, """
                    \(context) after \(operation): \(record.id) cached available \(stored.available) pending \(stored.pending) debt \(stored.debt), \
                    entries say available \(fromEntries.available) pending \(fromEntries.pending)
                    """)
                consistent = consistent && matches
            }
            guard consistent else { return }
        }
        for kind in ["purchase", "return", "adjustment", "transfer", "settlement", "accepted return", "accepted transfer"] {
            #expect(done[kind, default: 0] > 0, "seed \(seed): the workload never did a \(kind): \(done)")
        }
    }
}
