import Foundation
import LaurelCore

/// Everything Laurel keeps, behind one protocol so SQLite (embedded default) and PostgreSQL
/// can both serve it. Each write is one database transaction: read the state, run the core,
/// write the outcome (and the idempotency record) together, commit.
public protocol LaurelStore: SegmentStore, WebhookStore, CampaignStore, MemberTokenStore, AuditStore, ReviewStore, WebSessionStore, AnalyticsStore,
                             SignInCodeStore, StaffStore, ReferralStore, PunchCardStore, GameStore, RaffleStore, ChallengeStore, FinanceStore, MemberDataStore,
                             LedgerSizeStore, ImportStore, ImportJobStore, ExportStore, SimulationStore, BulkAwardStore, Sendable {
    /// Creates or upgrades the schema.
    func migrate() async throws

    /// Ends the store's use at shutdown, once nothing else calls it: finishes the writes under way
    /// and closes the database cleanly (SQLite: the WAL folded back into the file).
    func close() async throws

    // MARK: Programs
    func createProgram(id: String, name: String, now: Date) async throws -> ProgramRecord
    func programs() async throws -> [ProgramRecord]
    func program(id: String) async throws -> ProgramRecord?
    /// Stores `definition` as the program's next version and makes it current.
    func applyProgram(id: String, definition: ProgramDefinition, source: String, now: Date,
                      idempotency: Idempotency<ProgramVersionRecord>?) async throws -> Idempotent<ProgramVersionRecord>
    /// A version of a program; the current one when `version` is nil.
    func programVersion(programId: String, version: Int?) async throws -> ProgramVersionRecord?
    func programVersions(programId: String) async throws -> [ProgramVersionRecord]

    // MARK: API keys
    func insertAPIKey(_ key: APIKeyRecord) async throws
    func apiKey(hash: String) async throws -> APIKeyRecord?
    func apiKeys(programId: String?) async throws -> [APIKeyRecord]
    func revokeAPIKey(id: String, now: Date) async throws -> Bool

    // MARK: Members
    /// `referralCode`: the code the member enrols with (`referral_code`), linking them to its owner;
    /// an unknown one throws `StoreError.unknownReferralCode` before anything is kept.
    func createMember(_ member: MemberRecord, referralCode: String?, idempotency: Idempotency<MemberRecord>?) async throws -> Idempotent<MemberRecord>
    func member(programId: String, id: String) async throws -> MemberRecord?
    func member(programId: String, externalId: String) async throws -> MemberRecord?
    /// Members in id (creation) order after `startingAfter`.
    func members(programId: String, limit: Int, startingAfter: String?) async throws -> Page<MemberRecord>
    func updateMember(programId: String, id: String, patch: MemberPatch, now: Date,
                      idempotency: Idempotency<MemberRecord>?) async throws -> Idempotent<MemberRecord>
    /// Members whose external id is `query`, or whose email or name contains it (ASCII letters in
    /// any case), at most `limit` (the console's search): first the exact external id and the
    /// emails and names that start with it (index ranges, `MemberSearch`), by name and id; then,
    /// only when those leave room, the emails and names that contain it elsewhere (a scan of the
    /// program's members), by name and id.
    func searchMembers(programId: String, query: String, limit: Int) async throws -> [MemberRecord]
    /// The members of `ids` in the program, in one read (a page that lists members by id); ids of
    /// no member of the program are left out, the order is not that of `ids`.
    func members(programId: String, ids: [String]) async throws -> [MemberRecord]

    // MARK: Events and points
    /// Runs the core on the event against the program's current version and stores the outcome.
    /// The program's fraud controls judge it (`apiKeyId`: the key that sent it, for per-key caps): a
    /// trip keeps it as a pending review instead and answers it with status `held`, nothing credited.
    func recordEvent(programId: String, memberId: String, event: LoyaltyEvent, payload: String, now: Date, apiKeyId: String?,
                     idempotency: Idempotency<EventRecord>?) async throws -> Idempotent<EventRecord>
    /// Records historical events in order, as `recordEvent` would one by one, in as few transactions
    /// as the backend allows; a refused event is reported and skipped, the others are kept.
    /// `journal`: written with the events, in the same transaction (the whole call is then one
    /// transaction on every backend). `allOrNothing`: any refusal throws `ImportRefusedAll` and
    /// nothing of the call is kept. `reviewingTiers`: before each event, the member's tier reviews
    /// that fell due are made at their times (`reviewDueTiers`); a backtest, which runs the jobs
    /// itself at the times they ran, turns that off.
    func importEvents(programId: String, events: [ImportedEvent], now: Date, journal: ImportJournalMark?,
                      allOrNothing: Bool, reviewingTiers: Bool) async throws -> [ImportResult]
    func event(programId: String, id: String) async throws -> EventRecord?
    /// Ledger entries of a member, newest first, before the entry `startingAfter` (a sequence number).
    func ledger(programId: String, memberId: String, limit: Int, startingAfter: Int64?) async throws -> Page<LedgerEntryRecord>
    func pointsSummary(programId: String, memberId: String, now: Date, expiringWithin: TimeInterval) async throws -> PointsSummary
    /// What moved the member's points from `from` (inclusive) to `until` (exclusive), either open.
    func pointsActivity(programId: String, memberId: String, from: Date?, until: Date?) async throws -> PointsActivity
    /// A manual credit (points > 0) or debit (points < 0) with its reason and author.
    func adjust(programId: String, memberId: String, id: String, points: Int, reason: String, actor: String, now: Date,
                idempotency: Idempotency<AdjustmentRecord>?) async throws -> Idempotent<AdjustmentRecord>
    /// Takes a manual credit back (`MemberLedger.cancelCredit`): its points leave the member's
    /// account as `adjust` entries of the cancellation `AdjustmentCancellationRecord.id(for:)`.
    /// Throws `notFound` for an unknown adjustment, `adjustmentNotCancellable` for a debit or one
    /// already cancelled, and `LedgerError.insufficientPoints` when the policy cannot cover it.
    func cancelAdjustment(programId: String, memberId: String, adjustmentId: String, reason: String, actor: String, now: Date,
                          idempotency: Idempotency<AdjustmentCancellationRecord>?) async throws -> Idempotent<AdjustmentCancellationRecord>
    func transfer(programId: String, id: String, from: String, to: String, points: Int, now: Date,
                  idempotency: Idempotency<TransferRecord>?) async throws -> Idempotent<TransferRecord>
    /// Matures pending points and expires lots that are due, for at most `batchSize` members, each in
    /// its own transaction; returns how many members were due (a full batch means: call again).
    /// Safe to run on several nodes at once: each member is settled under their row lock.
    func settleDuePoints(now: Date, batchSize: Int) async throws -> Int

    // MARK: Tiers
    /// Sets (or, with `tierId` nil, removes) a staff floor: the member holds at least that tier until
    /// `until` (nil = until removed). The member's tier is re-evaluated at once and the change recorded.
    /// Answers the member's points summary as of `now` (as `pointsSummary`), read in the same transaction, so that the
    /// answer stored for a replay is what the write left.
    func setTierFloor(programId: String, memberId: String, tierId: String?, until: Date?, note: String, actor: String, now: Date,
                      expiringWithin: TimeInterval, idempotency: Idempotency<PointsSummary>?) async throws -> Idempotent<PointsSummary>
    /// A member's tier changes, newest first, before the change `startingAfter` (a sequence number).
    func tierChanges(programId: String, memberId: String, limit: Int, startingAfter: Int64?) async throws -> Page<TierChangeRecord>
    /// Re-evaluates members whose tier check is due (review dates, activity leaving the window, floors
    /// ending), at most `batchSize`; returns how many were due.
    func reviewTiers(now: Date, batchSize: Int) async throws -> Int
    /// Reviews one member's tier at each time a review fell due up to `date`, each at that time, as
    /// a job running at every moment would have: imports do it before judging each event (the
    /// reviews between a member's imported events), and so can a test that plays a live history.
    func reviewDueTiers(programId: String, memberId: String, until date: Date) async throws

    // MARK: Rewards and redemptions
    /// Creates a reward (`replacing` false: throws `StoreError.rewardExists` when its id is taken; the insert
    /// itself refuses, so of concurrent creates of one id exactly one succeeds), or creates or replaces it
    /// (`replacing` true: a new stock moves the units left by the difference). A new reward in a catalogue
    /// of `Reward.maxPerProgram` throws `StoreError.catalogueFull`. Use `createReward` / `putReward`.
    func writeReward(programId: String, reward: Reward, now: Date, replacing: Bool,
                     idempotency: Idempotency<RewardRecord>?) async throws -> Idempotent<RewardRecord>
    func reward(programId: String, id: String) async throws -> RewardRecord?
    func rewards(programId: String) async throws -> [RewardRecord]
    /// Adds codes to a reward's pool; answers how many were new (codes already there are skipped) and the stock after.
    func addRewardCodes(programId: String, rewardId: String, codes: [String], now: Date,
                        idempotency: Idempotency<RewardCodesAdded>?) async throws -> Idempotent<RewardCodesAdded>
    /// Spends the member's points and issues the reward in one transaction; refusals throw `LoyaltyError.refused`,
    /// a tripped redemption cap (`apiKeyId`: the key that sent it) `FraudRefusal` after writing its `fraud.flagged` message.
    /// `quantity` units (1–100) in one request: all or none, stock and per-member limits counted on the whole.
    func redeem(programId: String, id: String, memberId: String, rewardId: String, points: Int?, quantity: Int, now: Date, apiKeyId: String?,
                idempotency: Idempotency<RedemptionRecord>?) async throws -> Idempotent<RedemptionRecord>
    /// A redemption with its status as of `now` (issued ones past their end show as expired).
    func redemption(programId: String, id: String, now: Date) async throws -> RedemptionRecord?
    /// Redemptions newest first, of one member when `memberId` is set.
    func redemptions(programId: String, memberId: String?, limit: Int, startingAfter: String?, now: Date) async throws -> Page<RedemptionRecord>
    /// Cancels an issued redemption: points back to their lots (expired ones stay expired), the unit back to stock.
    func cancelRedemption(programId: String, id: String, now: Date, idempotency: Idempotency<RedemptionRecord>?) async throws -> Idempotent<RedemptionRecord>
    func fulfilRedemption(programId: String, id: String, now: Date, idempotency: Idempotency<RedemptionRecord>?) async throws -> Idempotent<RedemptionRecord>
    /// Marks issued redemptions past their end as expired, with a `redemption.expired` message each,
    /// at most `batchSize`; returns how many.
    func expireRedemptions(now: Date, batchSize: Int) async throws -> Int
    /// The member and every reward with its stock and the member's redemption counts, for the member's catalogue.
    func memberCatalogue(programId: String, memberId: String, now: Date) async throws -> MemberCatalogue

    // MARK: Clubs
    /// Joins a member to a club by invitation (`invitedBy` a member id or staff actor) or by paying its points.
    func joinClub(programId: String, clubId: String, memberId: String, via: ClubMembershipRecord.Via, invitedBy: String?, now: Date,
                  idempotency: Idempotency<ClubMembershipRecord>?) async throws -> Idempotent<ClubMembershipRecord>
    func leaveClub(programId: String, clubId: String, memberId: String, now: Date,
                   idempotency: Idempotency<ClubMembershipRecord>?) async throws -> Idempotent<ClubMembershipRecord>
    /// Current members of a club in member id order.
    func clubMembers(programId: String, clubId: String, limit: Int, startingAfter: String?) async throws -> Page<ClubMembershipRecord>
    /// Emits `club.membership_expiring` for memberships near their end, renews or ends those past it; returns how many it handled.
    func runClubMemberships(now: Date, batchSize: Int) async throws -> Int

    // MARK: Outbox
    /// Messages in the order they were written, after the sequence number `startingAfter`.
    func outbox(programId: String, limit: Int, startingAfter: Int64?) async throws -> Page<OutboxMessage>

    // MARK: Scheduled work
    /// Writes `points.expiring_soon` for open lots that came within one of their program's
    /// `expiring_soon_days` of expiring: once per lot and threshold (a lot first seen inside a
    /// smaller threshold is not told about the larger ones), one message per member and threshold.
    /// At most `batchSize` lots per program and threshold; returns how many lots were noticed.
    /// Safe on several nodes: a notice is written only by the node whose insert of it succeeds.
    func notifyExpiringPoints(now: Date, batchSize: Int) async throws -> Int
    /// Keeps a job's run for `laurel jobs list` (the job's last run and the count of runs).
    func recordJobRun(_ run: JobRunRecord) async throws
    /// The last run of each job that ever ran, by name.
    func jobRuns() async throws -> [JobRunRecord]
    /// What is due at `now` and not yet done, by `JobName`: members to settle, tier checks,
    /// club memberships to warn, renew or end, redemptions to expire, webhook deliveries to attempt.
    /// The other jobs work out what is due as they run; they have no entry.
    func scheduledBacklog(now: Date) async throws -> [String: Int]

    // MARK: Checks
    /// Verifies the ledger invariants of a program (entries balance, cached balances match entries and lots).
    func audit(programId: String) async throws -> [String]
}

