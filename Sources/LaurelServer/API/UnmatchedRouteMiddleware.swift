import HTTPTypes
import Hummingbird
import LaurelStore
import Synchronization

/// One route the API serves, with who may call it.
public struct APIRoute: Sendable, Hashable, CustomStringConvertible {
    public let method: String
    /// The path template (`/v1/members/{id}`).
    public let path: String
    /// The least scope of an API key that may call it; nil for a public route (no credentials).
    public let scope: APIScope?
    /// Whether and how a member token may call it.
    public let member: MemberAccessKind
    public var description: String { "\(method) \(path)" }
}

/// The routes the API serves, filled as routes are registered; read per request by
/// `UnmatchedRouteMiddleware` to tell an unknown path from a known one with another method.
final class RouteTable: Sendable {
    private let routes = Mutex<[APIRoute]>([])

    func add(_ route: APIRoute) { routes.withLock { $0.append(route) } }

    var all: [APIRoute] { routes.withLock { $0 } }

    /// The methods served at `path` (templates such as `/v1/members/{id}` match any one segment).
    func methods(at path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        return all.filter { route in
            let template = route.path.split(separator: "/", omittingEmptySubsequences: false)
            return template.count == segments.count && zip(template, segments).allSatisfy { part, segment in
                part.hasPrefix("{") ? !segment.isEmpty : part == segment
            }
        }.map(\.method)
    }
}

/// Answers requests that match no route with a problem document like every other error, instead of
/// Hummingbird's empty 404: 405 with `Allow` (RFC 9110) when the path is served with other methods, 404 otherwise.
struct UnmatchedRouteMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = routes.methods(at: request.uri.path)
            guard !allowed.isEmpty else {
                return Problem(.notFound, "not_found", "no route \(request.method.rawValue) \(request.uri.path)").response
            }
            var response = Problem(.methodNotAllowed, "method_not_allowed",
                                   "\(request.uri.path) answers \(allowed.joined(separator: ", ")), not \(request.method.rawValue)").response
            response.headers[.allow] = allowed.joined(separator: ", ")
            return response
        }
    }
}
