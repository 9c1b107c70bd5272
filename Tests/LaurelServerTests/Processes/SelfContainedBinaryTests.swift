import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import Testing

/// `laurel` needs nothing beside it: copied alone into an empty folder, `serve --demo` starts
/// and serves `/openapi.json`, byte for byte the document in `Sources/LaurelServer/Resources`.
/// (A resource bundle read through `Bundle.module` made both end the process.)
@Suite(.serialized) struct SelfContainedBinaryTests {
    /// `Sources/LaurelServer/Resources/openapi.json` of this checkout.
    static var resourceDocument: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/LaurelServer/Resources/openapi.json")
    }

    @Test func copiedExecutableServesTheDemoAndItsOpenAPIDocument() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-alone-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let binary = folder.appendingPathComponent("laurel")
        try FileManager.default.copyItem(atPath: LaurelCommand.binary, toPath: binary.path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["laurel"])

        let port = try await TestPorts.unused()
        let log = folder.appendingPathComponent("serve.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        defer { try? output.close() }
        let process = Process()
        process.executableURL = binary
        process.arguments = ["serve", "--demo", "--db", folder.appendingPathComponent("demo.db").path, "--port", "\(port)", "--settle-every", "0"]
        process.currentDirectoryURL = folder
        process.standardOutput = output
        process.standardError = output
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        func serverLog() -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = client.shutdown() }
        func get(_ path: String) async throws -> (status: Int, body: Data) {
            let response = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(10))
            return (Int(response.status.code), Data(buffer: try await response.body.collect(upTo: 4 << 20)))
        }
        var healthy = false
        let deadline = ContinuousClock.now + .seconds(60) // a loaded machine starts processes slowly
        while !healthy, process.isRunning, ContinuousClock.now < deadline {
            if let answer = try? await get("/healthz"), answer.status == 200 { healthy = true } else { try await Task.sleep(for: .milliseconds(100)) }
        }
        try #require(healthy, "laurel serve --demo did not start from a folder of its own; its output: \(serverLog().suffix(2_000))")
        #expect(serverLog().contains("Admin API key"), "\(serverLog())")

        let document = try await get("/openapi.json")
        #expect(document.status == 200)
        #expect(document.body == (try Data(contentsOf: Self.resourceDocument)), "the served document is the resource file")
        #expect(try JSONSerialization.jsonObject(with: document.body) is [String: Any])
        #expect(process.isRunning, "the server is still up: \(serverLog().suffix(2_000))")
    }
}
