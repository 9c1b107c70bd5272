import Foundation
import LaurelCore
import LaurelStore

/// What the clock makes due for campaigns: a `campaign.started` message when a campaign's window
/// opens and a `campaign.ended` one when it closes (each once), and while it runs its gifts
/// (`points_gift`, `reward_gift`) to every member of its audience who has none yet, members who
/// enter the audience later included. Idempotent and safe on several nodes at once: the store
/// marks each transition and claims each gift by a unique key in the transaction that acts on it.
public enum CampaignJob {
    /// Does what is due at `now` for every program; returns how many messages and gifts it wrote.
    @discardableResult
    public static func runOnce(store: any LaurelStore, now: Date, batchSize: Int = 500) async throws -> Int {
        var done = 0
        for program in try await store.programs() where program.currentVersion != nil {
            guard let version = try await store.programVersion(programId: program.id, version: nil), !version.definition.campaigns.isEmpty else {
                continue
            }
            let definition = version.definition
            let runs = Dictionary(try await store.campaignRuns(programId: program.id).map { ($0.campaignId, $0) }, uniquingKeysWith: { first, _ in first })
            for campaign in definition.campaigns {
                switch campaign.status(at: now) {
                case .scheduled:
                    continue
                case .active:
                    if runs[campaign.id]?.startedAt == nil, try await store.markCampaign(programId: program.id, campaign: campaign, transition: .started, now: now) {
                        done += 1
                    }
                    if campaign.hasGift {
                        done += try await giveGifts(store: store, programId: program.id, campaign: campaign, definition: definition, now: now, batchSize: batchSize)
                    }
                case .ended:
                    if runs[campaign.id]?.endedAt == nil, try await store.markCampaign(programId: program.id, campaign: campaign, transition: .ended, now: now) {
                        done += 1
                    }
                }
            }
        }
        return done
    }

    /// Gives the campaign's gift to the members of its audience who have none yet.
    private static func giveGifts(store: any LaurelStore, programId: String, campaign: Campaign, definition: ProgramDefinition, now: Date,
                                  batchSize: Int) async throws -> Int {
        let zone = definition.calendar.timeZone
        var given = 0
        var after: String?
        while true {
            let members = try await store.membersAwaitingCampaignGift(programId: programId, campaignId: campaign.id, limit: batchSize, startingAfter: after)
            for member in members {
                // Segments and consents are read only for an audience that names them.
                let segments = campaign.audience.segments.isEmpty ? [] : try await store.materialisedSegments(programId: programId, memberId: member.id)
                let consents = campaign.audience.consents.isEmpty ? [] : try await store.grantedConsents(programId: programId, memberId: member.id)
                guard campaign.giftsReach(member.profile(segments: segments, consents: consents), timeZone: zone) else { continue }
                do {
                    if try await store.giveCampaignGift(programId: programId, campaign: campaign, memberId: member.id, now: now) != nil { given += 1 }
                } catch is LedgerError {
                    // The ledger refuses this member the points (their total is at Laurel's bound): the claim rolled
                    // back with the gift, so a later run tries again; the members after them still get theirs.
                    continue
                }
            }
            guard members.count == batchSize, let last = members.last else { return given }
            after = last.id
        }
    }
}
