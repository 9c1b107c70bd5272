import Dispatch
import Hummingbird
import HTTPTypes

/// Counts every request by route template, method and status, and times it
/// (`laurel_http_requests_total`, `laurel_http_request_duration_seconds`). It runs first, so the
/// problem answers of the other middleware are counted too.
///
/// Hummingbird's own `MetricsMiddleware` labels by route template as well, but records through the
/// process-wide `MetricsSystem` under its own names (`hb.requests`…); Laurel's series follow
/// Prometheus' conventions and go to the application's own registry (`LaurelMetrics`).
///
/// The label is the route's template (`/v1/members/{id}`), never the path as sent: ids would make
/// a series per member, and paths can carry emails and codes. A request that matches no route is
/// `unmatched`, whatever its path.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: LaurelMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = DispatchTime.now().uptimeNanoseconds
        let status: Int
        do {
            let response = try await next(request, context)
            status = Int(response.status.code)
            record(request, context, status: status, since: started)
            return response
        } catch let error as any HTTPResponseError {
            record(request, context, status: Int(error.status.code), since: started)
            throw error
        } catch {
            record(request, context, status: 500, since: started)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: Int, since started: UInt64) {
        metrics.request(route: Self.route(context.endpointPath), method: Self.method(request.method), status: status,
                        nanoseconds: DispatchTime.now().uptimeNanoseconds &- started)
    }

    /// The methods Laurel serves by name; any other (a client may send any token) is `other`, so no
    /// caller can make series without end.
    static func method(_ method: HTTPRequest.Method) -> String {
        switch method {
        case .get, .head, .post, .put, .patch, .delete, .options: return method.rawValue
        default: return "other"
        }
    }

    /// The matched route's template, or `unmatched` (Hummingbird gives no path, or its own `NotFound`).
    static func route(_ endpointPath: String?) -> String {
        guard let endpointPath, endpointPath.hasPrefix("/") else { return "unmatched" }
        return endpointPath
    }
}
