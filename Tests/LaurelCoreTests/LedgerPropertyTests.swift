import Foundation
import Testing
@testable import LaurelCore
import LaurelTestSupport

/// Seeded random workloads over two or three members: earn (pending, expiring), spend, settle as time
/// advances, returns of earlier purchases through `EventProcessor` under a random policy, transfers,
/// manual adjustments and cancelled redemptions (spent points restored to their lots). After every step the ledger's invariants are checked; a failure names
/// its seed and step, and the run replays exactly from that seed.
struct LedgerPropertyTests {
    static let seeds = Array(UInt64(1)...UInt64(50))
    static let steps = 300

    /// Everything the run has seen, rebuilt from the entries alone.
    struct Books {
        var balances: [LedgerAccount: Int] = [:]
        var posted: [String: Int] = [:]           // member -> entries already posted
        var lotPoints: [String: Int] = [:]        // lot id -> points it was created with
        var expired: [String: Int] = [:]          // lot id -> points expired from it
        var reversedBySource: [String: Int] = [:] // return (or reversal) id -> points reversed
    }

    struct Run {
        let seed: UInt64
        var step = 0
        var failures = 0
        mutating func check(_ condition: Bool, _ message: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation) {
            guard !condition else { return }
            failures += 1
            Issue.record("seed \(seed) step \(step): \(message())", sourceLocation: sourceLocation)
        }
    }

    static func processor(_ policy: ReturnPolicy) -> EventProcessor {
        EventProcessor(program: ProgramDefinition(name: "p", currency: "EUR", rounding: .halfUp, expiry: .afterDays(45), returns: policy))
    }

