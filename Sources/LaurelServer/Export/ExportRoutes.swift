import Foundation
import Hummingbird
import LaurelCore
import LaurelStore
import NIOCore

/// `GET /v1/exports/{kind}?format=csv|jsonl`: the program's members, ledger, events or
/// redemptions, written into the response as pages are read (`DataExport`), so neither side holds
/// the whole export. Admin only: members and events hold personal data. Member tokens are refused.
struct ExportRoutes {
    let store: any LaurelStore
    let clock: any WallClock

    func register(_ api: APIRouter) {
        api.add(.get, "/v1/exports/{kind}", scope: .admin, member: .refused) { request in
            let name = try request.parameter("kind")
            guard let kind = ExportKind(rawValue: name) else {
                throw Problem(.badRequest, "invalid_request", "kind must be members, ledger, events or redemptions", field: "kind")
            }
            let formatName = request.query("format") ?? ExportFormat.jsonl.rawValue
            guard let format = ExportFormat(rawValue: formatName) else {
                throw Problem(.badRequest, "invalid_request", "format must be csv or jsonl", field: "format")
            }
            let store = self.store
            let programId = request.programId
            let now = clock.now()
            let body = ResponseBody { writer in
                // Errors past the first bytes cannot change the status: the body stops short, and a
                // reader sees a file without its last rows and the connection closed.
                try await DataExport.write(kind, format: format, store: store, programId: programId, now: now) { text in
                    try await writer.write(ByteBuffer(string: text))
                }
                try await writer.finish(nil)
            }
            var headers: HTTPFields = [.contentType: format.contentType]
            headers[.contentDisposition] = "attachment; filename=\"\(kind.rawValue).\(format.rawValue)\""
            return Response(status: .ok, headers: headers, body: body)
        }
    }
}
