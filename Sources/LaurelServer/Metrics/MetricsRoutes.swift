import Crypto
import Foundation
import Hummingbird
import HTTPTypes
import LaurelStore

/// `GET /metrics`: an operational endpoint, not part of the API (no scope, no OpenAPI entry; see
/// docs/api.md, Operational endpoints). The operator chooses how it is reached
/// (docs/operations.md, Metrics):
///
/// - `--metrics-token TOKEN`: on the main port, answered only with `Authorization: Bearer TOKEN`
///   (compared in constant time); anything else answers 401;
/// - `--metrics-port N`: a listener of its own (`listener`) serving only `/metrics`, no credentials,
///   for a private network.
///
/// With neither, the main port answers `/metrics` with 404, as any unknown path.
enum MetricsRoutes {
    /// Adds `/metrics` to the main router, behind `token`.
    static func register(_ router: Router<AppContext>, metrics: LaurelMetrics, token: String, store: any LaurelStore, clock: any WallClock) {
        let expected = SHA256.hash(data: Data(token.utf8))
        router.get("/metrics") { request, _ -> Response in
            guard let presented = request.headers[.authorization].flatMap(APIKeyAuthenticator.bearerToken),
                  // Digests of equal length, compared in constant time: neither the token's length nor its prefix leaks.
                  SHA256.hash(data: Data(presented.utf8)) == expected else {
                return Problem(.unauthorized, "unauthorized", "GET /metrics needs Authorization: Bearer <metrics token>").response
            }
            return await answer(metrics, store: store, clock: clock)
        }
    }

    /// The separate listener's router: `/metrics` and nothing else (every other path answers 404).
    static func listenerRouter(metrics: LaurelMetrics, store: any LaurelStore, clock: any WallClock) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in await answer(metrics, store: store, clock: clock) }
        return router
    }

    static func answer(_ metrics: LaurelMetrics, store: any LaurelStore, clock: any WallClock) async -> Response {
        let bytes = await metrics.scrape(store: store, now: clock.now())
        return Response(status: .ok, headers: [.contentType: LaurelMetrics.contentType], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
