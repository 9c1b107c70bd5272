import Foundation
import Hummingbird
import HTTPTypes
import Logging

extension HTTPField.Name {
    /// `X-Request-Id`: the caller's id for a request, or the one Laurel made; echoed on every answer.
    static let requestId = Self("X-Request-Id")!
}

/// Gives every request an id: the caller's `X-Request-Id` when it is sane (1–128 visible ASCII
/// characters), else the one Hummingbird generated. The id is the `hb.request.id` metadata (Hummingbird's own key) of every
/// log line written through the request's logger, and is echoed in the answer's `X-Request-Id`
/// (problem documents included). At log level debug it writes one line per request: method, route
/// template, status and milliseconds. It runs first, so every other middleware and route logs with it.
struct RequestIdMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The longest caller-given id kept; a longer one is replaced by a generated one.
    static var maxLength: Int { 128 }

    /// The caller's id if it is 1–128 characters from `!` to `~` (no spaces, controls or non-ASCII,
    /// which could forge or break log lines); nil otherwise.
    static func sane(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value.utf8.count <= maxLength,
              value.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else { return nil }
        return value
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1_000 + Double(duration.components.attoseconds) / 1e15
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let id = Self.sane(request.headers[.requestId]) ?? context.id
        // One key for it on every line; `RequestContext.id` (read by nothing in Laurel) would trap without `hb.request.id`,
        // so that key keeps the same id rather than being removed.
        context.logger[metadataKey: "hb.request.id"] = .string(id)
        let started = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[.requestId] = id
        // The route's template, never the raw path or query (they can carry emails and codes).
        context.logger.debug("request", metadata: [
            "method": .string(request.method.rawValue), "route": .string(context.endpointPath ?? "unmatched"),
            "status": .stringConvertible(response.status.code),
            "ms": .string(String(format: "%.1f", Self.milliseconds(ContinuousClock.now - started)))])
        return response
    }
}
