import Hummingbird
import NIOCore

/// The request context of Laurel's HTTP server.
public struct AppContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer of the connection, for the per-address rate limits (nil in tests without a socket).
    public let remoteAddress: SocketAddress?
    public init(source: Source) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
    /// Requests larger than 1 MiB are refused.
    public var maxUploadSize: Int { APIRouter.maxBodySize }
}
