import LaurelCore

extension LaurelStore {
    /// The points a cancellation takes back, from the `adjust` entries of the adjustment and of its
    /// cancellation (`source`, `from` account, `points`), as both backends read them: a credit moved
    /// points out of the `adjusted` account; a debit moved them into it.
    static func creditToCancel(_ moves: [(source: String, from: String, points: Int)], adjustmentId: String,
                               cancellationId: String) throws -> Int {
        let own = moves.filter { $0.source == adjustmentId }
        guard !own.isEmpty else { throw StoreError.notFound("adjustment \(adjustmentId)") }
        guard moves.allSatisfy({ $0.source != cancellationId }) else {
            throw StoreError.adjustmentNotCancellable(id: adjustmentId, reason: .alreadyCancelled)
        }
        let adjusted = LedgerAccount.adjusted.description
        guard own.allSatisfy({ $0.from == adjusted }) else { throw StoreError.adjustmentNotCancellable(id: adjustmentId, reason: .debit) }
        return own.reduce(0) { $0 + $1.points }
    }
}
