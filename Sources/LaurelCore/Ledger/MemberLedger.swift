import Foundation

/// Why a ledger operation was refused.
public enum LedgerError: Error, Hashable, Sendable, CustomStringConvertible {
    case insufficientPoints(available: Int, requested: Int)
    case invalidPoints(Int)
    /// The credit would take the member's balance or lifetime points past `Bounds.maxTotal`.
    case totalOutOfRange

    public var description: String {
        switch self {
        case .insufficientPoints(let available, let requested):
            "not enough points: \(requested) requested, \(available) available (\(requested - available) missing)"
        case .invalidPoints(let points): "points must be a positive integer, got \(points)"
        case .totalOutOfRange: "the credit would take the member's points past \(Bounds.maxTotal), the largest total Laurel keeps"
        }
    }
}

/// One member's points: open lots, debt and counters, and the operations that move them.
///
/// Every operation appends balanced entries and keeps `available == Σ available lots − debt`
/// and `pending == Σ pending lots`; the store persists `entries`, the `touchedLots`
/// and the counters in one transaction.
public struct MemberLedger: Hashable, Sendable {
    public let memberId: String
    /// Lots with points left, as loaded plus those created here.
    public private(set) var lots: [PointLot]
    /// Points owed after a return took back more than was left (only when the program allows debt).
    public private(set) var debt: Int
    public private(set) var lifetimeEarned: Int
    /// Entries made since loading, in order.
    public private(set) var entries: [LedgerEntry] = []
    /// Lots created since loading, open or closed since.
    public private(set) var newLotIds: Set<String> = []
    /// Lots emptied since loading (no longer in `lots`), kept so the store can write their final state.
    public private(set) var closedLots: [PointLot] = []

    // What keeps an operation's cost flat in the number of open lots (a member with a long
    // history holds thousands): the sums of `lots`, kept as they change; the positions of the lots
    // touched (repeats allowed: marking stays O(1) when a settle matures thousands) and made here,
    // kept as lots come and go; the earliest moment `settle` has work; and,
    // when the caller carries them from the last operation (`Carry`), the open lots' ids.
    private var availableInLots = 0
    private var pendingInLots = 0
    private var touchedIndexes: [Int] = []
    private var madeIndexes: [Int] = []
    private var settlesFrom = Date.distantFuture
    private var lotIds: Set<String>?

    public init(memberId: String, lots: [PointLot] = [], debt: Int = 0, lifetimeEarned: Int = 0) {
        self.memberId = memberId
        self.lots = lots.sorted(by: PointLot.spendsBefore)
        self.debt = debt
        self.lifetimeEarned = lifetimeEarned
        for lot in self.lots {
            if lot.pending { pendingInLots += lot.remaining } else { availableInLots += lot.remaining }
            settlesFrom = min(settlesFrom, Self.settlesAt(lot))
        }
    }

    /// What a ledger's open lots were after an operation, beyond the lots themselves, so that the
    /// member's next operation starts without a pass over every lot (the writer keeps it per member).
    public struct Carry: Sendable {
        fileprivate var availableInLots: Int
        fileprivate var pendingInLots: Int
        fileprivate var settlesFrom: Date
        fileprivate var lotIds: Set<String>
    }

    /// The open lots and what to carry to the member's next operation (`init(memberId:carrying:…)`).
    public var carried: (lots: [PointLot], carry: Carry) {
        (lots, Carry(availableInLots: availableInLots, pendingInLots: pendingInLots, settlesFrom: settlesFrom,
                     lotIds: lotIds ?? Set(lots.lazy.map(\.id))))
    }

    /// A ledger of `lots` exactly as an operation left them (`carried`), with the member row's debt
    /// and lifetime points.
    public init(memberId: String, carrying lots: [PointLot], _ carry: Carry, debt: Int, lifetimeEarned: Int) {
        self.memberId = memberId
        self.lots = lots
        self.debt = debt
        self.lifetimeEarned = lifetimeEarned
        availableInLots = carry.availableInLots
        pendingInLots = carry.pendingInLots
        settlesFrom = carry.settlesFrom
        lotIds = carry.lotIds
    }

