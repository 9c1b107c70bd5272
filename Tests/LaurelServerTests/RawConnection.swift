import Foundation
import NIOCore
import NIOPosix

/// A plain TCP connection to a test server, for what an HTTP client will not do: stay silent,
/// send half a request, trickle a body, or send a header no client library would.
struct RawConnection {
    /// What came back before the server closed the connection, and how long that took.
    struct Outcome {
        let received: String
        let closedAfter: Duration?
        var statusLine: Substring { received.split(separator: "\r\n", maxSplits: 1).first ?? "" }
        var body: Substring {
            guard let range = received.range(of: "\r\n\r\n") else { return "" }
            return received[range.upperBound...]
        }
    }

    /// Connects to `port`, runs `send` with a writer, and waits up to `limit` for the server to close
    /// the connection (nil `closedAfter` when it did not), measuring from the start of `send`.
    static func exchange(port: Int, limit: Duration = .seconds(15),
                         send: @escaping @Sendable (NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws -> Void) async throws -> Outcome {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let started = ContinuousClock.now
        return try await channel.executeThenClose { inbound, outbound in
            try await withThrowingTaskGroup(of: Outcome?.self) { group in
                group.addTask {
                    // Writes may fail once the server has closed: what matters is when it closed.
                    async let sending: Void = { do { try await send(outbound) } catch {} }()
                    var received = ByteBuffer()
                    do {
                        for try await chunk in inbound { received.writeImmutableBuffer(chunk) }
                    } catch {
                        // A reset is a close too.
                    }
                    let closedAfter = ContinuousClock.now - started
                    await sending
                    return Outcome(received: String(buffer: received), closedAfter: closedAfter)
                }
                group.addTask {
                    try await Task.sleep(for: limit)
                    return nil
                }
                let first = try await group.next()!
                group.cancelAll()
                if let first { return first }
                channel.channel.close(promise: nil)
                return Outcome(received: "", closedAfter: nil)
            }
        }
    }
}
