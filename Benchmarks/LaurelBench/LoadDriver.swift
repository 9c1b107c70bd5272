import Foundation
import NIOCore
import NIOPosix

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

    /// POSTs each body to `path`; with a `rate`, on a fixed schedule of that many per second whatever
    /// the answers (an open loop: a slow answer does not hold back the next request, as with real customers).
    func drive(path: String, bodies: [String], key: String, rate: Int? = nil) async throws -> Result {
        try await drive(count: bodies.count, key: key, rate: rate) { (path, bodies[$0]) }
    }

    /// GETs each path.
    func drive(gets paths: [String], key: String) async throws -> Result {
        try await drive(count: paths.count, key: key) { (paths[$0], nil) }
    }

    /// Sends `count` requests, the index's path with its body (POST) or without one (GET), to node
    /// `index % nodes`: closed-loop, or open-loop at `rate` per second when it is given.
    private func drive(count: Int, key: String, rate: Int? = nil,
                       request: @escaping @Sendable (Int) -> (path: String, body: String?)) async throws -> Result {
        let clients = (0..<nodes).map { LoopbackHTTPClient(port: port + $0, bearer: key, timeout: .seconds(30)) }
        let operation: @Sendable (Int) async throws -> Int = { index in
            let (path, body) = request(index)
            let client = clients[index % nodes]
            if let body { return try await client.post(path, json: body).status }
            return try await client.get(path).status
        }
        let result = if let rate {
            try await Self.openLoop(count: count, rate: rate, operation)
        } else {
            try await Self.closedLoop(count: count, concurrency: concurrency, operation)
        }
        for client in clients { await client.shutdown() }
        return result
    }

    /// An open loop: request `index` starts at `index / rate` seconds, each in a task of its own, and
    /// its latency counts from that scheduled start, so time spent queueing (in the server or for a
    /// connection) shows.
    static func openLoop(count: Int, rate: Int, _ operation: @escaping @Sendable (Int) async throws -> Int) async throws -> Result {
        let cpuBefore = cpuSeconds()
        let schedule = OpenLoopSchedule(rate: rate)
        let (latencies, statuses) = try await withThrowingTaskGroup(of: (Double, Int).self) { group in
            for index in 0..<count {
                let scheduled = try await schedule.wait(for: index)
                group.addTask {
                    let status = try await operation(index)
                    return ((ContinuousClock.now - scheduled).seconds * 1000, status)
                }
            }
            var all: [Double] = []
            var statuses: [Int: Int] = [:]
            for try await (latency, status) in group {
                all.append(latency)
                statuses[status, default: 0] += 1
            }
            return (all.sorted(), statuses)
        }
        return Result(latencies: latencies, statuses: statuses, seconds: (ContinuousClock.now - schedule.started).seconds,
                      cpu: cpuSeconds() - cpuBefore)
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

/// The scheduled starts of an open loop, `rate` per second from now, waited for on an event
/// loop's own timer. `Task.sleep` goes through Dispatch's timer thread and back to the event loop
/// (NIO takes over only Swift's plain enqueue): for every request of the load, one more thread
/// woken and another ~25 µs of the client's CPU on the cores the server shares.
struct OpenLoopSchedule {
    let rate: Int
    let started = ContinuousClock.now
    private let startedOnLoop = NIODeadline.now()
    private let loop = MultiThreadedEventLoopGroup.singleton.next()

    init(rate: Int) { self.rate = rate }

    private func offset(_ index: Int) -> Int64 { Int64(index) * 1_000_000 / Int64(rate) }

    /// Waits until operation `index` is due and returns when it was due.
    func wait(for index: Int) async throws -> ContinuousClock.Instant {
        let deadline = startedOnLoop + .microseconds(offset(index))
        if deadline > .now() { try await loop.scheduleTask(deadline: deadline) {}.futureResult.get() }
        return started + .microseconds(offset(index))
    }
}
