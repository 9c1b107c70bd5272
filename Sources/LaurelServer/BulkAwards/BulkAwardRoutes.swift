import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// Bulk point awards: one credit for a list of members or a segment, made as a job that
/// `BulkAwardJob` works through in the background. Each credit is a staff adjustment.
struct BulkAwardRoutes {
    let store: any LaurelStore
    let clock: any WallClock

    /// Most targets in one job.
    static let maximumTargets = 100_000
    /// A body of `maximumTargets` ids (up to 64 characters each) fits.
    static let bodyLimit = 8 << 20
    static let maximumIdLength = 255

    func register(_ api: APIRouter) {
        api.add(.post, "/v1/bulk-awards", scope: .admin, member: .refused, bodyLimit: Self.bodyLimit) { request in
            let body = try APIJSON.decode(BulkAwardBody.self, from: request.body)
            guard (1...100_000_000).contains(body.points) else {
                throw Problem.invalid("points", "points must be a positive integer of at most 100000000 (a bulk award only credits)")
            }
            let reason = try FreeText.read(body.reason, field: "reason")
            // The keys given, a null one included: `{"external_ids": [...], "segment_id": null}` names two targets.
            let given = Set(((try? JSONDecoder().decode([String: JSONValue].self, from: request.body)) ?? [:]).keys)
            let named = ["member_ids", "external_ids", "segment_id"].filter(given.contains)
            guard named.count == 1 else {
                throw Problem(.unprocessableContent, "invalid_target", "give exactly one of member_ids, external_ids or segment_id",
                              field: named.count > 1 ? named[1] : "member_ids")
            }
            let now = clock.now()
            guard let version = try await store.programVersion(programId: request.programId, version: nil) else {
                throw Problem(.conflict, "program_not_configured", "program \(request.programId) has no definition yet; apply one first")
            }
            let target: BulkAwardRecord.Target
            let targets: [String]
            var segmentId: String?
            if let ids = body.memberIds {
                (target, targets) = (.memberIds, try Self.list(ids, field: "member_ids"))
            } else if let ids = body.externalIds {
                (target, targets) = (.externalIds, try Self.list(ids, field: "external_ids"))
            } else {
                let id = body.segmentId ?? ""
                guard let segment = version.definition.segment(id) else {
                    throw Problem(.unprocessableContent, "unknown_segment", "the program has no segment \(id)", field: "segment_id")
                }
                segmentId = id
                (target, targets) = (.segment, try await segmentMembers(programId: request.programId, segment: segment, now: now))
            }
            let actor = body.actor.map { "\($0) via \(request.caller.actor)" } ?? request.caller.actor
            let award = BulkAwardRecord(id: Identifiers.make("bulk", now: now), programId: request.programId, points: body.points, reason: reason,
                                        actor: actor, target: target, segmentId: segmentId, createdAt: now)
            let render: @Sendable (BulkAwardRecord) throws -> Data = { try APIJSON.encode(BulkAwardView($0)) }
            let result = try await store.createBulkAward(award, targets: targets, idempotency: try request.idempotency(status: .accepted, render: render))
            return try APIRouter.respond(result, status: .accepted, render: render)
        }

        api.add(.get, "/v1/bulk-awards", scope: .admin, member: .refused) { request in
            let page = try await store.bulkAwards(programId: request.programId, limit: try request.limit(), startingAfter: request.query("starting_after"))
            let data = page.items.map(BulkAwardView.init)
            return APIJSON.response(.ok, try APIJSON.encode(ListView(data: data, hasMore: page.hasMore, nextCursor: page.hasMore ? data.last?.id : nil)))
        }

        api.add(.get, "/v1/bulk-awards/{id}", scope: .admin, member: .refused) { request in
            let id = try request.parameter("id")
            guard let award = try await store.bulkAward(programId: request.programId, id: id) else { throw Problem.notFound("bulk award \(id)") }
            return APIJSON.response(.ok, try APIJSON.encode(BulkAwardView(award)))
        }

        // The targets handled so far, in list order, paged (a job may have 100,000).
        api.add(.get, "/v1/bulk-awards/{id}/results", scope: .admin, member: .refused) { request in
            let id = try request.parameter("id")
            var status: BulkAwardItemStatus?
            if let text = request.query("status") {
                guard let value = BulkAwardItemStatus(rawValue: text), value != .pending else {
                    throw Problem(.badRequest, "invalid_request", "status must be credited or skipped", field: "status")
                }
                status = value
            }
            var after: Int?
            if let text = request.query("starting_after") {
                guard let position = Int(text), position >= 0 else {
                    throw Problem(.badRequest, "invalid_request", "starting_after must be a result's position, such as 500", field: "starting_after")
                }
                after = position
            }
            let page = try await store.bulkAwardResults(programId: request.programId, id: id, status: status, limit: try request.limit(),
                                                        startingAfter: after)
            let data = page.items.map(BulkAwardResultView.init)
            let next = page.hasMore ? page.items.last.map { String($0.position) } : nil
            return APIJSON.response(.ok, try APIJSON.encode(ListView(data: data, hasMore: page.hasMore, nextCursor: next)))
        }
    }

    /// The ids of a list, each once, in the order first given.
    static func list(_ ids: [String], field: String) throws -> [String] {
        guard (1...maximumTargets).contains(ids.count) else {
            throw Problem.invalid(field, "\(field) must hold 1 to \(maximumTargets) ids")
        }
        guard ids.allSatisfy({ !$0.isEmpty && $0.unicodeScalars.count <= maximumIdLength }) else {
            throw Problem.invalid(field, "every id of \(field) must be 1 to \(maximumIdLength) characters")
        }
        var seen = Set<String>()
        return ids.filter { seen.insert($0).inserted }
    }

    /// The segment's members now, the job's fixed list.
    private func segmentMembers(programId: String, segment: SegmentDefinition, now: Date) async throws -> [String] {
        var ids: [String] = []
        var after: String?
        while true {
            let page = try await store.segmentMembers(programId: programId, segment: segment, now: now, limit: 500, startingAfter: after)
            ids += page.items.map(\.memberId)
            guard ids.count <= Self.maximumTargets else {
                throw Problem(.unprocessableContent, "segment_too_large",
                              "segment \(segment.id) has more than \(Self.maximumTargets) members; award them in several jobs by id", field: "segment_id")
            }
            guard page.hasMore, let last = page.items.last else { return ids }
            after = last.memberId
        }
    }
}
