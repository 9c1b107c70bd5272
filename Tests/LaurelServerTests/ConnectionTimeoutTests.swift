import Foundation
import Hummingbird
import HummingbirdTesting
import LaurelServer
import LaurelTestSupport
import NIOCore
import Testing

/// Connections that do not do their part are closed: an idle one, one that sends half a request
/// head, and one that trickles its body, each within its timeout (3 s here), over real TCP.
/// The timeouts are seconds, not fractions of one: with the whole suite running in parallel on
/// two cores, a server answered a complete request only after a 1 s idle timeout had closed it.
@Suite struct ConnectionTimeoutTests {
    static let limits = ConnectionLimits(idleTimeout: 3, bodyTimeout: 4, maxConnections: 100)

    /// Runs `body` with the port of a live server using `limits`.
    func withServer(limits: ConnectionLimits = Self.limits,
                    _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        let fixture = try await HTTPFixture.make(.sqlite)
        let app = LaurelApplication.build(store: fixture.store, clock: fixture.clock,
                                          settings: .init(intervals: .none, connections: limits))
        try await app.test(.live) { client in try await body(try #require(client.port)) }
    }

    @Test func idleConnectionIsClosed() async throws {
        try await withServer { port in
            let outcome = try await RawConnection.exchange(port: port) { _ in }
            let closedAfter = try #require(outcome.closedAfter, "an idle connection stayed open")
            // The server's idle clock starts when it accepts, before the client's clock starts: the
            // lower bound only shows the server waited rather than closing at once.
            #expect(closedAfter >= .milliseconds(1_500) && closedAfter < .seconds(9), "closed after \(closedAfter)")
        }
    }

    @Test func halfSentHeaderIsClosed() async throws {
        try await withServer { port in
            let outcome = try await RawConnection.exchange(port: port) { writer in
                try await writer.write(ByteBuffer(string: "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: "))
                // Keep sending header bytes: a trickled head must not keep the connection.
                for _ in 0..<40 {
                    try await Task.sleep(for: .milliseconds(300))
                    try await writer.write(ByteBuffer(string: "a"))
                }
            }
            let closedAfter = try #require(outcome.closedAfter, "a half-sent request head kept the connection open")
            #expect(closedAfter < .seconds(10), "closed after \(closedAfter)")
            #expect(outcome.received.isEmpty, "no response to a request that never arrived: \(outcome.received)")
        }
    }

    /// The idle timeout here is longer than the whole window the body may take, so only the body
    /// timeout can close the connection in time: a loaded machine that delays the client's bytes
    /// past the idle timeout cannot make the test pass (or fail) for the wrong reason.
    @Test func trickledBodyIsClosed() async throws {
        let limits = ConnectionLimits(idleTimeout: 12, bodyTimeout: 3, maxConnections: 100)
        try await withServer(limits: limits) { port in
            let outcome = try await RawConnection.exchange(port: port) { writer in
                try await writer.write(ByteBuffer(string: "POST /v1/members HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"))
                for _ in 0..<45 { // a byte every 0.3 s: never idle for 12 s, never finished
                    try await Task.sleep(for: .milliseconds(300))
                    try await writer.write(ByteBuffer(string: " "))
                }
            }
            let closedAfter = try #require(outcome.closedAfter, "a trickled body kept the connection open")
            #expect(closedAfter >= .milliseconds(2_900) && closedAfter < .seconds(11), "closed after \(closedAfter)")
        }
    }

    @Test func answeredConnectionIsClosedWhenIdle() async throws {
        try await withServer { port in
            let outcome = try await RawConnection.exchange(port: port) { writer in
                try await writer.write(ByteBuffer(string: "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"))
            }
            #expect(outcome.statusLine == "HTTP/1.1 200 OK")
            let closedAfter = try #require(outcome.closedAfter, "a kept-alive connection stayed open")
            #expect(closedAfter < .seconds(10), "closed after \(closedAfter)")
        }
    }
}
