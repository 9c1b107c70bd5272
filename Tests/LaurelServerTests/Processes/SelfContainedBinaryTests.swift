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

        try await ServeProcess.with(database: folder.appendingPathComponent("demo.db").path, arguments: ["--demo", "--settle-every", "0"],
                                    binary: binary.path, directory: folder.path) { server in
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            defer { _ = client.shutdown() }
            func get(_ path: String) async throws -> (status: Int, body: Data) {
                let response = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)\(path)"), timeout: .seconds(10))
                return (Int(response.status.code), Data(buffer: try await response.body.collect(upTo: 4 << 20)))
            }
            #expect(server.output.contains("Admin API key"), "\(server.output)")

            let document = try await get("/openapi.json")
            #expect(document.status == 200)
            #expect(document.body == (try Data(contentsOf: Self.resourceDocument)), "the served document is the resource file")
            #expect(try JSONSerialization.jsonObject(with: document.body) is [String: Any])
            #expect(server.process.isRunning, "the server is still up: \(server.output.suffix(2_000))")
        }
    }
}
