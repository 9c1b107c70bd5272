import Crypto
import Foundation
import LaurelCore
import LaurelStore
import Logging
import NIOCore

/// Signing in to the member portal with a one-time code: the member gives their email or external
/// id, Laurel writes a 6-digit code to the outbox (`member.sign_in_code`) for the brand's channel to
/// send, and the member types it back. Every answer is the same whether the name is a member or not.
struct PortalSignIn: Sendable {
    /// How long a code works.
    static let codeLifetime: TimeInterval = 600
    /// Wrong tries that burn a code.
    static let maxAttempts = 5
    /// Longest sign-in name read (an email address is at most 254 characters).
    static let maxNameLength = 254

    let store: any LaurelStore
    let clock: any WallClock
    let limits: RequestLimits
    let logger: Logger
    /// The program whose codes are also written to the server log (`serve --demo`'s demo program,
    /// so that a newcomer and the browser tests can sign in); nil outside the demo.
    let loggedProgramId: String?

    enum CodeCheck: Equatable {
        case signedIn(memberId: String)
        /// Wrong, expired, used, burned or unknown name: one answer for all.
        case refused
    }

    /// The name as it is looked up and rate-limited: trimmed; nil when empty or too long.
    static func normalised(_ name: String) -> String? {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= maxNameLength else { return nil }
        return trimmed
    }

    /// Sends a code to the member `name` points at, if it points at an active member. Throws
    /// `RateLimitExceeded` past the limits (for unknown names too).
    func requestCode(programId: String, name: String, from address: SocketAddress?) async throws {
        try limits.admitSignInCode(program: programId, name: name.lowercased(), from: address)
        guard let member = try await store.signInMember(programId: programId, identifier: name), member.status == .active else { return }
        var generator = SystemRandomNumberGenerator()
        let code = String(format: "%06d", Int.random(in: 0..<1_000_000, using: &generator))
        let now = clock.now()
        let record = SignInCodeRecord(id: Identifiers.make("sic", now: now), programId: programId, memberId: member.id,
                                      codeHash: Self.hash(code, programId: programId, memberId: member.id),
                                      createdAt: now, expiresAt: now.addingTimeInterval(Self.codeLifetime))
        try await store.issueSignInCode(record, plainCode: code, member: member)
        if programId == loggedProgramId {
            logger.notice("sign-in code for member \(member.id) (\(member.email ?? member.externalId)): \(code)")
        }
    }

    /// Checks a typed code for `name`. A refusal counts as a failed authentication of the address;
    /// an address past that limit is refused (`RateLimitExceeded`) before anything is looked up.
    func check(programId: String, name: String, code: String, from address: SocketAddress?) async throws -> CodeCheck {
        try limits.admitSignInCodeTry(from: address)
        let digits = code.filter { !$0.isWhitespace }
        guard digits.count == 6, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let member = try await store.signInMember(programId: programId, identifier: name), member.status == .active else {
            limits.failedSignInCode(from: address)
            return .refused
        }
        let outcome = try await store.checkSignInCode(programId: programId, memberId: member.id,
                                                      codeHash: Self.hash(digits, programId: programId, memberId: member.id),
                                                      now: clock.now(), maxAttempts: Self.maxAttempts)
        guard outcome == .accepted else {
            limits.failedSignInCode(from: address)
            return .refused
        }
        return .signedIn(memberId: member.id)
    }

    /// The stored form of a code: SHA-256 over the program, member and code, so a code never sits in
    /// the table in clear. (A million codes are quickly hashed: the attempt limit is what protects them.)
    static func hash(_ code: String, programId: String, memberId: String) -> String {
        SHA256.hash(data: Data("\(programId)/\(memberId)/\(code)".utf8)).hexString
    }
}
