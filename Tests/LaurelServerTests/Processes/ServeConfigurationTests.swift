import Foundation
import Testing

/// `laurel serve` settings: flag > `LAUREL_…` environment > config file > default, and the help and
/// docs/operations.md list every one.
@Suite struct ServeConfigurationTests {
    /// The value ArgumentParser refused names where it came from: a wrong `--port` in each place.
    @Test func flagBeatsEnvironmentBeatsFileBeatsDefault() async throws {
        let folder = try CLITests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("laurel.conf")
        try "# settings\nport = from-file\nidle-timeout = \"0\"\n".write(to: file, atomically: true, encoding: .utf8)
        let db = folder.appendingPathComponent("laurel.db").path

        let fromFile = try await LaurelCommand.run(["serve", "--db", db, "--config", file.path])
        #expect(fromFile.status != 0 && fromFile.errors.contains("'from-file'"), "\(fromFile.all)")
        let fromFileByVariable = try await LaurelCommand.run(["serve", "--db", db], environment: ["LAUREL_CONFIG": file.path])
        #expect(fromFileByVariable.status != 0 && fromFileByVariable.errors.contains("'from-file'"), "\(fromFileByVariable.all)")
        let fromEnvironment = try await LaurelCommand.run(["serve", "--db", db, "--config", file.path], environment: ["LAUREL_PORT": "from-env"])
        #expect(fromEnvironment.status != 0 && fromEnvironment.errors.contains("'from-env'"), "\(fromEnvironment.all)")
        let fromFlag = try await LaurelCommand.run(["serve", "--db", db, "--config", file.path, "--port", "from-flag"],
                                                   environment: ["LAUREL_PORT": "from-env"])
        #expect(fromFlag.status != 0 && fromFlag.errors.contains("'from-flag'"), "\(fromFlag.all)")
        // The file's other setting is read too (an idle timeout of 0 is refused), once the port is good.
        let idle = try await LaurelCommand.run(["serve", "--db", db, "--config", file.path, "--port", "1"])
        #expect(idle.status != 0 && idle.errors.contains("--idle-timeout must be above 0"), "\(idle.all)")
        // Flags take true/false from the environment.
        let flag = try await LaurelCommand.run(["serve", "--db", db, "--port", "1", "--idle-timeout", "5"], environment: ["LAUREL_DEMO": "maybe"])
        #expect(flag.status != 0 && flag.errors.contains("$LAUREL_DEMO must be true or false"), "\(flag.all)")

        // An unknown name in the file is refused with its line.
        try "port = 1\nprot = 2\n".write(to: file, atomically: true, encoding: .utf8)
        let unknown = try await LaurelCommand.run(["serve", "--db", db, "--config", file.path])
        #expect(unknown.status != 0 && unknown.errors.contains("laurel.conf:2: unknown setting \"prot\""), "\(unknown.all)")
        #expect(!FileManager.default.fileExists(atPath: db), "nothing was started")
    }

    /// `--read-replica` (or `$LAUREL_READ_REPLICA`) with a SQLite `--db` stops the server before it
    /// opens anything; with PostgreSQL it must be a PostgreSQL URL.
    @Test func aReadReplicaNeedsPostgreSQL() async throws {
        let folder = try CLITests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("laurel.db").path
        let replica = "postgres://laurel@127.0.0.1:1/laurel"
        let flag = try await LaurelCommand.run(["serve", "--db", db, "--read-replica", replica])
        #expect(flag.status != 0 && flag.errors.contains("--read-replica needs a PostgreSQL --db"), "\(flag.all)")
        let variable = try await LaurelCommand.run(["serve", "--db", db], environment: ["LAUREL_READ_REPLICA": replica])
        #expect(variable.status != 0 && variable.errors.contains("--read-replica needs a PostgreSQL --db"), "\(variable.all)")
        #expect(!FileManager.default.fileExists(atPath: db), "nothing was started")
        let notPostgres = try await LaurelCommand.run(["serve", "--db", "postgres://laurel@127.0.0.1:1/laurel", "--read-replica", "replica.db"])
        #expect(notPostgres.status != 0 && notPostgres.errors.contains("--read-replica must be a PostgreSQL URL"), "\(notPostgres.all)")
    }

    /// Every option of `serve --help` can be set from the environment and the file, and
    /// docs/operations.md's table lists it with its variable.
    @Test func helpAndDocsListEverySetting() async throws {
        let help = try await LaurelCommand.run(["serve", "--help"])
        #expect(help.status == 0)
        let options = Set(help.output.matches(of: /--([a-z][a-z-]+)/).map { String($0.1) }).subtracting(["help", "version", "config"])
        let docs = try String(contentsOf: QuickStartTests.root.appendingPathComponent("docs/operations.md"), encoding: .utf8)
        let table = docs.components(separatedBy: "## Configuration").dropFirst().first ?? ""
        #expect(!options.isEmpty)
        for option in options {
            let variable = option == "db" ? "LAUREL_DATABASE_URL" : "LAUREL_" + option.uppercased().replacingOccurrences(of: "-", with: "_")
            #expect(table.contains("`--\(option)") && table.contains("`\(variable)`"), "docs/operations.md, Configuration, lacks --\(option) / \(variable)")
        }
    }
}