    @Test(arguments: seeds)
    func invariantsHoldAfterEveryStep(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        var run = Run(seed: seed)
        let memberIds = random.int(0...1) == 0 ? ["a", "b"] : ["a", "b", "c"]
        let debtLimit = random.int(0...300)
        let processors = [Self.processor(ReturnPolicy(whenSpent: .takeAvailable)), Self.processor(ReturnPolicy(whenSpent: .debt, debtLimit: debtLimit))]
        var ledgers = Dictionary(uniqueKeysWithValues: memberIds.map { ($0, MemberLedger(memberId: $0)) })
        var books = Books()
        var purchases: [PurchaseRecord] = []
        var purchaseOfReturn: [String: String] = [:]
        var mayOweDebt: Set<String> = []
        var redemptions: [(source: String, member: String)] = [] // spends not cancelled yet
        var now = Date(timeIntervalSince1970: 1_790_000_000)

        for step in 0..<Self.steps {
            run.step = step
            let source = "op\(step)"
            let member = memberIds[random.int(0...(memberIds.count - 1))]
            let before = ledgers
            var settled: [String] = [] // members settled at `now` by this step

            switch random.int(0...12) {
            case 0, 1, 2: // a purchase earns
                let points = random.int(1...400)
                let pendingDays = random.int(0...2) == 0 ? Double(random.int(1...20)) : 0
                let expiresAt: Date? = random.int(0...3) == 0 ? nil : now.addingTimeInterval(Double(random.int(1...90)) * 86_400)
                let lot = ledgers[member]!.earn(points, sourceId: source, earnedAt: now, availableAt: now.addingTimeInterval(pendingDays * 86_400),
                                                expiresAt: expiresAt, now: now)
                run.check(lot?.points == points && lot?.pending == (pendingDays > 0), "earn made \(String(describing: lot))")
                purchases.append(PurchaseRecord(eventId: source, memberId: member, total: Amount(units: Int64(random.int(1...50_000)) * 100),
                                                pointsEarned: points))
            case 3, 4: // spend
                let points = random.int(1...400)
                let available = ledgers[member]!.available
                do {
                    try ledgers[member]!.spend(points, sourceId: source)
                    redemptions.append((source, member))
                    run.check(points <= available, "spent \(points) with \(available) available")
                    checkSoonestExpiryFirst(before: before[member]!, after: ledgers[member]!, source: source, &run)
                } catch {
                    run.check(points > available, "refused \(points) with \(available) available")
                    run.check(error == .insufficientPoints(available: max(available, 0), requested: points), "error \(error)")
                    run.check(ledgers[member]! == before[member]!, "a refused spend changed the ledger")
                }
            case 5: // time passes
                now = now.addingTimeInterval(Double(random.int(0...(20 * 86_400))))
                for id in memberIds { ledgers[id]!.settle(now: now, sourceId: source) }
                settled = memberIds
            case 6, 7: // a return of an earlier purchase, under a random policy
                guard !purchases.isEmpty else { continue }
                let index = random.int(0...(purchases.count - 1))
                let record = purchases[index]
                let left = record.total - record.amountRefunded
                let amount: Amount = switch random.int(0...3) {
                case 0: left
                case 1: left + Amount(units: 100) // more than is left: refused
                default: Amount(units: Int64(random.int(0...Int(left.units / 100))) * 100)
                }
                let policyIndex = random.int(0...1)
                let event = LoyaltyEvent(id: source, type: LoyaltyEvent.returnType, occurredAt: now,
                                         returnOf: ReturnDetails(purchaseEventId: record.eventId, amount: amount))
                let owner = record.memberId
                var processed: EventOutcome?
                do {
                    processed = try processors[policyIndex].process(event, member: MemberProfile(id: owner), ledger: ledgers[owner]!, usage: [:],
                                                                    returnedPurchase: record, now: now)
                } catch {
                    run.check(!(amount.isPositive && amount <= left), "refund \(amount) of \(left) refused: \(error)")
                    run.check(error == .refundExceedsPurchase(refundable: left, requested: amount), "error \(error)")
                }
                guard let outcome = processed else { continue }
                run.check(amount.isPositive && amount <= left, "refund \(amount) of \(left) accepted")
                let after = try #require(outcome.purchaseAfterReturn)
                let reversal = try #require(outcome.reversal)
                let due = after.pointsReversed - record.pointsReversed
                run.check(due >= 0 && reversal.reversed + reversal.forgiven == due, "reversal \(reversal) for \(due) due")
                run.check(reversal.intoDebt <= reversal.reversed && (policyIndex == 1 || reversal.intoDebt == 0), "debt \(reversal)")
                run.check(after.pointsReversed <= record.pointsEarned, "\(record.eventId) settled \(after.pointsReversed) of \(record.pointsEarned)")
                if after.amountRefunded == record.total {
                    run.check(after.pointsReversed == record.pointsEarned, "fully refunded but only \(after.pointsReversed) of \(record.pointsEarned) settled")
                }
                ledgers[owner] = outcome.ledger
                purchases[index] = after
                purchaseOfReturn[source] = record.eventId
                if policyIndex == 1 { mayOweDebt.insert(owner) }
                settled = [owner]
                // The points moved by the return are exactly what it says it reversed.
                let moved = outcome.ledger.entries[before[owner]!.entries.count...].filter { $0.kind == .reverse && $0.sourceId == source }
                run.check(moved.reduce(0) { $0 + $1.points } == reversal.reversed, "entries \(moved) for \(reversal)")
            case 8, 9: // transfer
                let receiverId = memberIds.filter { $0 != member }[random.int(0...(memberIds.count - 2))]
                var receiver = ledgers[receiverId]!
                let points = random.int(1...300)
                let available = ledgers[member]!.available
                do {
                    try ledgers[member]!.transfer(points, to: &receiver, sourceId: source, now: now)
                    ledgers[receiverId] = receiver
                    run.check(points <= available, "transferred \(points) with \(available) available")
                    checkTransferKeepsExpiry(before: before[member]!, sender: ledgers[member]!, receiver: receiver, source: source, &run)
                } catch {
                    run.check(error == .insufficientPoints(available: max(available, 0), requested: points), "error \(error)")
                    run.check(ledgers[member]! == before[member]! && receiver == before[receiverId]!, "a refused transfer changed a ledger")
                }
            case 12: // a redemption is cancelled: each piece back to its lot, unless the lot has expired since
                guard !redemptions.isEmpty else { continue }
                let (spent, owner) = redemptions.remove(at: random.int(0...(redemptions.count - 1)))
                let pieces = ledgers[owner]!.entries.filter { $0.sourceId == spent && $0.kind == .spend }
                    .compactMap { entry in entry.lotId.map { (lotId: $0, points: entry.points) } }
                let stored = ledgers[owner]!.lots + ledgers[owner]!.closedLots
                let start = ledgers[owner]!.entries.count
                ledgers[owner]!.restore(pieces, lots: stored, sourceId: "cancel-\(spent)", now: now)
                let moved = ledgers[owner]!.entries[start...]
                run.check(moved.reduce(0) { $0 + $1.points } == pieces.reduce(0) { $0 + $1.points } && moved.allSatisfy { $0.from == .redeemed },
                          "cancel of \(spent) moved \(moved) for \(pieces)")
                for entry in moved {
                    let expiry = stored.first { $0.id == entry.lotId }?.expiresAt
                    if entry.kind == .restore {
                        run.check(expiry.map { $0 > now } ?? true, "restored into lot \(entry.lotId ?? "") expired at \(String(describing: expiry))")
                    } else {
                        run.check(entry.kind == .expire && entry.to == .expired && (expiry.map { $0 <= now } ?? false), "cancel entry \(entry)")
                    }
                }
            default: // manual adjustment
                var points = random.int(-200...300)
                if points == 0 { points = 1 }
                let available = ledgers[member]!.available
                do {
                    try ledgers[member]!.adjust(points, program: processors[0].program, sourceId: source, now: now)
                    run.check(points > 0 || -points <= available, "debit \(points) with \(available) available")
                } catch {
                    run.check(points < 0 && -points > available, "adjust \(points) with \(available) available refused: \(error)")
                    run.check(ledgers[member]! == before[member]!, "a refused adjustment changed the ledger")
                }
            }

            // Post the new entries of every member.
            var stepEntries: [LedgerEntry] = []
            for id in memberIds {
                let entries = ledgers[id]!.entries
                let start = books.posted[id, default: 0]
                run.check(entries.count >= start && Array(entries[..<start]) == Array((before[id]?.entries ?? [])[..<start]),
                          "entries of \(id) were changed or removed")
                stepEntries += entries[start...]
                books.posted[id] = entries.count
                for lot in ledgers[id]!.lots + ledgers[id]!.closedLots {
                    run.check(books.lotPoints[lot.id].map { $0 == lot.points } ?? true, "lot \(lot.id) changed size")
                    books.lotPoints[lot.id] = lot.points
                }
            }
            var expiredNow: [String: Int] = [:]
            for entry in stepEntries {
                run.check(entry.points > 0, "entry \(entry) is not positive")
                books.balances[entry.from, default: 0] -= entry.points
                books.balances[entry.to, default: 0] += entry.points
                if entry.kind == .expire, let lot = entry.lotId {
                    // Points of a cancelled redemption whose lot expired meanwhile leave the redeemed account, not the lot.
                    if entry.from != .redeemed { expiredNow[lot, default: 0] += entry.points }
                    books.expired[lot, default: 0] += entry.points
                }
                if entry.kind == .reverse { books.reversedBySource[entry.sourceId, default: 0] += entry.points }
            }

            // Invariants.
            run.check(books.balances.values.reduce(0, +) == 0, "entries do not sum to zero")
            for id in memberIds {
                let ledger = ledgers[id]!
                run.check(books.balances[.available(member: id), default: 0] == ledger.available,
                          "\(id): available \(ledger.available) but entries say \(books.balances[.available(member: id), default: 0])")
                run.check(books.balances[.pending(member: id), default: 0] == ledger.pending,
                          "\(id): pending \(ledger.pending) but entries say \(books.balances[.pending(member: id), default: 0])")
                // The sums the ledger keeps as lots change are the sums of its lots.
                let inLots = ledger.lots.reduce(into: (available: 0, pending: 0)) { $1.pending ? ($0.pending += $1.remaining) : ($0.available += $1.remaining) }
                run.check(ledger.available == inLots.available - ledger.debt && ledger.pending == inLots.pending,
                          "\(id): available \(ledger.available), pending \(ledger.pending) but its lots hold \(inLots)")
                run.check(ledger.debt >= 0 && ledger.debt <= debtLimit, "\(id): debt \(ledger.debt) beyond the limit \(debtLimit)")
                run.check(ledger.available >= -debtLimit && ledger.available >= -ledger.debt, "\(id): available \(ledger.available)")
                if !mayOweDebt.contains(id) { run.check(ledger.debt == 0 && ledger.available >= 0, "\(id): below zero without a debt policy") }
                if ledger.debt > 0 { run.check(!ledger.lots.contains { !$0.pending }, "\(id): owes \(ledger.debt) while holding available lots") }
                for lot in ledger.lots { run.check(lot.remaining > 0 && lot.remaining <= lot.points, "lot \(lot.id): \(lot.remaining) of \(lot.points)") }
                for lot in ledger.closedLots { run.check(lot.remaining == 0, "closed lot \(lot.id) holds \(lot.remaining)") }
                if settled.contains(id) {
                    for lot in ledger.lots {
                        run.check(!(lot.pending && lot.availableAt <= now), "lot \(lot.id) still pending after its time")
                        run.check(lot.expiresAt.map { $0 > now } ?? true, "lot \(lot.id) still open after its expiry")
                    }
                }
            }
            for (lot, points) in expiredNow {
                let held = before.values.lazy.flatMap(\.lots).first { $0.id == lot }?.remaining ?? books.lotPoints[lot] ?? 0
                run.check(points <= held, "expired \(points) from lot \(lot) holding \(held)")
                run.check(books.expired[lot, default: 0] <= books.lotPoints[lot] ?? 0, "lot \(lot) expired more than it was created with")
            }
            for purchase in purchases {
                let reversed = purchaseOfReturn.filter { $0.value == purchase.eventId }.keys.reduce(0) { $0 + books.reversedBySource[$1, default: 0] }
                run.check(reversed <= purchase.pointsEarned, "\(purchase.eventId): reversed \(reversed) of \(purchase.pointsEarned) earned")
                run.check(purchase.pointsReversed <= purchase.pointsEarned, "\(purchase.eventId): settled \(purchase.pointsReversed)")
            }
            if run.failures > 0 { break }
        }
    }

