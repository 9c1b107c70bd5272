import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Answers a request that NIO's HTTP/1.1 parser refuses (headers over the limit, malformed
/// request line…) with a problem document, like every other error, instead of Hummingbird's empty
/// 400, then closes the connection. A parse error in the middle of a request Laurel is already
/// answering is left to Hummingbird, so a connection never gets two responses.
final class HTTPParseErrorResponder: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Requests whose head has been read and whose response has not ended yet.
    private var requestsInFlight = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { requestsInFlight += 1 }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { requestsInFlight = max(0, requestsInFlight - 1) }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parseError = error as? HTTPParserError, requestsInFlight == 0 else {
            context.fireErrorCaught(error)
            return
        }
        let problem = Self.problem(for: parseError)
        let body = problem.body
        let head = HTTPResponse(status: problem.status, headerFields: [
            .contentType: "application/problem+json", .contentLength: String(body.count), .connection: "close",
        ])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(ByteBuffer(bytes: body))), promise: nil)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        written.futureResult.whenComplete { [channel = context.channel] _ in channel.close(promise: nil) }
    }

    static func problem(for error: HTTPParserError) -> Problem {
        switch error {
        case .headerOverflow:
            Problem(.init(code: 431, reasonPhrase: "Request Header Fields Too Large"), "headers_too_large",
                    "the request's headers are larger than the server accepts (80 KiB in all)")
        default:
            Problem(.badRequest, "invalid_http", "the request is not valid HTTP/1.1 (\(error))")
        }
    }
}