    /// A ledger of only the open lots due to mature or expire by the time it is settled at (more
    /// does no harm), with the member's totals over all their open lots as the member's row keeps
    /// them (`available` after debt, `pending`). That is all settling as of `now` and earning need, so an event that only
    /// earns costs the same after 10,000 purchases as after one (the PostgreSQL store, which
    /// cannot carry the ledger from the member's last event). Spending, returns, transfers and
    /// cancellations take from lots in spending order and need every open lot (`init(memberId:lots:…)`).
    public init(memberId: String, dueLots lots: [PointLot], available: Int, pending: Int, debt: Int, lifetimeEarned: Int) {
        self.init(memberId: memberId, lots: lots, debt: debt, lifetimeEarned: lifetimeEarned)
        availableInLots = available + debt
        pendingInLots = pending
        holdsEveryLot = false
    }

    /// False for a ledger of only the due lots (`init(memberId:dueLots:…)`), which cannot spend.
    private var holdsEveryLot = true

    /// Equal when the points are: the bookkeeping that keeps operations cheap is left out.
    public static func == (lhs: MemberLedger, rhs: MemberLedger) -> Bool {
        lhs.memberId == rhs.memberId && lhs.lots == rhs.lots && lhs.debt == rhs.debt && lhs.lifetimeEarned == rhs.lifetimeEarned
            && lhs.entries == rhs.entries && lhs.touchedLots == rhs.touchedLots && lhs.newLotIds == rhs.newLotIds
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(memberId)
        hasher.combine(lots)
        hasher.combine(debt)
        hasher.combine(lifetimeEarned)
        hasher.combine(entries)
    }

    /// When `settle` would first change the lot: its release if pending, else its expiry.
    private static func settlesAt(_ lot: PointLot) -> Date {
        lot.pending ? min(lot.availableAt, lot.expiresAt ?? .distantFuture) : lot.expiresAt ?? .distantFuture
    }

    /// Whether `points` more keep the balance and lifetime points within `Bounds.maxTotal`.
    public func canCredit(_ points: Int) -> Bool {
        Bounds.totalStaysInRange(lifetimeEarned, adding: points) && Bounds.totalStaysInRange(max(available, 0) + pending, adding: points)
    }

    /// Spendable points; negative while the member owes points.
    public var available: Int { availableInLots - debt }
    public var pending: Int { pendingInLots }

    /// Lots created or changed since loading, open or closed, for the store to write.
    public var touchedLots: [PointLot] { Set(touchedIndexes).sorted().map { lots[$0] } + closedLots }

    /// Lots created since loading that are still open.
    public var newLots: [PointLot] { madeIndexes.sorted().map { lots[$0] } }

    private var availableAccount: LedgerAccount { .available(member: memberId) }
    private var pendingAccount: LedgerAccount { .pending(member: memberId) }

    private mutating func record(_ kind: LedgerEntryKind, _ from: LedgerAccount, _ to: LedgerAccount, _ points: Int, lot: String?, source: String) {
        guard points > 0 else { return }
        entries.append(LedgerEntry(kind: kind, from: from, to: to, points: points, memberId: memberId, lotId: lot, sourceId: source))
    }

    /// Adds a lot in spending order, its times in whole milliseconds as the stores keep them (so the
    /// lots an operation leaves are the lots the next one would read back); its index.
    @discardableResult
    private mutating func insert(_ lot: PointLot, new: Bool) -> Int {
        var lot = lot
        lot.earnedAt = Timestamps.date(millis: Timestamps.millis(lot.earnedAt))
        lot.availableAt = Timestamps.date(millis: Timestamps.millis(lot.availableAt))
        lot.expiresAt = lot.expiresAt.map { Timestamps.date(millis: Timestamps.millis($0)) }
        // New lots usually expire last: look from the end.
        var index = lots.endIndex
        while index > lots.startIndex && PointLot.spendsBefore(lot, lots[index - 1]) { index -= 1 }
        lots.insert(lot, at: index)
        for position in touchedIndexes.indices where touchedIndexes[position] >= index { touchedIndexes[position] += 1 }
        for position in madeIndexes.indices where madeIndexes[position] >= index { madeIndexes[position] += 1 }
        touchedIndexes.append(index)
        if new { madeIndexes.append(index) }
        if lot.pending { pendingInLots += lot.remaining } else { availableInLots += lot.remaining }
        settlesFrom = min(settlesFrom, Self.settlesAt(lot))
        if new { newLotIds.insert(lot.id) }
        lotIds?.insert(lot.id)
        return index
    }

