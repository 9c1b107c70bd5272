import Foundation
import LaurelCore
import LaurelStore
import Testing

/// Rewards (`eligibility.segments`) and clubs (`join.segments`) that require a segment read the
/// materialised membership, as rules do.
struct SegmentEligibilityTests {
    static let program = """
        name: Eligibility
        currency: EUR
        earning_rules:
          - {id: spend, event: purchase, effect: {type: points_per_amount, points: 1, per: 1}}
        clubs:
          - {id: inner, name: Inner circle, join: {invitations: staff, segments: [big]}}
        segments:
          - {id: big, conditions: [{spend: {min: 100}}]}
        """

    @Test(arguments: StoreBackend.available)
    func aRewardAndAClubForOneSegment(backend: StoreBackend) async throws {
        let fixture = try await StoreFixture.make(backend, program: Self.program)
        let store = fixture.store
        let definition = try ProgramDefinition.parse(Self.program)
        let reward = try Reward.read(try ProgramSourceParser.parse(#"{"id":"gift","name":"Gift","type":"free_product","sku":"G1","cost":50,"eligibility":{"segments":["big"]}}"#),
                                     program: definition)
        #expect(reward.segments == ["big"])
        _ = try await store.putReward(programId: fixture.programId, reward: reward, now: StoreFixture.start)
        let ana = try await fixture.member("ana")
        try await fixture.record(StoreFixture.purchase(total: "150", at: StoreFixture.at()), memberId: ana.id)
        func redeem() async -> String? {
            do {
                _ = try await store.redeem(programId: fixture.programId, id: Identifiers.make("rdm"), memberId: ana.id, rewardId: "gift", points: nil,
                                           now: StoreFixture.at(hours: 1), idempotency: nil)
                return nil
            } catch LoyaltyError.refused(let refusal) {
                return refusal.code
            } catch {
                return "\(error)"
            }
        }
        func join() async -> String? {
            do {
                _ = try await store.joinClub(programId: fixture.programId, clubId: "inner", memberId: ana.id, via: .invitation, invitedBy: "staff",
                                             now: StoreFixture.at(hours: 1), idempotency: nil)
                return nil
            } catch LoyaltyError.clubJoinNotAllowed(_, let why) {
                return why
            } catch {
                return "\(error)"
            }
        }
        // Not yet refreshed: not in "big" as far as rewards and clubs can tell.
        #expect(await redeem() == "segment_required")
        #expect(await join() == "it is for members of segment big")
        #expect(try await store.refreshSegments(programId: fixture.programId, now: StoreFixture.at(hours: 1)).entered == 1)
        #expect(await redeem() == nil)
        #expect(await join() == nil)
    }

    @Test func unknownSegmentsOfRewardsAndClubsAreReported() throws {
        let definition = try ProgramDefinition.parse(Self.program)
        let error = try #require(throws: ProgramValidationError.self) {
            try Reward.read(try ProgramSourceParser.parse(#"{"id":"gift","name":"Gift","type":"free_product","sku":"G1","cost":50,"eligibility":{"segments":["nope"]}}"#),
                            program: definition)
        }
        #expect(error.issues == [ValidationIssue(path: "eligibility.segments", message: "unknown segment \"nope\"")])
        let club = try #require(throws: ProgramValidationError.self) { try ProgramDefinition.parse(Self.program.replacingOccurrences(of: "segments: [big]", with: "segments: [small]")) }
        #expect(club.issues == [ValidationIssue(path: "clubs[0].join.segments", message: "unknown segment \"small\"")])
        // Written back and read again: the same.
        #expect(try ProgramDefinition.read(definition.canonicalTree) == definition)
    }
}
