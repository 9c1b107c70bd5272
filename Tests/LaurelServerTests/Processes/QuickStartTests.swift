import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// The README's quick start, read from README.md at test time and run as a new user would paste it
/// (bash and curl) against a real `laurel serve --demo` process: every command answers 2xx and the
/// story ends with the reward redeemed and the member's balance lowered by its cost.
@Suite(.serialized) struct QuickStartTests {
    /// The repository's root, from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The quick start's commands: the first fenced `sh` block of README.md that sets `KEY`.
    static func quickStart() throws -> String {
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let blocks = readme.components(separatedBy: "```sh\n").dropFirst().compactMap { $0.components(separatedBy: "\n```").first }
        return try #require(blocks.first { $0.contains("KEY=lk_admin_") }, "README.md has no quick-start block that sets KEY")
    }

    /// A TCP port nothing listens on now, chosen by the kernel.
    static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        try #require(bound, "could not bind a loopback port")
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Polls until `process` exits (never `waitUntilExit()`, which can hang off the main thread).
    static func wait(for process: Process, seconds: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
    }

    static func get(_ client: HTTPClient, _ url: String, key: String) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        let response = try await client.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return try #require(try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])
    }

    @Test func theReadmeQuickStartEndsWithARedemption() async throws {
        let commands = try Self.quickStart()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-quickstart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("laurel").path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "the laurel executable is built by swift test")
        let port = try Self.freePort()
        let serverOutput = folder.appendingPathComponent("server.log")
        _ = FileManager.default.createFile(atPath: serverOutput.path, contents: nil)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: binary)
        server.arguments = ["serve", "--demo", "--db", folder.appendingPathComponent("laurel.db").path, "--port", "\(port)"]
        server.standardOutput = try FileHandle(forWritingTo: serverOutput)
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { server.terminate() } }

        // The key the server prints, as the reader copies it.
        var key: String?
        let deadline = ContinuousClock.now + .seconds(60)
        while key == nil, server.isRunning, ContinuousClock.now < deadline {
            let printed = (try? String(contentsOf: serverOutput, encoding: .utf8)) ?? ""
            if printed.contains("listening"), let range = printed.range(of: #"lk_admin_[A-Za-z0-9_\-]+"#, options: .regularExpression) {
                key = String(printed[range])
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        let adminKey = try #require(key, "serve --demo printed no admin key: \((try? String(contentsOf: serverOutput, encoding: .utf8)) ?? "")")
        let base = "http://127.0.0.1:\(port)"
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = client.shutdown() }
        var healthy = false
        for _ in 0..<300 where !healthy {
            if let response = try? await client.execute(HTTPClientRequest(url: "\(base)/healthz"), timeout: .seconds(2)), response.status == .ok {
                healthy = true
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        try #require(healthy)

        // The block as written, with this server's address and key; `curl` also reports each answer's status, on standard
        // error so that a command capturing its output reads only the body.
        let script = """
            set -euo pipefail
            curl() { command curl -w '%{stderr}\\nstatus %{http_code}\\n' "$@"; }
            \(commands.replacingOccurrences(of: "http://127.0.0.1:8080", with: base).replacingOccurrences(of: "lk_admin_…", with: adminKey))
            """
        let scriptOutput = folder.appendingPathComponent("quickstart.log")
        _ = FileManager.default.createFile(atPath: scriptOutput.path, contents: nil)
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/bash")
        shell.arguments = ["-c", script]
        shell.standardOutput = try FileHandle(forWritingTo: scriptOutput)
        shell.standardError = shell.standardOutput
        try shell.run()
        try await Self.wait(for: shell, seconds: 60)
        let output = (try? String(contentsOf: scriptOutput, encoding: .utf8)) ?? ""
        try #require(!shell.isRunning, "the quick start did not finish within 60 s:\n\(output)")
        #expect(shell.terminationStatus == 0, "\(output)")

        let statuses = output.split(separator: "\n").filter { $0.hasPrefix("status ") }.map { $0.dropFirst("status ".count) }
        let calls = commands.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }
            .reduce(0) { $0 + $1.components(separatedBy: "curl ").count - 1 }
        #expect(statuses.count == calls, "every curl of the quick start answers:\n\(output)")
        #expect(statuses.allSatisfy { $0.hasPrefix("2") }, "every step of the quick start succeeds:\n\(output)")

        // The story's end: the reward issued, and the balance lowered by exactly what it cost.
        let found = try #require((try await Self.get(client, "\(base)/v1/members?external_id=cust-1", key: adminKey))["data"] as? [[String: Any]])
        let memberId = try #require(found.first?["id"] as? String)
        let redemptions = try #require((try await Self.get(client, "\(base)/v1/redemptions?member_id=\(memberId)", key: adminKey))["data"]
                                       as? [[String: Any]])
        #expect(redemptions.count == 1)
        let redemption = try #require(redemptions.first)
        #expect(redemption["status"] as? String == "issued")
        let cost = try #require(redemption["points"] as? Int)
        #expect(cost > 0)
        let ledger = try #require((try await Self.get(client, "\(base)/v1/members/\(memberId)/ledger", key: adminKey))["data"] as? [[String: Any]])
        let changes = ledger.compactMap { $0["available_change"] as? Int }
        let spent = ledger.first { $0["source_id"] as? String == redemption["id"] as? String }
        #expect(spent?["available_change"] as? Int == -cost)
        let points = try #require((try await Self.get(client, "\(base)/v1/members/\(memberId)", key: adminKey))["points"] as? [String: Any])
        let available = try #require(points["available"] as? Int)
        #expect(available == changes.reduce(0, +) && available + cost == changes.filter { $0 > 0 }.reduce(0, +),
                "the balance before the redemption, less its cost")
    }
}
