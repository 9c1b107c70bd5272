import ArgumentParser
import Foundation
import LaurelServer
import LaurelStore

struct Staff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create and list admin console users. A user belongs to one program and has a role: owner, manager or support.",
        subcommands: [Create.self, List.self, PasswordLink.self, Disable.self, Enable.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a user and print a one-time link (valid 24 hours) where they set their password.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Program id.") var program: String
        @Option(help: "The user's email; they sign in with it.") var email: String
        @Option(help: "owner, manager (members, program, rewards) or support (looks members up and adjusts points).") var role: StaffRole
        @Option(help: "The server's address as the user's browser reaches it, for the link.") var baseURL = "http://127.0.0.1:8080"

        func run() async throws {
            guard let email = StaffAccounts.normalizedEmail(email) else { throw ValidationError("--email must be an email address") }
            let store = try await self.store.open()
            guard try await store.program(id: program) != nil else { throw CommandFailure("no program \(program); apply a program file first") }
            do {
                let (staff, token) = try await StaffAccounts.create(store: store, programId: program, email: email, role: role, now: Date())
                print("""
                    created \(staff.id) (\(role.rawValue)) \(email) for program \(program). Send them this one-time link to set their
                    password (valid for 24 hours, shown only now):

                        \(StaffAccounts.link(token: token, baseURL: baseURL))

                    """)
            } catch let taken as StaffEmailTaken {
                throw CommandFailure(taken.description + "; `laurel staff password-link` makes a new link for them")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users (never their passwords).")
        @OptionGroup var store: StoreOptions
        @Option(help: "Only this program's users.") var program: String?

        func run() async throws {
            for staff in try await store.open().staffList(programId: program) {
                let state = staff.disabled ? "disabled" : staff.passwordHash == nil ? "no password yet" : "active"
                print("\(staff.id)\t\(staff.programId)\t\(staff.role.rawValue)\t\(staff.email)\t\(state)")
            }
        }
    }

    struct PasswordLink: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "password-link", abstract: "Print a new one-time link (valid 24 hours) for a user to set a new password.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Program id.") var program: String
        @Option(help: "The user's email.") var email: String
        @Option(help: "The server's address as the user's browser reaches it, for the link.") var baseURL = "http://127.0.0.1:8080"

        func run() async throws {
            let store = try await self.store.open()
            guard let email = StaffAccounts.normalizedEmail(email), let staff = try await store.staff(programId: program, email: email) else {
                throw CommandFailure("no staff user \(email) in program \(program)")
            }
            let token = try await StaffAccounts.newPasswordLink(store: store, staffId: staff.id, now: Date())
            print("\n    \(StaffAccounts.link(token: token, baseURL: baseURL))\n")
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a user from signing in; their open sessions are refused at once.")
        @OptionGroup var target: StaffTarget
        func run() async throws { try await target.set(disabled: true) }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let a disabled user sign in again.")
        @OptionGroup var target: StaffTarget
        func run() async throws { try await target.set(disabled: false) }
    }
}

/// The user `disable` and `enable` act on.
struct StaffTarget: ParsableArguments {
    @OptionGroup var store: StoreOptions
    @Option(help: "Program id.") var program: String
    @Option(help: "The user's email.") var email: String

    func set(disabled: Bool) async throws {
        let store = try await self.store.open()
        guard let address = StaffAccounts.normalizedEmail(email), let staff = try await store.staff(programId: program, email: address),
              let changed = try await store.setStaffDisabled(id: staff.id, disabled: disabled) else {
            throw CommandFailure("no staff user \(email) in program \(program)")
        }
        if disabled { try await store.deleteWebSessions(programId: program, kind: .staff, subjectId: changed.id) }
        print("\(changed.email) is \(disabled ? "disabled" : "enabled")")
    }
}

extension StaffRole: ExpressibleByArgument {}