    private func nextLotId(_ sourceId: String) -> String {
        var index = 1
        while true {
            let id = "\(sourceId).\(index)"
            let open = lotIds.map { $0.contains(id) } ?? lots.contains(where: { $0.id == id })
            if !open && !newLotIds.contains(id) { return id }
            index += 1
        }
    }

    /// Takes `points` out of lot `index` (the store writes it as touched).
    private mutating func remove(_ points: Int, fromLot index: Int) {
        lots[index].remaining -= points
        if lots[index].pending { pendingInLots -= points } else { availableInLots -= points }
        touchedIndexes.append(index)
    }

    /// Matures pending lots whose time has come and expires lots past their date, as of `now`.
    public mutating func settle(now: Date, sourceId: String = "settlement") {
        guard settlesFrom <= now else { return }
        for index in lots.indices where lots[index].pending && lots[index].availableAt <= now && lots[index].remaining > 0 {
            lots[index].pending = false
            pendingInLots -= lots[index].remaining
            availableInLots += lots[index].remaining
            touchedIndexes.append(index)
            record(.mature, pendingAccount, availableAccount, lots[index].remaining, lot: lots[index].id, source: sourceId)
            payDebt(from: index)
        }
        for index in lots.indices {
            guard let expiresAt = lots[index].expiresAt, expiresAt <= now, lots[index].remaining > 0 else { continue }
            let lot = lots[index]
            record(.expire, lot.pending ? pendingAccount : availableAccount, .expired, lot.remaining, lot: lot.id, source: sourceId)
            remove(lot.remaining, fromLot: index)
        }
        dropEmptyLots()
        settlesFrom = lots.reduce(Date.distantFuture) { min($0, Self.settlesAt($1)) }
    }

    /// The next moment `settle` would change something, for scheduling.
    public var nextSettlement: Date? {
        lots.compactMap { lot in
            lot.pending ? min(lot.availableAt, lot.expiresAt ?? .distantFuture) : lot.expiresAt
        }.min()
    }

    /// Credits points into a new lot: pending until `availableAt`, expiring at `expiresAt`.
    @discardableResult
    public mutating func earn(_ points: Int, kind: LedgerEntryKind = .earn, from source: LedgerAccount = .issued, sourceId: String,
                              earnedAt: Date, availableAt: Date, expiresAt: Date?, now: Date) -> PointLot? {
        guard points > 0 else { return nil }
        let pending = availableAt > now
        let lot = PointLot(id: nextLotId(sourceId), memberId: memberId, sourceId: sourceId, earnedAt: earnedAt, availableAt: pending ? availableAt : earnedAt,
                           expiresAt: expiresAt, points: points, remaining: points, pending: pending)
        let index = insert(lot, new: true)
        let stored = lots[index]
        // Callers check `canCredit` first; saturate rather than trap if one did not.
        let (lifetime, overflow) = lifetimeEarned.addingReportingOverflow(points)
        lifetimeEarned = overflow ? .max : lifetime
        record(kind, source, pending ? pendingAccount : availableAccount, points, lot: lot.id, source: sourceId)
        if !pending {
            payDebt(from: index)
            dropEmptyLots()
        }
        // Points earned for an event long past may already be due to expire.
        if let expiresAt, expiresAt <= now { settle(now: now, sourceId: sourceId) }
        return stored
    }

    /// A manual adjustment by staff: a credit (points > 0) lands in a new available lot that expires
    /// by the program's policy; a debit (points < 0) is spent soonest-expiring first.
    public mutating func adjust(_ points: Int, program: ProgramDefinition, sourceId: String, now: Date) throws(LedgerError) {
        if points > 0 {
            guard canCredit(points) else { throw .totalOutOfRange }
            earn(points, kind: .adjust, from: .adjusted, sourceId: sourceId, earnedAt: now, availableAt: now,
                 expiresAt: program.expiry.expiryDate(earnedAt: now, calendar: program.calendar), now: now)
        } else {
            try spend(-points, kind: .adjust, to: .adjusted, sourceId: sourceId)
        }
    }

