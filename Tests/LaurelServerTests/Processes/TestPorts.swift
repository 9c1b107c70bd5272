import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// Ports for the `laurel serve` processes tests start.
///
/// Below Linux's ephemeral range (32768–60999): a port picked there can be taken, between the
/// pick and the server's bind, by any outgoing connection of the machine (the test run's own
/// PostgreSQL and HTTP clients among them) — the "Address already in use" that made a multi-node
/// test's node fail to start. Each port is handed out once per test run and checked free by binding it.
enum TestPorts {
    private static let handedOut = Mutex<Set<Int>>([])

    static func unused() async throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 20_000...32_000)
            guard handedOut.withLock({ $0.insert(port).inserted }) else { continue }
            guard let channel = try? await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: port).get() else {
                continue
            }
            try await channel.close()
            return port
        }
        throw CancellationError()
    }
}
