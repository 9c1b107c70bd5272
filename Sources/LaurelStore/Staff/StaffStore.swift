import Foundation

/// Console users and their one-time password links.
public protocol StaffStore: Sendable {
    /// Stores a new user (throws `StaffEmailTaken` when the program has one with that email, and
    /// `StoreError.notFound` when the program does not exist) with their first password link.
    func createStaff(_ staff: StaffRecord, passwordToken: StaffPasswordTokenRecord) async throws
    func staff(id: String) async throws -> StaffRecord?
    func staff(programId: String, email: String) async throws -> StaffRecord?
    /// Every program's user with this email, in program order (sign-in asks only for the email).
    func staff(email: String) async throws -> [StaffRecord]
    /// Users in email order; every program's when `programId` is nil.
    func staffList(programId: String?) async throws -> [StaffRecord]
    /// Disables (or enables again) a user; nil when there is no such user. A disabled user cannot sign in
    /// and their sessions are refused.
    func setStaffDisabled(id: String, disabled: Bool) async throws -> StaffRecord?
    /// Stores another password link for a user (a reset); earlier unused links keep working until they expire.
    func addStaffPasswordToken(_ token: StaffPasswordTokenRecord) async throws
    /// The user a password link is for, when it is unused and unexpired at `now`; nil otherwise.
    func staffForPasswordToken(hash: String, now: Date) async throws -> StaffRecord?
    /// Uses up a password link and sets the user's password, in one transaction: nil (nothing
    /// changed) when the link is unknown, used, or expired at `now`.
    func setStaffPassword(tokenHash: String, passwordHash: String, now: Date) async throws -> StaffRecord?
    /// Replaces a user's password hash with a new hash of the same password (a stronger one, at
    /// sign-in), only while the stored hash is still `from`: a password set meanwhile is kept.
    /// Answers whether it replaced it.
    func rehashStaffPassword(id: String, from: String, to: String) async throws -> Bool
}