    /// Cancels a manual credit of `points` (adjustment `adjustmentId`): the points go back out of the
    /// lots it created, then — if the member spent them — out of other available points, then into
    /// debt when the program's return policy allows it (`debt`, up to its limit). When all that
    /// cannot cover the credit the cancellation is refused and nothing changes.
    public mutating func cancelCredit(_ points: Int, adjustmentId: String, policy: ReturnPolicy, sourceId: String) throws(LedgerError) -> Reversal {
        guard points > 0 else { throw .invalidPoints(points) }
        let own = lots.reduce(0) { $0 + ($1.sourceId == adjustmentId ? $1.remaining : 0) }
        let others = lots.reduce(0) { $0 + (!$1.pending && $1.sourceId != adjustmentId ? $1.remaining : 0) }
        let debtRoom = policy.whenSpent == .debt ? max(policy.debtLimit - debt, 0) : 0
        guard own + others + debtRoom >= points else {
            throw .insufficientPoints(available: max(own + others, 0), requested: points)
        }
        var left = points
        left -= take(left, kind: .adjust, to: .adjusted, sourceId: sourceId, from: { $0.sourceId == adjustmentId }).reduce(0) { $0 + $1.points }
        if left > 0 {
            left -= take(left, kind: .adjust, to: .adjusted, sourceId: sourceId, from: { !$0.pending }).reduce(0) { $0 + $1.points }
        }
        let intoDebt = left
        if intoDebt > 0 {
            debt += intoDebt
            record(.adjust, availableAccount, .adjusted, intoDebt, lot: nil, source: sourceId)
        }
        return Reversal(reversed: points, intoDebt: intoDebt, forgiven: 0)
    }

    /// Takes `points` from available lots, soonest-expiring first, into `account`.
    public mutating func spend(_ points: Int, kind: LedgerEntryKind = .spend, to account: LedgerAccount = .redeemed, sourceId: String) throws(LedgerError) {
        guard points > 0 else { throw .invalidPoints(points) }
        guard points <= available else { throw .insufficientPoints(available: max(available, 0), requested: points) }
        _ = take(points, kind: kind, to: account, sourceId: sourceId, from: { !$0.pending })
    }

    /// Gives back points a cancelled redemption spent, each piece to the lot it came from so it keeps
    /// its expiry. Pieces whose lot has expired by `now` are not revived: they go to the expired account.
    /// `lots` are the pieces' lots as stored (emptied ones included).
    public mutating func restore(_ pieces: [(lotId: String, points: Int)], lots stored: [PointLot], sourceId: String, now: Date) {
        assert(holdsEveryLot, "restoring points needs every open lot")
        for piece in pieces where piece.points > 0 {
            if let index = lots.firstIndex(where: { $0.id == piece.lotId }) {
                if let expiresAt = lots[index].expiresAt, expiresAt <= now {
                    record(.expire, .redeemed, .expired, piece.points, lot: piece.lotId, source: sourceId)
                    continue
                }
                lots[index].remaining += piece.points
                if lots[index].pending { pendingInLots += piece.points } else { availableInLots += piece.points }
                touchedIndexes.append(index)
                record(.restore, .redeemed, availableAccount, piece.points, lot: piece.lotId, source: sourceId)
                payDebt(from: index)
            } else if var lot = stored.first(where: { $0.id == piece.lotId }) {
                if let expiresAt = lot.expiresAt, expiresAt <= now {
                    record(.expire, .redeemed, .expired, piece.points, lot: piece.lotId, source: sourceId)
                    continue
                }
                closedLots.removeAll { $0.id == lot.id }
                lot.remaining = piece.points
                lot.pending = false
                let index = insert(lot, new: newLotIds.contains(lot.id))
                record(.restore, .redeemed, availableAccount, piece.points, lot: piece.lotId, source: sourceId)
                payDebt(from: index)
            }
        }
        dropEmptyLots()
    }

