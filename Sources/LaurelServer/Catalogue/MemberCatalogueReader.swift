import Foundation
import LaurelCore
import LaurelStore

/// What one member sees in the catalogue: every reward visible to them at `now`, with its cost and
/// every reason they cannot redeem it yet, featured first, then what they can redeem now, then by id.
/// `GET /v1/members/{id}/rewards` and the member portal both read it here.
enum MemberCatalogueReader {
    struct Entry: Sendable {
        let record: RewardRecord
        /// Points it costs this member now (the smallest amount for points-to-money).
        let cost: Int
        let refusals: [RedemptionRefusal]
        var redeemable: Bool { refusals.isEmpty }
    }

    static func entries(store: any LaurelStore, programId: String, memberId: String, now: Date) async throws -> (catalogue: MemberCatalogue, entries: [Entry]) {
        let catalogue = try await store.memberCatalogue(programId: programId, memberId: memberId, now: now)
        guard let version = try await store.programVersion(programId: programId, version: nil) else {
            throw Problem(.conflict, "program_not_configured", "program \(programId) has no definition yet")
        }
        let check = RedemptionCheck(program: version.definition)
        // Segments as of the last refresh, as the redemption itself checks them.
        let segments = version.definition.segments.isEmpty ? [] : try await store.materialisedSegments(programId: programId, memberId: memberId)
        let member = catalogue.member.profile(clubs: catalogue.clubs, segments: segments)
        var entries: [Entry] = []
        for entry in catalogue.entries where entry.record.reward.isVisible(to: member, at: now) {
            let cost = (try? check.cost(of: entry.record.reward, points: nil).get()) ?? entry.record.reward.kind.minimumCost
            let context = RedemptionContext(member: member, available: catalogue.available, redeemedEver: entry.redeemedEver,
                                            redeemedInPeriod: entry.redeemedInPeriod, stockLeft: entry.record.stockLeft)
            entries.append(Entry(record: entry.record, cost: cost, refusals: check.refusals(entry.record.reward, cost: cost, context: context, now: now)))
        }
        func order(_ entry: Entry) -> (Int, Int, String) {
            (entry.record.reward.featured ? 0 : 1, entry.redeemable ? 0 : 1, entry.record.reward.id)
        }
        return (catalogue, entries.sorted { order($0) < order($1) })
    }
}
