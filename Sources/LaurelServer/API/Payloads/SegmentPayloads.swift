import Foundation
import LaurelCore
import LaurelStore

/// A segment of the program as the API shows it: its definition as written in the program file.
struct SegmentView: Encodable {
    var id: String
    var object = "segment"
    var name: String
    var description: String?
    var conditions: [JSONValue]

    init(_ segment: SegmentDefinition) {
        id = segment.id
        name = segment.name
        description = segment.description
        conditions = segment.conditions.map(\.canonicalTree)
    }
}

/// A member found in a segment.
struct SegmentMemberView: Encodable {
    var object = "segment_member"
    var memberId: String
    var externalId: String

    enum CodingKeys: String, CodingKey { case object, memberId = "member_id", externalId = "external_id" }

    init(_ record: SegmentMemberRecord) {
        memberId = record.memberId
        externalId = record.externalId
    }
}
