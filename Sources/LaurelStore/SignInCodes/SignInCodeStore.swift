import Foundation

/// One-time sign-in codes of the member portal: at most one live code per member, kept as a hash,
/// written with its outbox message in one transaction, checked and spent in another.
public protocol SignInCodeStore: Sendable {
    /// The member a sign-in name points at: the member with that external id, else the earliest
    /// enrolled member with that email (ignoring case). Blocked members are answered too (the caller refuses them).
    func signInMember(programId: String, identifier: String) async throws -> MemberRecord?
    /// Stores `code` as the member's only code (earlier ones stop working) and writes the
    /// `member.sign_in_code` message carrying `plainCode`, for the brand's channel to deliver.
    func issueSignInCode(_ code: SignInCodeRecord, plainCode: String, member: MemberRecord) async throws
    /// Compares `codeHash` with the member's live code at `now`: a match spends it; a mismatch counts
    /// a try, and the `maxAttempts`-th wrong try burns it. Concurrent checks of one code see each other's tries.
    func checkSignInCode(programId: String, memberId: String, codeHash: String, now: Date, maxAttempts: Int) async throws -> SignInCodeCheck
}
