import Foundation

/// How long a client may hold a connection without doing its part, and how many it may hold.
/// Without them, idle and half-sent connections stay open for ever and enough of them starve the server.
public struct ConnectionLimits: Sendable {
    /// Seconds a connection may go without a request in flight before it is closed. The clock runs
    /// from the connection's opening or the end of its last response until a complete request head
    /// arrives, so it bounds both an idle keep-alive connection and a slow or half-sent header.
    public var idleTimeout: TimeInterval
    /// Seconds a request's body may take to arrive in full after its head; then the connection is closed.
    public var bodyTimeout: TimeInterval
    /// Open connections at most; further clients wait in the listen backlog until one closes.
    public var maxConnections: Int

    public init(idleTimeout: TimeInterval = 60, bodyTimeout: TimeInterval = 60, maxConnections: Int = 1000) {
        self.idleTimeout = idleTimeout
        self.bodyTimeout = bodyTimeout
        self.maxConnections = maxConnections
    }
}
