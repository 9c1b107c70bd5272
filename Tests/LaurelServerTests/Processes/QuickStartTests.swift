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

    /// Runs `body` with a fresh `laurel serve --demo` whose database is in `folder`: its address and the admin key it
    /// printed, as the reader copies it. The server is stopped when `body` returns or throws.
    static func withDemo(in folder: URL, _ body: (_ base: String, _ key: String) async throws -> Void) async throws {
        try await ServeProcess.with(database: folder.appendingPathComponent("laurel.db").path, arguments: ["--demo"]) { server in
            let printed = server.output
            let range = try #require(printed.range(of: #"lk_admin_[A-Za-z0-9_\-]+"#, options: .regularExpression),
                                     "serve --demo printed no admin key: \(printed)")
            try await body("http://127.0.0.1:\(server.port)", String(printed[range]))
        }
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
        let shell = try ChildProcess("/bin/bash", ["-c", script], directory: folder.path, output: scriptOutput.path, errors: scriptOutput.path)
        let finished = await shell.waitForExit(within: .seconds(60))
        if !finished { await shell.stop(SIGKILL, grace: .seconds(5)) }
        let output = (try? String(contentsOf: scriptOutput, encoding: .utf8)) ?? ""
        try #require(finished, "the commands did not finish within 60 s:\n\(output)")
        #expect(shell.status == 0, "\(output)")
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
        try await Self.withDemo(in: folder) { base, adminKey in
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
        try await Self.withDemo(in: folder) { base, adminKey in
            let output = try await Self.run(commands, in: folder, base: base, key: adminKey)
            Self.expectEveryCallSucceeded(commands, output: output)
        }
    }
}
