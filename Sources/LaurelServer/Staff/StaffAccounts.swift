import Crypto
import Foundation
import LaurelCore
import LaurelStore

/// Creating console users and their one-time password links, for `laurel staff` and the demo.
public enum StaffAccounts {
    /// How long a password link works.
    public static let linkLifetime: TimeInterval = 24 * 3600
    /// Passwords must be at least this long (NIST SP 800-63B asks for 8; no other composition rule).
    public static let minimumPasswordLength = 10

    /// The email as stored and compared: trimmed and lowercased; nil when it does not look like one.
    public static func normalizedEmail(_ text: String) -> String? {
        let email = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !email.contains(where: { $0.isWhitespace || $0.isNewline }) else { return nil }
        return email
    }

    /// Why a new password is not acceptable, or nil when it is.
    public static func passwordProblem(_ password: String) -> String? {
        if password.count < minimumPasswordLength { return "password_too_short" }
        if password.utf8.count > PasswordHash.maxPasswordBytes { return "password_too_long" }
        return nil
    }

    /// Creates a user without a password and returns them with the secret of their first password
    /// link (shown once; only its hash is stored).
    public static func create(store: any LaurelStore, programId: String, email: String, role: StaffRole,
                              now: Date) async throws -> (staff: StaffRecord, token: String) {
        let staff = StaffRecord(id: Identifiers.make("stf", now: now), programId: programId, email: email, role: role, createdAt: now)
        let (token, record) = passwordToken(for: staff.id, now: now)
        try await store.createStaff(staff, passwordToken: record)
        return (staff, token)
    }

    /// A new password link for an existing user (a reset, or the demo's owner on every start).
    public static func newPasswordLink(store: any LaurelStore, staffId: String, now: Date) async throws -> String {
        let (token, record) = passwordToken(for: staffId, now: now)
        try await store.addStaffPasswordToken(record)
        return token
    }

    /// The page where the link's holder sets their password.
    public static func link(token: String, baseURL: String) -> String {
        "\(baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL)/admin/set-password?token=\(token)"
    }

    /// SHA-256 of a link's secret, hex: what the store keeps (the secret has 260 bits, no slow hash needed).
    public static func tokenHash(_ token: String) -> String { SHA256.hash(data: Data(token.utf8)).hexString }

    private static func passwordToken(for staffId: String, now: Date) -> (String, StaffPasswordTokenRecord) {
        let token = Identifiers.secret("pst")
        return (token, StaffPasswordTokenRecord(hash: tokenHash(token), staffId: staffId, createdAt: now, expiresAt: now.addingTimeInterval(linkLifetime)))
    }
}
