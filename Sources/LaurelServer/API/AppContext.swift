import Hummingbird

/// The request context of Laurel's HTTP server.
public struct AppContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public init(source: Source) { coreContext = .init(source: source) }
    /// Requests larger than 1 MiB are refused.
    public var maxUploadSize: Int { APIRouter.maxBodySize }
}