    /// Moves up to `points` out of the lots `filter` selects, soonest-expiring first; returns the pieces taken.
    private mutating func take(_ points: Int, kind: LedgerEntryKind, to account: LedgerAccount, sourceId: String,
                               from filter: (PointLot) -> Bool) -> [(lot: PointLot, points: Int)] {
        assert(holdsEveryLot, "taking points needs every open lot")
        var left = points
        var taken: [(lot: PointLot, points: Int)] = []
        for index in lots.indices where left > 0 && lots[index].remaining > 0 && filter(lots[index]) {
            let piece = min(left, lots[index].remaining)
            remove(piece, fromLot: index)
            left -= piece
            record(kind, lots[index].pending ? pendingAccount : availableAccount, account, piece, lot: lots[index].id, source: sourceId)
            taken.append((lots[index], piece))
        }
        dropEmptyLots()
        return taken
    }

    /// Uses a newly available lot to pay what the member owes. Callers drop emptied lots afterwards.
    private mutating func payDebt(from index: Int) {
        let paid = min(debt, lots[index].remaining)
        guard paid > 0 else { return }
        remove(paid, fromLot: index)
        debt -= paid
    }

    private mutating func dropEmptyLots() {
        // Usually there are none: skip copying the lots to find out.
        guard lots.contains(where: { $0.remaining == 0 }) else { return }
        // Where each open lot moves to: the positions of touched and made lots follow it.
        var moved = Array(repeating: -1, count: lots.count)
        var open: [PointLot] = []
        open.reserveCapacity(lots.count)
        for index in lots.indices {
            if lots[index].remaining == 0 {
                closedLots.append(lots[index])
                lotIds?.remove(lots[index].id)
            } else {
                moved[index] = open.count
                open.append(lots[index])
            }
        }
        lots = open
        touchedIndexes = touchedIndexes.compactMap { moved[$0] >= 0 ? moved[$0] : nil }
        madeIndexes = madeIndexes.compactMap { moved[$0] >= 0 ? moved[$0] : nil }
    }

    /// The result of taking points back for a return.
    public struct Reversal: Hashable, Sendable {
        /// Points taken back from the member (including points that became debt).
        public var reversed: Int
        /// Part of `reversed` that became debt.
        public var intoDebt: Int
        /// Points the return should have taken back but the policy let the member keep.
        public var forgiven: Int
    }

    /// Takes back `points` a purchase earned: first from that purchase's own lots, then from other
    /// available points, then — if the policy allows — into debt up to its limit.
    public mutating func reverse(_ points: Int, purchaseId: String, policy: ReturnPolicy, sourceId: String) -> Reversal {
        guard points > 0 else { return Reversal(reversed: 0, intoDebt: 0, forgiven: 0) }
        var left = points
        left -= take(left, kind: .reverse, to: .reversed, sourceId: sourceId, from: { $0.sourceId == purchaseId }).reduce(0) { $0 + $1.points }
        let spendable = max(available, 0)
        if left > 0 && spendable > 0 {
            left -= take(min(left, spendable), kind: .reverse, to: .reversed, sourceId: sourceId, from: { !$0.pending }).reduce(0) { $0 + $1.points }
        }
        var intoDebt = 0
        if left > 0 && policy.whenSpent == .debt {
            intoDebt = min(left, max(policy.debtLimit - debt, 0))
            debt += intoDebt
            left -= intoDebt
            record(.reverse, availableAccount, .reversed, intoDebt, lot: nil, source: sourceId)
        }
        return Reversal(reversed: points - left, intoDebt: intoDebt, forgiven: left)
    }

    /// Moves `points` to another member, soonest-expiring first; each piece keeps its expiry date.
    public mutating func transfer(_ points: Int, to receiver: inout MemberLedger, sourceId: String, now: Date) throws(LedgerError) {
        guard points > 0 else { throw .invalidPoints(points) }
        guard points <= available else { throw .insufficientPoints(available: max(available, 0), requested: points) }
        guard receiver.canCredit(points) else { throw .totalOutOfRange }
        let pieces = take(points, kind: .transfer, to: .available(member: receiver.memberId), sourceId: sourceId, from: { !$0.pending })
        for piece in pieces {
            let lot = PointLot(id: receiver.nextLotId(sourceId), memberId: receiver.memberId, sourceId: sourceId, earnedAt: now,
                               availableAt: now, expiresAt: piece.lot.expiresAt, points: piece.points, remaining: piece.points, pending: false)
            let index = receiver.insert(lot, new: true)
            receiver.payDebt(from: index)
        }
        receiver.dropEmptyLots()
    }
}
