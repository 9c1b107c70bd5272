import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// Referrals: the friends a member brought, with each one's status and gifts. A member's own code
/// and link are in their view (`GET /v1/members/{id}`); a friend enrols with `referral_code`.
struct ReferralRoutes {
    let store: any LaurelStore
    let clock: any WallClock

    func register(_ api: APIRouter) {
        api.add(.get, "/v1/members/{id}/referrals", scope: .read, member: .pathMember("id")) { request in
            let page = try await store.referrals(programId: request.programId, referrerId: try request.parameter("id"), now: clock.now())
            return APIJSON.response(.ok, try APIJSON.encode(ListView(data: page.items.map(ReferralView.init), hasMore: page.hasMore)))
        }
    }
}