    /// A spend drains whole lots in spending order; only the last lot it touched may keep points, and
    /// no untouched available lot comes before it.
    func checkSoonestExpiryFirst(before: MemberLedger, after: MemberLedger, source: String, _ run: inout Run) {
        let pieces = after.entries[before.entries.count...].filter { $0.sourceId == source }
        let lotsBefore = Dictionary(uniqueKeysWithValues: before.lots.map { ($0.id, $0) })
        let touched = pieces.compactMap { $0.lotId.flatMap { lotsBefore[$0] } }
        run.check(touched.count == pieces.count && !touched.contains(where: \.pending), "spend took from unknown or pending lots: \(pieces)")
        for (lot, piece) in zip(touched, pieces).dropLast() {
            run.check(piece.points == lot.remaining, "spend left \(lot.remaining - piece.points) in \(lot.id) and moved on")
        }
        guard let last = touched.last else { return }
        let touchedIds = Set(touched.map(\.id))
        for lot in before.lots where !lot.pending && !touchedIds.contains(lot.id) {
            run.check(!PointLot.spendsBefore(lot, last), "spend skipped \(lot.id), which expires before \(last.id)")
        }
    }

    /// Each piece a transfer takes becomes a receiver lot with the same expiry and size.
    func checkTransferKeepsExpiry(before: MemberLedger, sender: MemberLedger, receiver: MemberLedger, source: String, _ run: inout Run) {
        let lotsBefore = Dictionary(uniqueKeysWithValues: before.lots.map { ($0.id, $0) })
        let sent = sender.entries[before.entries.count...].filter { $0.sourceId == source }
        let taken = sent.map { "\($0.lotId.flatMap { lotsBefore[$0]?.expiresAt }.map(Timestamps.format) ?? "never"):\($0.points)" }.sorted()
        let received = (receiver.lots + receiver.closedLots).filter { $0.sourceId == source }
            .map { "\($0.expiresAt.map(Timestamps.format) ?? "never"):\($0.points)" }.sorted()
        run.check(!sent.isEmpty && taken == received, "transfer sent \(taken), receiver got \(received)")
    }
}
