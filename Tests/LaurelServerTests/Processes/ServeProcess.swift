import AsyncHTTPClient
import Foundation
import Testing

/// A `laurel serve` process started by a test: its output goes to a file of its own (never the test
/// process's stdout or stderr, which `swift test` reads through pipes until every writer has closed
/// them), it is waited for until it answers `/healthz`, and it is stopped and waited for by the test
/// that started it, so no server outlives its test.
struct ServeProcess: Sendable {
    let process: ChildProcess
    let port: Int
    /// Where the server's stdout and stderr go.
    let log: URL

    /// Starts `laurel serve --db database --port <free port> …arguments` (`binary`, by default the
    /// built `laurel`) and waits up to `within` for it to answer `/healthz`; a server that does not
    /// start is stopped, and the error quotes its output.
    static func start(database: String, arguments: [String] = ["--settle-every", "0"], binary: String = LaurelCommand.binary,
                      directory: String? = nil, within limit: Duration = .seconds(60)) async throws -> ServeProcess {
        try #require(FileManager.default.isExecutableFile(atPath: binary), "the laurel executable is built by swift test")
        let port = try await TestPorts.unused()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-serve-\(port)-\(UUID().uuidString).log")
        let process = try ChildProcess(binary, ["serve", "--db", database, "--port", "\(port)"] + arguments, directory: directory,
                                       output: log.path, errors: log.path)
        let server = ServeProcess(process: process, port: port, log: log)
        do {
            try await server.waitUntilHealthy(within: limit)
        } catch {
            await server.stop()
            throw error
        }
        return server
    }

    /// Runs `body` with a server started as `start` does, and stops the server when `body` returns or throws.
    static func with<T>(database: String, arguments: [String] = ["--settle-every", "0"], binary: String = LaurelCommand.binary,
                        directory: String? = nil, _ body: (ServeProcess) async throws -> T) async throws -> T {
        let server = try await start(database: database, arguments: arguments, binary: binary, directory: directory)
        do {
            let value = try await body(server)
            await server.stop()
            return value
        } catch {
            await server.stop()
            throw error
        }
    }

    /// The server's output so far.
    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// Waits until the server answers `/healthz` with 200, for up to `limit` of wall time (each try can
    /// take its own 2 s timeout, so tries are not counted).
    func waitUntilHealthy(within limit: Duration) async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let deadline = ContinuousClock.now + limit
        var healthy = false
        while !healthy, process.isRunning, ContinuousClock.now < deadline {
            let request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz")
            if let response = try? await client.execute(request, timeout: .seconds(2)), response.status == .ok {
                healthy = true
            } else {
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        try? await client.shutdown()
        try #require(healthy, "laurel serve on port \(port) did not answer /healthz; its output: \(output.suffix(2_000))")
    }

    /// Kills the server with SIGKILL and waits (up to 30 s) until it is gone.
    func kill() async throws {
        process.signal(SIGKILL)
        try #require(await process.waitForExit(within: .seconds(30)), "the killed server process did not exit within 30 s")
    }

    /// Stops the server (SIGTERM, up to 10 s for its graceful shutdown, then SIGKILL), waits until it
    /// is gone, and removes its log.
    func stop() async {
        await process.stop()
        try? FileManager.default.removeItem(at: log)
    }
}
