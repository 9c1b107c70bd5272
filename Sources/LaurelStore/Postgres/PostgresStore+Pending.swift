import Foundation
import LaurelCore

// TEMPORARY (not to be committed): stubs until the PostgreSQL port lands.
struct NotYetPorted: Error {}
extension PostgresStore {
    public func setTierFloor(programId: String, memberId: String, tierId: String?, until: Date?, note: String, actor: String, now: Date) async throws -> MemberRecord { throw NotYetPorted() }
    public func tierChanges(programId: String, memberId: String, limit: Int, startingAfter: Int64?) async throws -> Page<TierChangeRecord> { throw NotYetPorted() }
    public func reviewTiers(now: Date, batchSize: Int) async throws -> Int { throw NotYetPorted() }
    public func putReward(programId: String, reward: Reward, now: Date) async throws -> RewardRecord { throw NotYetPorted() }
    public func reward(programId: String, id: String) async throws -> RewardRecord? { throw NotYetPorted() }
    public func rewards(programId: String) async throws -> [RewardRecord] { throw NotYetPorted() }
    public func addRewardCodes(programId: String, rewardId: String, codes: [String], now: Date) async throws -> Int { throw NotYetPorted() }
    public func redeem(programId: String, id: String, memberId: String, rewardId: String, points: Int?, now: Date,
                idempotency: Idempotency<RedemptionRecord>?) async throws -> Idempotent<RedemptionRecord> { throw NotYetPorted() }
    public func redemption(programId: String, id: String, now: Date) async throws -> RedemptionRecord? { throw NotYetPorted() }
    public func redemptions(programId: String, memberId: String?, limit: Int, startingAfter: String?, now: Date) async throws -> Page<RedemptionRecord> { throw NotYetPorted() }
    public func cancelRedemption(programId: String, id: String, now: Date, idempotency: Idempotency<RedemptionRecord>?) async throws -> Idempotent<RedemptionRecord> { throw NotYetPorted() }
    public func fulfilRedemption(programId: String, id: String, now: Date, idempotency: Idempotency<RedemptionRecord>?) async throws -> Idempotent<RedemptionRecord> { throw NotYetPorted() }
    public func memberCatalogue(programId: String, memberId: String, now: Date) async throws -> MemberCatalogue { throw NotYetPorted() }
    public func joinClub(programId: String, clubId: String, memberId: String, via: ClubMembershipRecord.Via, invitedBy: String?, now: Date,
                  idempotency: Idempotency<ClubMembershipRecord>?) async throws -> Idempotent<ClubMembershipRecord> { throw NotYetPorted() }
    public func leaveClub(programId: String, clubId: String, memberId: String, now: Date) async throws -> ClubMembershipRecord { throw NotYetPorted() }
    public func clubMembers(programId: String, clubId: String, limit: Int, startingAfter: String?) async throws -> Page<ClubMembershipRecord> { throw NotYetPorted() }
    public func runClubMemberships(now: Date, batchSize: Int) async throws -> Int { throw NotYetPorted() }
    public func outbox(programId: String, limit: Int, startingAfter: Int64?) async throws -> Page<OutboxMessage> { throw NotYetPorted() }
}
