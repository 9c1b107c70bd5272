import Foundation
import Hummingbird
import LaurelCore
import LaurelStore

/// `POST /v1/imports`: a members or events file (CSV or JSON Lines, the body as it is) imported in
/// the background by `ImportJob`, with the rules of `laurel import` (docs/import.md); `GET` shows
/// its progress and, when it ends, its figures and bad rows. Admin only: the files hold personal data.
struct ImportRoutes {
    let store: any LaurelStore
    let clock: any WallClock

    /// Largest file one request may send; bigger histories go in several files or through `laurel import`.
    static let maxFileSize = 64 << 20
    /// Queued or running imports one program may have at once.
    static let maxUnfinished = 5

    func register(_ api: APIRouter) {
        let render: @Sendable (ImportJobRecord) throws -> Data = { try APIJSON.encode(ImportJobView($0)) }

        api.add(.post, "/v1/imports", scope: .admin, member: .refused, bodyLimit: Self.maxFileSize) { request in
            guard let kind = request.query("kind").flatMap(ImportKind.init(rawValue:)) else {
                throw Problem(.badRequest, "invalid_request", "kind must be members or events", field: "kind")
            }
            guard let format = request.query("format").flatMap(ImportFormat.init(rawValue:)) else {
                throw Problem(.badRequest, "invalid_request", "format must be csv or jsonl", field: "format")
            }
            let onErrorName = request.query("on_error") ?? ImportRun.OnError.skip.rawValue
            guard let onError = ImportRun.OnError(rawValue: onErrorName) else {
                throw Problem(.badRequest, "invalid_request", "on_error must be skip or refuse", field: "on_error")
            }
            let asRecorded = try Self.flag(request, "as_recorded"), again = try Self.flag(request, "again")
            if asRecorded && kind == .members {
                throw Problem.invalid("as_recorded", "as_recorded applies to events only")
            }
            let rows: Int
            do {
                rows = try ImportFile.lines(request.body, format: format, kind: kind).count
            } catch {
                throw Problem(.unprocessableContent, "invalid_file", "\(error)")
            }
            guard rows > 0 else { throw Problem(.unprocessableContent, "invalid_file", "the file has no rows") }
            guard try await store.unfinishedImportJobs(programId: request.programId) < Self.maxUnfinished else {
                throw Problem(.conflict, "too_many_imports",
                              "this program has \(Self.maxUnfinished) imports queued or running; send more when one has ended")
            }
            let now = clock.now()
            let job = ImportJobRecord(id: Identifiers.make("imp", now: now), programId: request.programId, kind: kind.rawValue, format: format.rawValue,
                                      onError: onError.rawValue, asRecorded: asRecorded, again: again, bytes: request.body.count, rows: rows,
                                      actor: request.caller.actor, createdAt: now)
            let result = try await store.createImportJob(job, content: request.body,
                                                         idempotency: try request.idempotency(status: .accepted, render: render))
            return try APIRouter.respond(result, status: .accepted, render: render)
        }

        api.add(.get, "/v1/imports", scope: .admin, member: .refused) { request in
            let page = try await store.importJobs(programId: request.programId, limit: try request.limit(), startingAfter: request.query("starting_after"))
            let data = page.items.map { ImportJobView($0, listed: true) }
            return APIJSON.response(.ok, try APIJSON.encode(ListView(data: data, hasMore: page.hasMore, nextCursor: page.hasMore ? data.last?.id : nil)))
        }

        api.add(.get, "/v1/imports/{id}", scope: .admin, member: .refused) { request in
            let id = try request.parameter("id")
            guard let job = try await store.importJob(programId: request.programId, id: id) else { throw Problem.notFound("import \(id)") }
            return APIJSON.response(.ok, try render(job))
        }
    }

    /// `true` or `false` (absent: false).
    static func flag(_ request: APIRequest, _ name: String) throws -> Bool {
        switch request.query(name) {
        case nil, "false"?: return false
        case "true"?: return true
        default: throw Problem(.badRequest, "invalid_request", "\(name) must be true or false", field: name)
        }
    }
}

/// An import as the API shows it: in a list without its bad rows and notices.
struct ImportJobView: Encodable {
    struct Refusal: Encodable { var line: Int; var reason: String }
    var id: String
    var object = "import"
    var kind: String
    var format: String
    var onError: String
    var asRecorded: Bool
    var again: Bool
    var bytes: Int
    var rows: Int
    var status: String
    /// Rows handled over rows in the file, 0 to 1.
    var progress: Double
    var done: Int
    var recorded: Int
    var refused: Int
    var points: Int
    var refusals: [Refusal]?
    var refusalsTruncated: Bool?
    var notices: [String]?
    var error: String?
    var actor: String
    var createdAt: String
    var startedAt: String?
    var finishedAt: String?

    enum CodingKeys: String, CodingKey {
        case id, object, kind, format, onError = "on_error", asRecorded = "as_recorded", again, bytes, rows, status, progress, done, recorded, refused
        case points, refusals, refusalsTruncated = "refusals_truncated", notices, error, actor, createdAt = "created_at", startedAt = "started_at"
        case finishedAt = "finished_at"
    }

    init(_ job: ImportJobRecord, listed: Bool = false) {
        id = job.id
        kind = job.kind
        format = job.format
        onError = job.onError
        asRecorded = job.asRecorded
        again = job.again
        bytes = job.bytes
        rows = job.rows
        status = job.status.rawValue
        progress = job.status == .completed ? 1 : job.rows == 0 ? 0 : min(1, (Double(job.done) / Double(job.rows) * 1000).rounded(.down) / 1000)
        done = job.done
        recorded = job.recorded
        refused = job.refused
        points = job.points
        if !listed {
            refusals = job.refusals.map { Refusal(line: $0.line, reason: $0.reason) }
            refusalsTruncated = job.refused > job.refusals.count
            notices = job.notices
        }
        error = job.error
        actor = job.actor
        createdAt = Timestamps.format(job.createdAt)
        startedAt = job.startedAt.map(Timestamps.format)
        finishedAt = job.finishedAt.map(Timestamps.format)
    }
}
