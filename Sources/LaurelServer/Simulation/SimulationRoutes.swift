import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// Backtests through the API (admin scope): `POST /v1/simulations` queues one (a draft program, or
/// none: the live program replays itself), `SimulationJob` runs it in the background, and
/// `GET /v1/simulations/{id}` shows its progress and, once completed, the report `laurel simulate
/// --format json` prints.
struct SimulationRoutes {
    let store: any LaurelStore
    let clock: any WallClock

    func register(_ api: APIRouter) {
        let render: @Sendable (SimulationRecord) throws -> Data = { try APIJSON.encode(SimulationView($0, withResult: false)) }

        api.add(.post, "/v1/simulations", scope: .admin, member: .refused) { request in
            let now = clock.now()
            let body = try SimulationBodies.create(request.body, now: now)
            guard try await store.programVersion(programId: request.programId, version: nil) != nil else {
                throw Problem(.conflict, "program_not_configured", "program \(request.programId) has no definition yet: there is nothing to replay")
            }
            let simulation = SimulationRecord(id: Identifiers.make("sim", now: now), programId: request.programId, from: body.from, until: body.until,
                                              draftSource: body.draftSource, actor: AuditActor.current, createdAt: now)
            do {
                let result = try await store.createSimulation(simulation, maxActive: SimulationJob.maxActivePerProgram,
                                                              idempotency: try request.idempotency(status: .accepted, render: render))
                return try APIRouter.respond(result, status: .accepted, render: render)
            } catch let full as SimulationQueueFull {
                throw Problem(.conflict, "too_many_simulations", full.description)
            }
        }

        api.add(.get, "/v1/simulations", scope: .admin, member: .refused) { request in
            let page = try await store.simulations(programId: request.programId, limit: try request.limit(),
                                                   startingAfter: request.query("starting_after"))
            let data = page.items.map { SimulationView($0, withResult: false) }
            return APIJSON.response(.ok, try APIJSON.encode(ListView(data: data, hasMore: page.hasMore, nextCursor: page.hasMore ? data.last?.id : nil)))
        }

        api.add(.get, "/v1/simulations/{id}", scope: .admin, member: .refused) { request in
            let id = try request.parameter("id")
            guard let simulation = try await store.simulation(programId: request.programId, id: id) else { throw Problem.notFound("simulation \(id)") }
            return APIJSON.response(.ok, try APIJSON.encode(SimulationView(simulation, withResult: true)))
        }
    }
}

/// `POST /v1/simulations`'s body, checked before anything is stored.
enum SimulationBodies {
    struct Create {
        var draftSource: String?
        var from: Date
        var until: Date
    }

    private struct Body: Decodable {
        var program: JSONValue?
        var from: String?
        var to: String?
    }

    /// `program`: the draft as YAML or JSON text (what `PUT /v1/program` takes) or as a JSON object, validated as
    /// that route validates it; `from` and `to`: RFC 3339, `from` before `to` and in the past (a `to` past `now` becomes `now`).
    static func create(_ data: Data, now: Date) throws -> Create {
        let body = try APIJSON.decode(Body.self, from: data)
        let from = try timestamp(body.from, "from")
        let to = try timestamp(body.to, "to")
        // Relations no schema states: 422, like other valid-looking values Laurel cannot take.
        guard from < to else { throw Problem.invalid("to", "from must come before to") }
        // The live ledger is known up to now: a window reaching past now ends now (as `laurel simulate` does).
        guard from < now else { throw Problem.invalid("from", "from must be in the past") }
        var source: String?
        switch body.program {
        case nil, .null?:
            source = nil
        case .string(let text)?:
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw Problem.invalid("program", "program is empty: send the draft program (YAML or JSON), or leave program out to replay the live one")
            }
            source = text
        case .object(let object)?:
            source = String(decoding: try APIJSON.encode(JSONValue.object(object)), as: UTF8.self)
        case .bool?, .number?, .array?:
            throw Problem.invalid("program", "program must be the draft program as YAML or JSON text, or as a JSON object")
        }
        // Every problem of the draft, as `PUT /v1/program` answers them (422 `invalid_program` with `errors`).
        if let source { _ = try ProgramDefinition.parse(source) }
        return Create(draftSource: source, from: from, until: min(to, now))
    }

    private static func timestamp(_ text: String?, _ field: String) throws -> Date {
        guard let text else { throw Problem(.badRequest, "invalid_request", "\(field) is required (an RFC 3339 timestamp)", field: field) }
        guard let date = Timestamps.parse(text) else {
            throw Problem(.badRequest, "invalid_request", "\(field) must be an RFC 3339 timestamp such as 2026-03-01T00:00:00Z", field: field)
        }
        return date
    }
}

/// A simulation as the API shows it; `result` (the report) only on `GET /v1/simulations/{id}` once completed.
struct SimulationView: Encodable {
    let simulation: SimulationRecord
    let withResult: Bool

    init(_ simulation: SimulationRecord, withResult: Bool) {
        self.simulation = simulation
        self.withResult = withResult
    }

    var id: String { simulation.id }

    enum CodingKeys: String, CodingKey {
        case object, id, status, progress, from, to, draft, actor, createdAt = "created_at", startedAt = "started_at"
        case completedAt = "completed_at", error, result
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("simulation", forKey: .object)
        try container.encode(simulation.id, forKey: .id)
        try container.encode(simulation.status.rawValue, forKey: .status)
        try container.encode(Double(simulation.progress) / 10_000, forKey: .progress)
        try container.encode(Timestamps.format(simulation.from), forKey: .from)
        try container.encode(Timestamps.format(simulation.until), forKey: .to)
        try container.encode(simulation.draftSource != nil, forKey: .draft)
        try container.encode(simulation.actor, forKey: .actor)
        try container.encode(Timestamps.format(simulation.createdAt), forKey: .createdAt)
        try container.encode(simulation.startedAt.map { Timestamps.format($0) }, forKey: .startedAt)
        try container.encode(simulation.completedAt.map { Timestamps.format($0) }, forKey: .completedAt)
        try container.encode(simulation.error, forKey: .error)
        if withResult, simulation.status == .completed, let text = simulation.result {
            try container.encode(try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)), forKey: .result)
        }
    }
}
