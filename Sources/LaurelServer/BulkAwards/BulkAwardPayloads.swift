import Foundation
import LaurelCore
import LaurelStore

/// `POST /v1/bulk-awards`: the credit and exactly one target.
struct BulkAwardBody: Decodable, ServerSetFields {
    var points: Int
    var reason: String
    /// Who asked for it (a staff member); defaults to the API key.
    var actor: String?
    var memberIds: [String]?
    var externalIds: [String]?
    var segmentId: String?

    enum CodingKeys: String, CodingKey {
        case points, reason, actor, memberIds = "member_ids", externalIds = "external_ids", segmentId = "segment_id"
    }

    static let serverSetFields: Set<String> = ["id", "object", "status", "total", "done", "credited", "skipped", "progress", "created_at", "completed_at"]
}

/// A bulk award job as the API shows it.
struct BulkAwardView: Encodable {
    var id: String
    var object = "bulk_award"
    var status: String
    var points: Int
    var reason: String
    var actor: String
    var target: String
    var segmentId: String?
    var total: Int
    var done: Int
    var credited: Int
    var skipped: Int
    var progress: Double
    var createdAt: String
    var completedAt: String?

    enum CodingKeys: String, CodingKey {
        case id, object, status, points, reason, actor, target, segmentId = "segment_id", total, done, credited, skipped, progress,
             createdAt = "created_at", completedAt = "completed_at"
    }

    init(_ record: BulkAwardRecord) {
        id = record.id
        status = record.status.rawValue
        points = record.points
        reason = record.reason
        actor = record.actor
        target = record.target.rawValue
        segmentId = record.segmentId
        total = record.total
        done = record.done
        credited = record.credited
        skipped = record.skipped
        // Four decimals: a stable number however the division rounds.
        progress = (record.progress * 10_000).rounded(.down) / 10_000
        createdAt = Timestamps.format(record.createdAt)
        completedAt = record.completedAt.map(Timestamps.format)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(object, forKey: .object)
        try container.encode(status, forKey: .status)
        try container.encode(points, forKey: .points)
        try container.encode(reason, forKey: .reason)
        try container.encode(actor, forKey: .actor)
        try container.encode(target, forKey: .target)
        try container.encode(segmentId, forKey: .segmentId)
        try container.encode(total, forKey: .total)
        try container.encode(done, forKey: .done)
        try container.encode(credited, forKey: .credited)
        try container.encode(skipped, forKey: .skipped)
        try container.encode(progress, forKey: .progress)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(completedAt, forKey: .completedAt)
    }
}

/// One handled target of a job (`GET /v1/bulk-awards/{id}/results`).
struct BulkAwardResultView: Encodable {
    var object = "bulk_award_result"
    var position: Int
    var target: String
    var memberId: String?
    var status: String
    var reason: String?
    var adjustmentId: String?
    var doneAt: String?

    enum CodingKeys: String, CodingKey {
        case object, position, target, memberId = "member_id", status, reason, adjustmentId = "adjustment_id", doneAt = "done_at"
    }

    init(_ result: BulkAwardResult) {
        position = result.position
        target = result.target
        memberId = result.memberId
        status = result.status.rawValue
        reason = result.reason?.rawValue
        adjustmentId = result.adjustmentId
        doneAt = result.doneAt.map(Timestamps.format)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(object, forKey: .object)
        try container.encode(position, forKey: .position)
        try container.encode(target, forKey: .target)
        try container.encode(memberId, forKey: .memberId)
        try container.encode(status, forKey: .status)
        try container.encode(reason, forKey: .reason)
        try container.encode(adjustmentId, forKey: .adjustmentId)
        try container.encode(doneAt, forKey: .doneAt)
    }
}
