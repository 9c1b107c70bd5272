import Foundation
import Testing

/// The `laurel` command line, run as a process: help never shows a database password, a
/// mistyped database is refused instead of created empty, an invalid program file is a failure
/// (exit 1, its problems listed) rather than a usage error, and `--version` names the commit.
@Suite struct CLITests {
    /// A fresh, empty folder for one test.
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("laurel-cli-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func helpNamesTheDatabaseVariableButNeverItsValue() async throws {
        let secretURL = "postgres://laurel:s3cret-Passw0rd@db.internal:5432/laurel"
        for command in [["serve", "--help"], ["migrate", "--help"], ["keys", "list", "--help"], ["program", "apply", "--help"], ["help", "audit"]] {
            let result = try await LaurelCommand.run(command, environment: ["LAUREL_DATABASE_URL": secretURL])
            #expect(result.status == 0, "\(command): \(result.all)")
            #expect(result.all.contains("LAUREL_DATABASE_URL"), "\(command) names the variable: \(result.all)")
            #expect(!result.all.contains("s3cret-Passw0rd") && !result.all.contains("db.internal"), "\(command) shows the URL: \(result.all)")
        }
    }

    @Test func missingSQLiteFileIsRefusedOutsideServeAndMigrate() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let typo = folder.appendingPathComponent("typo.db").path
        let program = folder.appendingPathComponent("program.yaml")
        try "name: P\ncurrency: EUR\nearning_rules: []\n".write(to: program, atomically: true, encoding: .utf8)
        let events = folder.appendingPathComponent("events.jsonl")
        try "".write(to: events, atomically: true, encoding: .utf8)
        let commands: [[String]] = [
            ["keys", "list"], ["keys", "create", "--program", "p", "--scope", "admin"], ["keys", "revoke", "key_1"],
            ["program", "list"], ["program", "apply", "--program", "p", program.path], ["audit"],
            ["import", "--program", "p", events.path],
        ]
        for command in commands {
            let result = try await LaurelCommand.run(command + ["--db", typo])
            #expect(result.status == 1, "\(command): \(result.status) \(result.all)")
            #expect(result.errors.contains("no database at \(typo)"), "\(command): \(result.all)")
            #expect(!result.all.contains("Usage:"), "\(command) is not a usage error: \(result.all)")
            #expect(!FileManager.default.fileExists(atPath: typo), "\(command) created \(typo)")
        }
        // The same through the environment variable.
        let viaEnvironment = try await LaurelCommand.run(["keys", "list"], environment: ["LAUREL_DATABASE_URL": typo])
        #expect(viaEnvironment.status == 1 && !FileManager.default.fileExists(atPath: typo), "\(viaEnvironment.all)")

        // migrate creates it; then the other commands open it.
        let migrate = try await LaurelCommand.run(["migrate", "--db", typo])
        #expect(migrate.status == 0 && FileManager.default.fileExists(atPath: typo), "\(migrate.all)")
        let list = try await LaurelCommand.run(["keys", "list", "--db", typo])
        #expect(list.status == 0, "\(list.all)")
    }

    @Test func invalidProgramFileFailsWithItsProblemsNotUsage() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("bad.yaml")
        try "name: Bad\ncurrency: EURO\nearning_rules:\n  - {id: x, event: purchase, effect: {type: fixed_points, points: -5}}\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let result = try await LaurelCommand.run(["program", "validate", file.path])
        #expect(result.status == 1, "\(result.status): \(result.all)")
        #expect(result.errors.contains("problem(s)") && result.errors.contains("currency"), "\(result.all)")
        #expect(!result.all.contains("Usage:") && !result.all.contains("--help"), "\(result.all)")

        let missing = try await LaurelCommand.run(["program", "validate", folder.appendingPathComponent("nope.yaml").path])
        #expect(missing.status == 1 && missing.errors.contains("cannot read") && !missing.all.contains("Usage:"), "\(missing.all)")

        let good = folder.appendingPathComponent("good.yaml")
        try "name: Good\ncurrency: EUR\nearning_rules: []\n".write(to: good, atomically: true, encoding: .utf8)
        let valid = try await LaurelCommand.run(["program", "validate", good.path])
        #expect(valid.status == 0 && valid.output.contains("valid"), "\(valid.all)")

        // A real usage error still is one.
        let usage = try await LaurelCommand.run(["program", "validate"])
        #expect(usage.status == 64 && usage.all.contains("Usage:"), "\(usage.all)")
    }

    @Test func versionNamesReleaseAndCommit() async throws {
        let result = try await LaurelCommand.run(["--version"])
        #expect(result.status == 0, "\(result.all)")
        let line = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let match = line.wholeMatch(of: /laurel (\d+\.\d+\.\d+) \(commit ([0-9a-f]{12}|unknown)\)/)
        #expect(match != nil, "\(line)")
    }
}
