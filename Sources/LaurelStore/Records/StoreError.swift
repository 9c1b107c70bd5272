/// Errors of the store that callers turn into client errors.
public enum StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    case notFound(String)
    case duplicateExternalId(String)
    case programExists(String)
    /// `POST /v1/rewards` creates; replacing is `PUT`'s job.
    case rewardExists(String)
    /// The program already has `Reward.maxPerProgram` rewards.
    case catalogueFull(Int)
    case programNotConfigured(String)
    /// The idempotency key was used before with a different request.
    case idempotencyKeyReused(String)
    case sameMember
    /// Blocked members neither earn nor spend.
    case memberBlocked(String)
    /// A review that was approved or rejected cannot be decided again.
    case reviewDecided(id: String, status: String)
    /// Only a manual credit can be cancelled, and only once.
    case adjustmentNotCancellable(id: String, reason: AdjustmentRefusal)
    /// `referral_code` names no member of the program (or the program has no referrals).
    case unknownReferralCode(String)
    /// The member was erased: nothing more is recorded for them.
    case memberErased(String)
    /// A member may hold at most this many consent names.
    case tooManyConsents(Int)
    /// A version that limits a rule for the first time waits for the transactions writing award
    /// rows to end (PostgreSQL; `PostgresStore.completeAwardRows`); these were still open.
    case transactionsStillOpen(count: Int, seconds: Int)

    public enum AdjustmentRefusal: String, Sendable {
        case debit = "adjustment_is_debit"
        case alreadyCancelled = "adjustment_already_cancelled"
    }

    public var description: String {
        switch self {
        case .notFound(let what): "\(what) not found"
        case .duplicateExternalId(let id): "a member with external_id \"\(id)\" already exists"
        case .programExists(let id): "program \(id) already exists"
        case .rewardExists(let id): "reward \(id) already exists; PUT /v1/rewards/\(id) replaces it"
        case .catalogueFull(let most): "the catalogue already holds \(most) rewards, the most one program may have; replace or retire one instead"
        case .programNotConfigured(let id): "program \(id) has no definition yet; apply one first"
        case .idempotencyKeyReused(let key): "Idempotency-Key \"\(key)\" was already used with a different request"
        case .sameMember: "cannot transfer points to the same member"
        case .memberBlocked(let id): "member \(id) is blocked"
        case .memberErased(let id): "member \(id) was erased; nothing more can be recorded for them"
        case .tooManyConsents(let most): "a member may hold at most \(most) consents"
        case .transactionsStillOpen(let count, let seconds):
            "applying a version that limits a rule for the first time waits for the events being written at that moment; "
                + "\(count) transactions were still open after \(seconds) s: apply it again once they have ended (docs/operations.md)"
        case .reviewDecided(let id, let status): "review \(id) was already \(status); a decided review cannot be decided again"
        case .adjustmentNotCancellable(let id, .debit):
            "adjustment \(id) is a debit; only a credit can be cancelled (credit the points back with a new adjustment instead)"
        case .adjustmentNotCancellable(let id, .alreadyCancelled): "adjustment \(id) was already cancelled"
        case .unknownReferralCode(let code): "no member of this program has the referral code \"\(code)\""
        }
    }
}
