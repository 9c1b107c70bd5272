import NIOCore
import NIOPosix

/// One keep-alive HTTP/1.1 connection carrying one request at a time: the request's bytes go to the
/// socket as they are, and the answer comes back whole. Any error, timeout or early close fails the
/// request waiting on it and closes the connection; nothing is retried.
final class LoopbackHTTPConnection: Sendable {
    private let channel: any Channel
    private let handler: NIOLoopBound<LoopbackHTTPHandler>

    private init(channel: any Channel, handler: NIOLoopBound<LoopbackHTTPHandler>) {
        self.channel = channel
        self.handler = handler
    }

    static func connect(port: Int, timeout: TimeAmount) async throws -> LoopbackHTTPConnection {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(LoopbackHTTPHandler(timeout: timeout)) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let handler = try await channel.eventLoop.submit {
            NIOLoopBound(try channel.pipeline.syncOperations.handler(type: LoopbackHTTPHandler.self), eventLoop: channel.eventLoop)
        }.get()
        return LoopbackHTTPConnection(channel: channel, handler: handler)
    }

    /// Sends a complete request (head and body) and waits for the whole answer.
    func send(_ request: ByteBuffer) async throws -> LoopbackHTTPResponse {
        try await withCheckedThrowingContinuation { continuation in
            handler.eventLoop.execute { [handler] in handler.value.send(request, continuation) }
        }
    }

    /// False once the connection has closed, on either side.
    var isActive: Bool { channel.isActive }

    func close() async {
        try? await channel.close()
    }
}

/// The connection's only handler: writes a request, collects the bytes of its answer until the
/// parser has it whole, and resumes the waiting request.
final class LoopbackHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let timeout: TimeAmount
    private var context: ChannelHandlerContext?
    private var waiting: CheckedContinuation<LoopbackHTTPResponse, any Error>?
    private var sentAt = NIODeadline.now()
    private var received: ByteBuffer?
    private var timer: RepeatedTask?

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // One timer per connection rather than one per request: a second's tick checks the waiting request's age.
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let tick = min(timeout, .seconds(1))
        timer = context.eventLoop.scheduleRepeatedTask(initialDelay: tick, delay: tick) { _ in handler.value.checkTimeout() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        self.context = nil
        fail(LoopbackHTTPError.connectionClosed)
    }

    func send(_ request: ByteBuffer, _ continuation: CheckedContinuation<LoopbackHTTPResponse, any Error>) {
        guard let context, context.channel.isActive else { return continuation.resume(throwing: LoopbackHTTPError.connectionClosed) }
        guard waiting == nil else { return continuation.resume(throwing: LoopbackHTTPError.busy) }
        waiting = continuation
        sentAt = .now()
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if received == nil { received = bytes } else { received!.writeBuffer(&bytes) }
        answer(closed: false)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if waiting != nil, received != nil { answer(closed: true) }
        fail(LoopbackHTTPError.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }

    /// Resumes the waiting request once its answer is complete.
    private func answer(closed: Bool) {
        do {
            guard waiting != nil else { throw LoopbackHTTPError.unexpectedBytes }
            guard let response = try LoopbackHTTPParser.parse(&received!, closed: closed) else { return }
            // One request at a time: bytes beyond its answer mean the answer was not framed as we read it.
            guard received!.readableBytes == 0 else { throw LoopbackHTTPError.unexpectedBytes }
            received = nil
            let continuation = waiting!
            waiting = nil
            if !response.keepAlive { context?.close(promise: nil) }
            continuation.resume(returning: response)
        } catch {
            fail(error)
            context?.close(promise: nil)
        }
    }

    private func fail(_ error: any Error) {
        received = nil
        guard let continuation = waiting else { return }
        waiting = nil
        continuation.resume(throwing: error)
    }

    private func checkTimeout() {
        guard waiting != nil, .now() - sentAt > timeout else { return }
        fail(LoopbackHTTPError.timedOut)
        context?.close(promise: nil)
    }
}
