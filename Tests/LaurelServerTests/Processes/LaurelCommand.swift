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

    /// Waits until `process` exits or `limit` has passed, polling: `waitUntilExit()` parks a thread of the
    /// test pool on a run loop until Foundation sees the exit, which is known to hang off the main thread.
    static func waitForExit(_ process: Process, within limit: Duration) async throws {
        let deadline = ContinuousClock.now + limit
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
    }

    /// Runs `laurel arguments…` in `directory` with `environment` added to this process's and waits
    /// (up to 60 s) for it to exit. Output goes through files: a pipe could fill and block the child.
    static func run(_ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil,
                    executable: String = binary) async throws -> Result {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outputURL = scratch.appendingPathComponent("stdout"), errorsURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorsURL.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputURL), errors = try FileHandle(forWritingTo: errorsURL)
        defer { try? output.close(); try? errors.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        merged["LAUREL_DATABASE_URL"] = nil
        merged.merge(environment) { $1 }
        process.environment = merged
        process.currentDirectoryURL = directory ?? scratch
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        try await waitForExit(process, within: .seconds(60))
        if process.isRunning { process.terminate() }
        try #require(!process.isRunning, "laurel \(arguments.joined(separator: " ")) did not exit within 60 s")
        return Result(status: process.terminationStatus,
                      output: (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "",
                      errors: (try? String(contentsOf: errorsURL, encoding: .utf8)) ?? "")
    }
}
