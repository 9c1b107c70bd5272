import Foundation

/// What a console user may do. Ordered: each role may do everything the roles below it may.
public enum StaffRole: String, Sendable, Codable, CaseIterable, Comparable {
    /// Looks members up and adjusts their points with a reason.
    case support
    /// Also blocks members, sets tier floors, changes the program and the rewards.
    case manager
    /// Everything a manager may, for a program they are responsible for.
    case owner

    private var rank: Int { switch self { case .support: 0; case .manager: 1; case .owner: 2 } }
    public static func < (lhs: StaffRole, rhs: StaffRole) -> Bool { lhs.rank < rhs.rank }
}

/// A console user of one program. The email is unique per program and kept lowercase.
public struct StaffRecord: Hashable, Sendable {
    public var id: String
    public var programId: String
    public var email: String
    public var role: StaffRole
    /// `PasswordHash`'s self-describing string (algorithm, iterations, salt, hash); nil until the
    /// user sets a password through their one-time link.
    public var passwordHash: String?
    public var createdAt: Date
    /// A disabled user cannot sign in.
    public var disabled: Bool

    public init(id: String, programId: String, email: String, role: StaffRole, passwordHash: String? = nil, createdAt: Date, disabled: Bool = false) {
        self.id = id
        self.programId = programId
        self.email = email
        self.role = role
        self.passwordHash = passwordHash
        self.createdAt = createdAt
        self.disabled = disabled
    }
}

/// A one-time link to set a staff user's password: only the SHA-256 of its secret is stored; it
/// works once, until `expiresAt`.
public struct StaffPasswordTokenRecord: Hashable, Sendable {
    public var hash: String
    public var staffId: String
    public var createdAt: Date
    public var expiresAt: Date

    public init(hash: String, staffId: String, createdAt: Date, expiresAt: Date) {
        self.hash = hash
        self.staffId = staffId
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// A staff user's email is already taken in their program.
public struct StaffEmailTaken: Error, CustomStringConvertible {
    public let email: String
    public var description: String { "a staff user with email \(email) already exists in this program" }
}
