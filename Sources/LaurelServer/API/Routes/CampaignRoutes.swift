import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// Campaigns of the program's current version: their definitions and status, and for one campaign
/// what it did so far, with the holdout's figures beside the audience's.
struct CampaignRoutes {
    let store: any LaurelStore
    let clock: any WallClock

    func register(_ api: APIRouter) {
        api.add(.get, "/v1/campaigns", scope: .read, member: .refused) { request in
            // In id order, like every list: the cursor is an id, and the page after any text is well defined.
            let campaigns = (try await store.programVersion(programId: request.programId, version: nil)?.definition.campaigns ?? [])
                .sorted { $0.id < $1.id }
            let limit = try request.limit()
            let after = request.query("starting_after")
            let first = after.map { after in campaigns.firstIndex { $0.id > after } ?? campaigns.count } ?? 0
            let now = clock.now()
            let page = campaigns[first...].prefix(limit)
            let hasMore = first + page.count < campaigns.count
            let view = ListView(data: page.map { CampaignView.json($0, now: now) }, hasMore: hasMore, nextCursor: hasMore ? page.last?.id : nil)
            return APIJSON.response(.ok, try APIJSON.encode(view))
        }

        api.add(.get, "/v1/campaigns/{id}", scope: .read, member: .refused) { request in
            let id = try request.parameter("id")
            guard let definition = try await store.programVersion(programId: request.programId, version: nil)?.definition,
                  let campaign = definition.campaign(id) else {
                throw Problem.notFound("campaign \(id)")
            }
            let activity = try await store.campaignActivity(programId: request.programId, campaign: campaign)
            let report = CampaignReport(campaign: campaign, program: definition, activity: activity)
            return APIJSON.response(.ok, try APIJSON.encode(CampaignView.json(campaign, now: clock.now(), report: report)))
        }
    }
}