extension LaurelStore {
    /// Events imported without a journal, each kept or refused on its own.
    public func importEvents(programId: String, events: [ImportedEvent], now: Date, reviewingTiers: Bool = true) async throws -> [ImportResult] {
        try await importEvents(programId: programId, events: events, now: now, journal: nil, allOrNothing: false, reviewingTiers: reviewingTiers)
    }

    /// A member who enrols without a referral code.
    public func createMember(_ member: MemberRecord, idempotency: Idempotency<MemberRecord>?) async throws -> Idempotent<MemberRecord> {
        try await createMember(member, referralCode: nil, idempotency: idempotency)
    }

    /// An event sent without an API key (jobs, tools, tests): per-key caps do not count it.
    public func recordEvent(programId: String, memberId: String, event: LoyaltyEvent, payload: String, now: Date,
                            idempotency: Idempotency<EventRecord>?) async throws -> Idempotent<EventRecord> {
        try await recordEvent(programId: programId, memberId: memberId, event: event, payload: payload, now: now, apiKeyId: nil, idempotency: idempotency)
    }

    /// A redemption made without an API key (tools, tests): per-key caps do not count it.
    public func redeem(programId: String, id: String, memberId: String, rewardId: String, points: Int?, quantity: Int = 1, now: Date,
                       idempotency: Idempotency<RedemptionRecord>?) async throws -> Idempotent<RedemptionRecord> {
        try await redeem(programId: programId, id: id, memberId: memberId, rewardId: rewardId, points: points, quantity: quantity, now: now,
                         apiKeyId: nil, idempotency: idempotency)
    }

