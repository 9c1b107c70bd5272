import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// Segments: the program's named sets of members, and who is in one now (evaluated live).
struct SegmentRoutes {
    let store: any LaurelStore
    let clock: any WallClock

    func register(_ api: APIRouter) {
        api.add(.get, "/v1/segments", scope: .read, member: .refused) { request in
            let segments = try await store.programVersion(programId: request.programId, version: nil)?.definition.segments ?? []
            return APIJSON.response(.ok, try APIJSON.encode(ListView(data: segments.map(SegmentView.init), hasMore: false)))
        }

        api.add(.get, "/v1/segments/{id}", scope: .read, member: .refused) { request in
            let segment = try await segment(programId: request.programId, id: try request.parameter("id"))
            return APIJSON.response(.ok, try APIJSON.encode(SegmentView(segment)))
        }

        api.add(.get, "/v1/segments/{id}/members", scope: .read, member: .refused) { request in
            let segment = try await segment(programId: request.programId, id: try request.parameter("id"))
            let page = try await store.segmentMembers(programId: request.programId, segment: segment, now: clock.now(), limit: try request.limit(),
                                                      startingAfter: request.query("starting_after"))
            let view = ListView(data: page.items.map(SegmentMemberView.init), hasMore: page.hasMore,
                                nextCursor: page.hasMore ? page.items.last?.memberId : nil)
            return APIJSON.response(.ok, try APIJSON.encode(view))
        }
    }

    /// The segment of the program's current version; 404 when it has none of that id.
    private func segment(programId: String, id: String) async throws -> SegmentDefinition {
        guard let segment = try await store.programVersion(programId: programId, version: nil)?.definition.segment(id) else {
            throw Problem.notFound("segment \(id)")
        }
        return segment
    }
}
