import ArgumentParser
import Foundation
import LaurelCore
import LaurelServer
import LaurelStore

struct ProgramCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "program",
        abstract: "Validate program files and apply them as new versions.",
        subcommands: [Validate.self, Apply.self, List.self]
    )

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a program file (YAML or JSON); every problem is listed with its path.")
        @Argument(help: "The program file.") var file: String

        func run() async throws {
            let definition = try ProgramCommand.load(file)
            var parts = ["\(definition.earningRules.count) earning rules"]
            if !definition.segments.isEmpty { parts.append("\(definition.segments.count) segments") }
            if !definition.campaigns.isEmpty { parts.append("\(definition.campaigns.count) campaigns") }
            if definition.birthday != nil { parts.append("a birthday present") }
            print("\(file): valid — \"\(definition.name)\", \(definition.currency), \(parts.joined(separator: ", "))")
        }
    }

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply a program file as the next version of a program, creating the program if it does not exist.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Program id (a short slug such as bean-and-thread).") var program: String
        @Argument(help: "The program file.") var file: String

        func run() async throws {
            let definition = try ProgramCommand.load(file)
            let text = try String(contentsOfFile: file, encoding: .utf8)
            guard program.count <= 64, !program.isEmpty, program.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw ValidationError("--program must be 1 to 64 lowercase letters, digits, - or _")
            }
            let store = try await self.store.open()
            if try await store.program(id: program) == nil {
                _ = try await store.createProgram(id: program, name: definition.name, now: Date())
                print("created program \(program)")
            }
            let applied = try await AuditActor.$current.withValue(AuditActor.commandLine) {
                try await store.applyProgram(id: program, definition: definition, source: text, now: Date(), idempotency: nil)
            }
            guard case .fresh(let version, _) = applied else { return }
            print("applied \(file) as version \(version.version) of program \(program)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the programs and their current versions.")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            for program in try await store.open().programs() {
                print("\(program.id)\tversion \(program.currentVersion.map(String.init) ?? "none")\t\(program.name)")
            }
        }
    }

    /// Reads and validates a program file, printing every problem before failing.
    static func load(_ file: String) throws -> ProgramDefinition {
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch { throw CommandFailure("cannot read \(file): \(error.localizedDescription)") }
        do {
            return try ProgramDefinition.parse(text)
        } catch {
            throw CommandFailure("\(file) has \(error.issues.count) problem(s):\n" + error.issues.map { "  \($0)" }.joined(separator: "\n"))
        }
    }
}

