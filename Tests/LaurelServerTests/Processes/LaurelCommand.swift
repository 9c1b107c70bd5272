import Foundation
import Testing

/// Runs the built `laurel` executable as a user would, for the tests of the command line.
struct LaurelCommand {
    struct Result {
        let status: Int32
        let output: String
        let errors: String
        var all: String { output + errors }
    }

    /// The executable `swift build` put beside the test bundle.
    static var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("laurel").path
    }

    /// Runs `laurel arguments…` in `directory` with `environment` added to this process's and waits
    /// (up to 300 s: CI runs every suite at once on two cores, where a PostgreSQL import of a thousand
    /// rows once took more than 60 s) for it to exit. Output goes through files: a pipe could fill and
    /// block the child.
    static func run(_ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil,
                    executable: String = binary) async throws -> Result {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outputURL = scratch.appendingPathComponent("stdout"), errorsURL = scratch.appendingPathComponent("stderr")
        var merged = ProcessInfo.processInfo.environment
        merged["LAUREL_DATABASE_URL"] = nil
        merged.merge(environment) { $1 }
        let process = try ChildProcess(executable, arguments, environment: merged, directory: (directory ?? scratch).path,
                                       output: outputURL.path, errors: errorsURL.path)
        let exited = await process.waitForExit(within: .seconds(300))
        if !exited { await process.stop(SIGKILL, grace: .seconds(5)) }
        try #require(exited, "laurel \(arguments.joined(separator: " ")) did not exit within 300 s")
        return Result(status: process.status ?? -1,
                      output: (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "",
                      errors: (try? String(contentsOf: errorsURL, encoding: .utf8)) ?? "")
    }
}
