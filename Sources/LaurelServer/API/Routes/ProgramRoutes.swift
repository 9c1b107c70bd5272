import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// The program definition: apply a new version (YAML or JSON), read the current one and past ones.
struct ProgramRoutes {
    let store: any LaurelStore
    let clock: any WallClock

    func register(_ api: APIRouter) {
        api.add(.put, "/v1/program", scope: .admin, member: .refused) { request in
            let text = String(decoding: request.body, as: UTF8.self)
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw Problem(.badRequest, "invalid_request", "send the program definition (YAML or JSON) as the body")
            }
            let definition = try ProgramDefinition.parse(text)
            let render: @Sendable (ProgramVersionRecord) throws -> Data = { try APIJSON.encode(ProgramVersionView($0)) }
            let result = try await store.applyProgram(id: request.programId, definition: definition, source: text, now: clock.now(),
                                                      idempotency: try request.idempotency(status: .ok, render: render))
            return try APIRouter.respond(result, status: .ok, render: render)
        }

        api.add(.get, "/v1/program", scope: .read, member: .refused) { request in
            guard let version = try await store.programVersion(programId: request.programId, version: nil) else {
                throw Problem(.notFound, "program_not_configured", "program \(request.programId) has no definition yet")
            }
            return APIJSON.response(.ok, try APIJSON.encode(ProgramVersionView(version)))
        }

        api.add(.get, "/v1/program/versions", scope: .read, member: .refused) { request in
            let versions = try await store.programVersions(programId: request.programId).reversed().map { ProgramVersionView($0, withDefinition: false) }
            return APIJSON.response(.ok, try APIJSON.encode(ListView(data: Array(versions), hasMore: false)))
        }

        api.add(.get, "/v1/program/versions/{version}", scope: .read, member: .refused) { request in
            let text = try request.parameter("version")
            guard let number = Int(text), number > 0 else {
                throw Problem(.badRequest, "invalid_request", "version must be a positive integer", field: "version")
            }
            guard let version = try await store.programVersion(programId: request.programId, version: number) else {
                throw Problem.notFound("program version \(number)")
            }
            return APIJSON.response(.ok, try APIJSON.encode(ProgramVersionView(version)))
        }
    }
}