    /// One unit.
    public func redeem(programId: String, id: String, memberId: String, rewardId: String, points: Int?, now: Date, apiKeyId: String?,
                       idempotency: Idempotency<RedemptionRecord>?) async throws -> Idempotent<RedemptionRecord> {
        try await redeem(programId: programId, id: id, memberId: memberId, rewardId: rewardId, points: points, quantity: 1, now: now,
                         apiKeyId: apiKeyId, idempotency: idempotency)
    }

    /// `POST /v1/rewards`: creates a reward whose id is not taken.
    public func createReward(programId: String, reward: Reward, now: Date,
                             idempotency: Idempotency<RewardRecord>?) async throws -> Idempotent<RewardRecord> {
        try await writeReward(programId: programId, reward: reward, now: now, replacing: false, idempotency: idempotency)
    }

    /// `PUT /v1/rewards/{id}`: creates a reward or replaces its definition.
    public func putReward(programId: String, reward: Reward, now: Date,
                          idempotency: Idempotency<RewardRecord>?) async throws -> Idempotent<RewardRecord> {
        try await writeReward(programId: programId, reward: reward, now: now, replacing: true, idempotency: idempotency)
    }

    /// Creates or replaces a reward outside any API request (demo setup, benchmarks, tests).
    public func putReward(programId: String, reward: Reward, now: Date) async throws -> RewardRecord {
        let result = try await putReward(programId: programId, reward: reward, now: now, idempotency: nil)
        guard let record = result.value else { preconditionFailure("a write without an idempotency key is never a replay") }
        return record
    }
}
