import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// A member's data rights: their data as one document (access), erasure, and consents.
struct MemberDataRoutes {
    let store: any LaurelStore
    let clock: any WallClock

    func register(_ api: APIRouter) {
        // Everything kept about the member. An admin key, or the member's own token (their right of access).
        api.add(.get, "/v1/members/{id}/export", scope: .admin, member: .pathMember("id")) { request in
            let id = try request.parameter("id")
            guard let data = try await store.memberData(programId: request.programId, memberId: id) else { throw Problem.notFound("member \(id)") }
            return APIJSON.response(.ok, try APIJSON.encode(MemberExportView(data, exportedAt: clock.now())))
        }

        // Personal data removed, points kept; a second erasure answers the first.
        api.add(.post, "/v1/members/{id}/erase", scope: .admin, member: .refused) { request in
            let id = try request.parameter("id")
            // An unknown member answers 404 whatever the body says.
            guard try await store.member(programId: request.programId, id: id) != nil else { throw Problem.notFound("member \(id)") }
            let body = try APIJSON.decode(EraseMemberBody.self, from: request.body)
            let reason = try FreeText.read(body.reason, field: "reason")
            let render: @Sendable (MemberErasure) throws -> Data = { try APIJSON.encode(MemberErasureView($0)) }
            let result = try await store.eraseMember(programId: request.programId, memberId: id, reason: reason, now: clock.now(),
                                                     idempotency: try request.idempotency(status: .ok, render: render))
            return try APIRouter.respond(result, status: .ok, render: render)
        }

        api.add(.get, "/v1/members/{id}/consents", scope: .read, member: .pathMember("id")) { request in
            let id = try request.parameter("id")
            let history = try await store.consentHistory(programId: request.programId, memberId: id)
            return APIJSON.response(.ok, try APIJSON.encode(MemberConsentsView(memberId: id, history: history)))
        }

        // Grants and withdrawals: the member themselves (a member token) or the brand on their behalf.
        api.add(.put, "/v1/members/{id}/consents", scope: .integration, member: .pathMember("id")) { request in
            let id = try request.parameter("id")
            let body = try APIJSON.decode(PutConsentsBody.self, from: request.body)
            try body.validate()
            let render: @Sendable ([ConsentChange]) throws -> Data = { try APIJSON.encode(MemberConsentsView(memberId: id, history: $0)) }
            let result = try await store.setConsents(programId: request.programId, memberId: id, body.consents, source: body.source ?? .api,
                                                     now: clock.now(), idempotency: try request.idempotency(status: .ok, render: render))
            return try APIRouter.respond(result, status: .ok, render: render)
        }
    }
}

/// `POST /v1/members/{id}/erase`.
struct EraseMemberBody: Decodable {
    var reason: String
}

/// `PUT /v1/members/{id}/consents`: the consents to set, by name; names left out stay as they are.
struct PutConsentsBody: Decodable {
    var consents: [String: Bool]
    /// `api` (default) or `import`; `portal` is the portal's own.
    var source: ConsentSource?

    func validate() throws {
        guard !consents.isEmpty else { throw Problem.invalid("consents", "consents must name at least one consent, such as {\"marketing\": true}") }
        for name in consents.keys.sorted() where !ConsentName.isValid(name) {
            throw Problem.invalid("consents.\(name)", "consent names are 1 to 40 lowercase letters, digits or _, starting with a letter (marketing, profiling…)")
        }
        guard consents.count <= Consents.maxNames else { throw Problem.invalid("consents", "at most \(Consents.maxNames) consents") }
        if source == .portal { throw Problem.invalid("source", "source must be api or import (portal is set by the member portal)") }
    }
}

struct MemberErasureView: Encodable {
    var object = "member_erasure"
    var memberId: String
    var erasedAt: String
    var alreadyErased: Bool

    init(_ erasure: MemberErasure) {
        memberId = erasure.memberId
        erasedAt = Timestamps.format(erasure.erasedAt)
        alreadyErased = erasure.alreadyErased
    }

    enum CodingKeys: String, CodingKey { case object, memberId = "member_id", erasedAt = "erased_at", alreadyErased = "already_erased" }
}

/// A consent's current state.
struct ConsentView: Encodable {
    var name: String
    var granted: Bool
    var grantedAt: String?
    var withdrawnAt: String?
    var source: ConsentSource
    var updatedAt: String

    init(_ state: Consents.State) {
        name = state.name
        granted = state.granted
        grantedAt = state.grantedAt.map(Timestamps.format)
        withdrawnAt = state.withdrawnAt.map(Timestamps.format)
        source = state.source
        updatedAt = Timestamps.format(state.updatedAt)
    }

    enum CodingKeys: String, CodingKey {
        case name, granted, grantedAt = "granted_at", withdrawnAt = "withdrawn_at", source, updatedAt = "updated_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(granted, forKey: .granted)
        try container.encode(grantedAt, forKey: .grantedAt)
        try container.encode(withdrawnAt, forKey: .withdrawnAt)
        try container.encode(source, forKey: .source)
        try container.encode(updatedAt, forKey: .updatedAt)
    }
}

/// One grant or withdrawal.
struct ConsentChangeView: Encodable {
    var name: String
    var granted: Bool
    var source: ConsentSource
    var at: String

    init(_ change: ConsentChange) {
        name = change.name
        granted = change.granted
        source = change.source
        at = Timestamps.format(change.at)
    }
}

/// `GET /v1/members/{id}/consents`: each consent's state and every change, oldest first.
struct MemberConsentsView: Encodable {
    var object = "member_consents"
    var memberId: String
    var data: [ConsentView]
    var history: [ConsentChangeView]

    init(memberId: String, history: [ConsentChange]) {
        self.memberId = memberId
        data = Consents.current(history).map(ConsentView.init)
        self.history = history.map(ConsentChangeView.init)
    }

    enum CodingKeys: String, CodingKey { case object, memberId = "member_id", data, history }
}

/// `GET /v1/members/{id}/export`: the member as the API shows them, their consents, and every row
/// kept about them by table, as stored (times in milliseconds since 1970, JSON columns as JSON).
struct MemberExportView: Encodable {
    var object = "member_export"
    var memberId: String
    var exportedAt: String
    var member: MemberView
    var consents: [ConsentView]
    var data: [String: [JSONValue]]

    init(_ data: MemberData, exportedAt: Date) {
        memberId = data.member.id
        self.exportedAt = Timestamps.format(exportedAt)
        member = MemberView(data.member)
        let consentRows = data.tables.first { $0.name == "member_consents" }?.rows ?? []
        consents = Consents.current(consentRows.compactMap(Self.consentChange)).map(ConsentView.init)
        self.data = Dictionary(data.tables.map { ($0.name, $0.rows) }, uniquingKeysWith: { $1 })
    }

    /// A `member_consents` row as exported (both backends: `granted` a boolean or 0/1, `at` milliseconds).
    private static func consentChange(_ row: JSONValue) -> ConsentChange? {
        guard case .object(let fields) = row, case .string(let name)? = fields["name"], case .string(let source)? = fields["source"],
              case .number(let at)? = fields["at"], let millis = Int64(at) else { return nil }
        let granted: Bool
        switch fields["granted"] {
        case .bool(let value)?: granted = value
        case .number(let value)?: granted = value != "0"
        default: return nil
        }
        return ConsentChange(name: name, granted: granted, source: ConsentSource(rawValue: source) ?? .api, at: Timestamps.date(millis: millis))
    }

    enum CodingKeys: String, CodingKey { case object, memberId = "member_id", exportedAt = "exported_at", member, consents, data }
}
