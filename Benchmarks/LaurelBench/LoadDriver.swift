import Foundation
import NIOCore

/// A closed loop of `concurrency` clients sending prepared requests (a POST of each body, or a
/// GET of each path) to in-process server nodes over loopback, spread round-robin over the nodes' ports.
struct LoadDriver {
    let port: Int
    let nodes: Int
    let concurrency: Int

    struct Result {
        /// Latencies in milliseconds, sorted.
        var latencies: [Double]
        var statuses: [Int: Int]
        var seconds: Double
        /// CPU of the whole process (server and client together).
        var cpu: Double
        var count: Int { latencies.count }

        func percentile(_ p: Double) -> Double { latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }

        var summary: String {
            String(format: "%.0f requests/s over %.2f s; latency ms p50 %.2f p95 %.2f p99 %.2f max %.2f; process CPU %.2f s (server and client together)",
                   Double(count) / seconds, seconds, percentile(0.5), percentile(0.95), percentile(0.99), latencies.last ?? 0, cpu)
        }
    }

    /// POSTs each body to `path`.
    func drive(path: String, bodies: [String], key: String) async throws -> Result {
        try await drive(count: bodies.count, key: key) { (path, bodies[$0]) }
    }

    /// GETs each path.
    func drive(gets paths: [String], key: String) async throws -> Result {
        try await drive(count: paths.count, key: key) { (paths[$0], nil) }
    }

    /// Sends `count` requests, the index's path with its body (POST) or without one (GET), to node `index % nodes`.
    private func drive(count: Int, key: String, request: @escaping @Sendable (Int) -> (path: String, body: String?)) async throws -> Result {
        let clients = (0..<nodes).map { LoopbackHTTPClient(port: port + $0, bearer: key, timeout: .seconds(30)) }
        let result = try await Self.closedLoop(count: count, concurrency: concurrency) { index in
            let (path, body) = request(index)
            let client = clients[index % nodes]
            if let body { return try await client.post(path, json: body).status }
            return try await client.get(path).status
        }
        for client in clients { await client.shutdown() }
        return result
    }

    /// A closed loop: `concurrency` tasks take the indexes below `count` in turn and run `operation`
    /// on each, timing it; the statuses it returns are counted.
    static func closedLoop(count: Int, concurrency: Int, _ operation: @escaping @Sendable (Int) async throws -> Int) async throws -> Result {
        let next = LockedCounter()
        let cpuBefore = cpuSeconds()
        let started = ContinuousClock.now
        let (latencies, statuses) = try await withThrowingTaskGroup(of: ([Double], [Int: Int]).self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var mine: [Double] = []
                    var statuses: [Int: Int] = [:]
                    while let index = next.take(below: count) {
                        let begin = ContinuousClock.now
                        let status = try await operation(index)
                        mine.append((ContinuousClock.now - begin).seconds * 1000)
                        statuses[status, default: 0] += 1
                    }
                    return (mine, statuses)
                }
            }
            var all: [Double] = []
            var statuses: [Int: Int] = [:]
            for try await (mine, theirs) in group {
                all += mine
                statuses.merge(theirs, uniquingKeysWith: +)
            }
            return (all.sorted(), statuses)
        }
        return Result(latencies: latencies, statuses: statuses, seconds: (ContinuousClock.now - started).seconds, cpu: cpuSeconds() - cpuBefore)
    }
}
