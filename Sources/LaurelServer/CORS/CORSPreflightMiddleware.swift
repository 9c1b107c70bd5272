import Foundation
import HTTPTypes
import Hummingbird

/// Answers CORS preflights (`OPTIONS` with `Access-Control-Request-Method`) for the API's paths,
/// and gives the answers no route decorated (public and unknown routes, 405s) `Vary: Origin` and
/// the origin rule of answers that hold no program's data. Outermost, so it sees every answer.
struct CORSPreflightMiddleware<Context: RequestContext>: RouterMiddleware {
    let policy: CORSPolicy
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let origin = request.headers[.origin]
        if request.method == .options, let origin, let asked = request.headers[.accessControlRequestMethod] {
            return await preflight(origin: origin, method: asked, path: request.uri.path)
        }
        var response = try await next(request, context)
        if !CORSPolicy.variesByOrigin(response.headers) { await policy.decorate(&response, origin: origin, programId: nil) }
        return response
    }

    /// 204; with the `Access-Control-Allow-*` headers only when some program lists the origin and
    /// the path serves the method asked for. A preflight carries no credentials, so the program
    /// is not known yet: the real request's answer applies that program's own list.
    private func preflight(origin: String, method: String, path: String) async -> Response {
        var headers: HTTPFields = [.vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"]
        let methods = routes.methods(at: path)
        if methods.contains(method), await policy.allows(origin, programId: nil) {
            headers[.accessControlAllowOrigin] = origin
            headers[.accessControlAllowMethods] = methods.joined(separator: ", ")
            headers[.accessControlAllowHeaders] = CORSPolicy.allowedHeaders
            headers[.accessControlMaxAge] = CORSPolicy.maxAge
        }
        return Response(status: .noContent, headers: headers)
    }
}
