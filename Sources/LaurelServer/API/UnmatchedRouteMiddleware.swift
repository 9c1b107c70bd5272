import Hummingbird

/// Answers requests that match no route with a problem document like every other error,
/// instead of Hummingbird's empty 404.
struct UnmatchedRouteMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            return Problem(.notFound, "not_found", "no route \(request.method.rawValue) \(request.uri.path)").response
        }
    }
}
