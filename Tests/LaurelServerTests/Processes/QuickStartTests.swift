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

    static func get(_ client: HTTPClient, _ url: String, key: String) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        let response = try await client.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return try #require(try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])
    }

    /// A fresh `laurel serve --demo` on a free port with its database in `folder`: the process, its address and admin key.
    static func startDemo(in folder: URL) async throws -> (server: Process, base: String, key: String) {
        let binary = LaurelCommand.binary
        try #require(FileManager.default.isExecutableFile(atPath: binary), "the laurel executable is built by swift test")
        let port = try await TestPorts.unused()
        let serverOutput = folder.appendingPathComponent("server.log")
        _ = FileManager.default.createFile(atPath: serverOutput.path, contents: nil)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: binary)
        server.arguments = ["serve", "--demo", "--db", folder.appendingPathComponent("laurel.db").path, "--port", "\(port)"]
        server.standardOutput = try FileHandle(forWritingTo: serverOutput)
        server.standardError = FileHandle.nullDevice
        try server.run()
        do {
            return try await waitForDemo(server, port: port, output: serverOutput)
        } catch {
            server.terminate()
            throw error
        }
    }

    /// The address and key of the demo `server` once it answers.
    private static func waitForDemo(_ server: Process, port: Int, output serverOutput: URL) async throws -> (server: Process, base: String, key: String) {
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
        return (server, base, adminKey)
    }

    /// Runs `commands` as pasted into bash in `folder`, against `base` with `key`; every `curl` also writes
    /// `status <code>` to a file of its own (not to the output: a `tee /dev/stderr` in the same pipeline would
    /// interleave with it). Answers the output followed by those status lines.
    static func run(_ commands: String, in folder: URL, base: String, key adminKey: String) async throws -> String {
        let statusLog = folder.appendingPathComponent("statuses.log")
        _ = FileManager.default.createFile(atPath: statusLog.path, contents: nil)
        // Through a pipe, not straight into the log: a command writing to `/dev/stderr` (`tee /dev/stderr`) would reopen
        // and truncate a log file.
        let script = """
            set -euo pipefail
            curl() { command curl -w '%{stderr}status %{http_code}\\n' "$@" 2>>'\(statusLog.path)'; }
            {
            \(commands.replacingOccurrences(of: "http://127.0.0.1:8080", with: base).replacingOccurrences(of: "lk_admin_…", with: adminKey))
            } 2>&1 | cat
            """
        let scriptOutput = folder.appendingPathComponent("quickstart.log")
        _ = FileManager.default.createFile(atPath: scriptOutput.path, contents: nil)
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/bash")
        shell.arguments = ["-c", script]
        shell.currentDirectoryURL = folder
        shell.standardOutput = try FileHandle(forWritingTo: scriptOutput)
        shell.standardError = shell.standardOutput
        try shell.run()
        try await LaurelCommand.waitForExit(shell, within: .seconds(60))
        let output = (try? String(contentsOf: scriptOutput, encoding: .utf8)) ?? ""
        try #require(!shell.isRunning, "the commands did not finish within 60 s:\n\(output)")
        #expect(shell.terminationStatus == 0, "\(output)")
        return output + "\n" + ((try? String(contentsOf: statusLog, encoding: .utf8)) ?? "")
    }

    /// Every `curl` of `commands` answered, and with a 2xx.
    static func expectEveryCallSucceeded(_ commands: String, output: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let statuses = output.split(separator: "\n").filter { $0.hasPrefix("status ") }.map { $0.dropFirst("status ".count) }
        let calls = commands.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }
            .reduce(0) { $0 + $1.components(separatedBy: "curl ").count - 1 }
        #expect(statuses.count == calls, "every curl answers:\n\(output)", sourceLocation: sourceLocation)
        #expect(statuses.allSatisfy { $0.hasPrefix("2") }, "every step succeeds:\n\(output)", sourceLocation: sourceLocation)
    }

    /// A scratch folder for one test, removed by the caller.
    static func scratchFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-quickstart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func theReadmeQuickStartEndsWithARedemption() async throws {
        let commands = try Self.quickStart()
        let folder = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (server, base, adminKey) = try await Self.startDemo(in: folder)
        defer { if server.isRunning { server.terminate() } }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = client.shutdown() }
        let output = try await Self.run(commands, in: folder, base: base, key: adminKey)
        Self.expectEveryCallSucceeded(commands, output: output)

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

    /// docs/api.md's examples, read from the file at test time: pasted in order after the quick start, from the
    /// repository's folder (they upload `examples/bean-and-thread.yaml`), every one of them answers 2xx.
    @Test func theApiGuidesExamplesWorkPastedAfterTheQuickStart() async throws {
        let guide = try String(contentsOf: Self.root.appendingPathComponent("docs/api.md"), encoding: .utf8)
        let examples = guide.components(separatedBy: "```sh\n").dropFirst().compactMap { $0.components(separatedBy: "\n```").first }
        try #require(examples.count > 10, "docs/api.md has its sh examples")
        let commands = try Self.quickStart() + "\n" + examples.joined(separator: "\n")
        let folder = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("examples"), withDestinationURL: Self.root.appendingPathComponent("examples"))
        let (server, base, adminKey) = try await Self.startDemo(in: folder)
        defer { if server.isRunning { server.terminate() } }
        let output = try await Self.run(commands, in: folder, base: base, key: adminKey)
        Self.expectEveryCallSucceeded(commands, output: output)
    }
}
