import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// Punch cards: a member's progress on each of the program's cards.
struct PunchCardRoutes {
    let store: any LaurelStore
    let clock: any WallClock

    func register(_ api: APIRouter) {
        api.add(.get, "/v1/members/{id}/punch-cards", scope: .read, member: .pathMember("id")) { request in
            let id = try request.parameter("id")
            let cards = try await store.programVersion(programId: request.programId, version: nil)?.definition.punchCards ?? []
            let progress = try await store.punchCards(programId: request.programId, memberId: id, cards: cards, now: clock.now())
            return APIJSON.response(.ok, try APIJSON.encode(ListView(data: progress.map(PunchCardView.init), hasMore: false)))
        }
    }
}
