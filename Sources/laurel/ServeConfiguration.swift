import Foundation

/// Where `laurel serve` takes each setting from, in one order: a command-line flag, else the
/// environment variable `LAUREL_<NAME>` (`--idle-timeout` → `LAUREL_IDLE_TIMEOUT`), else the config
/// file (`--config FILE` or `$LAUREL_CONFIG`; `idle-timeout = 30` lines), else the default.
///
/// Settings from the environment and the file become command-line arguments before ArgumentParser
/// reads them, so they are parsed and checked exactly like flags (and a bad value names its flag).
/// The database is the exception: `$LAUREL_DATABASE_URL` is read by `StoreOptions` itself and never
/// copied into the arguments, where a password would be visible to every user of the machine.
enum ServeConfiguration {
    struct Setting {
        /// The flag's name without `--`, also the config file's key.
        let name: String
        let isFlag: Bool
        var environmentVariable: String {
            name == "db" ? StoreOptions.environmentVariable : "LAUREL_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
        }
    }

    /// Every setting of `laurel serve` (`ServeConfigurationTests` checks this against `serve --help`).
    static let settings: [Setting] = [
        ("db", false), ("full-sync", true), ("host", false), ("port", false), ("demo", true), ("settle-every", false),
        ("refresh-segments-every", false), ("idle-timeout", false), ("body-timeout", false), ("max-connections", false),
        ("webhooks-every", false), ("allow-private-webhooks", true), ("key-rate-limit", false), ("member-rate-limit", false),
        ("address-rate-limit", false), ("failed-auth-limit", false), ("sign-in-code-limit", false), ("staff-sign-in-limit", false),
        ("staff-sign-in-address-limit", false), ("log-format", false), ("log-level", false), ("shutdown-grace", false),
        ("metrics-port", false), ("metrics-token", false), ("read-replica", false),
    ].map { Setting(name: $0.0, isFlag: $0.1) }

    static let configVariable = "LAUREL_CONFIG"

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// `serve`'s arguments with the settings the command line does not give added from the
    /// environment and the config file.
    static func arguments(_ given: [String], environment: [String: String]) throws -> [String] {
        if given.contains(where: { ["-h", "--help", "help"].contains($0) }) { return given }
        func isGiven(_ name: String) -> Bool { given.contains { $0 == "--\(name)" || $0.hasPrefix("--\(name)=") } }
        let configPath: String? = {
            if let index = given.firstIndex(of: "--config"), index + 1 < given.count { return given[index + 1] }
            if let option = given.first(where: { $0.hasPrefix("--config=") }) { return String(option.dropFirst("--config=".count)) }
            return environment[configVariable].flatMap { $0.isEmpty ? nil : $0 }
        }()
        let file = try configPath.map(read) ?? [:]
        var added: [String] = []
        for setting in settings where !isGiven(setting.name) {
            let value: String
            let source: String
            if let fromEnvironment = environment[setting.environmentVariable] {
                if setting.name == "db" { continue }
                value = fromEnvironment
                source = "$\(setting.environmentVariable)"
            } else if let fromFile = file[setting.name] {
                value = fromFile
                source = "\(configPath ?? "") (\(setting.name))"
            } else {
                continue
            }
            if setting.isFlag {
                switch value.lowercased() {
                case "true", "1", "yes", "on": added.append("--\(setting.name)")
                case "false", "0", "no", "off", "": break
                default: throw Failure(description: "\(source) must be true or false, not \"\(value)\"")
                }
            } else {
                added += ["--\(setting.name)", value]
            }
        }
        return given + added
    }

    /// The config file: `name = value` lines (the flag's name without `--`), `#` comments, blank
    /// lines; a value may be in double quotes. An unknown or repeated name is an error.
    static func read(_ path: String) throws -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw Failure(description: "cannot read the config file \(path)")
        }
        let known = Set(settings.map(\.name))
        var values: [String: String] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw Failure(description: "\(path):\(index + 1): expected `name = value`")
            }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            guard known.contains(name) else {
                throw Failure(description: "\(path):\(index + 1): unknown setting \"\(name)\" (the names are serve's flags without --, see laurel serve --help)")
            }
            guard values[name] == nil else { throw Failure(description: "\(path):\(index + 1): \"\(name)\" is set twice") }
            values[name] = value
        }
        return values
    }
}
