import Foundation

/// The keys of member tokens, per program, and the idempotency record of a write whose only
/// effect is its answer (issuing a token changes nothing in the database).
public protocol MemberTokenStore: Sendable {
    /// The program's keys, newest first.
    func memberTokenKeys(programId: String) async throws -> [MemberTokenKeyRecord]
    /// The key a token's `kid` names, whatever its program (the caller compares).
    func memberTokenKey(id: String) async throws -> MemberTokenKeyRecord?
    /// The program's signing key: its newest key not retired. When it has none, `candidate` is
    /// stored and answered (two nodes doing so at once both succeed; the newer key then signs).
    func signingMemberTokenKey(programId: String, candidate: MemberTokenKeyRecord) async throws -> MemberTokenKeyRecord
    /// Makes `key` the program's signing key: the key still signing is retired at `now`, and no
    /// earlier key verifies past `previousExpiresAt` (the longest a token lives, or `now` to revoke
    /// them all); keys that stopped verifying before `pruneBefore` are deleted. Answers the
    /// program's keys after it, newest first.
    func rotateMemberTokenKeys(programId: String, key: MemberTokenKeyRecord, now: Date, previousExpiresAt: Date, pruneBefore: Date,
                               idempotency: Idempotency<[MemberTokenKeyRecord]>?) async throws -> Idempotent<[MemberTokenKeyRecord]>
    /// The stored answer of an `Idempotency-Key` already used with this request (throws
    /// `StoreError.idempotencyKeyReused` when it was used with another one); nil when unused.
    func storedResponse(programId: String, key: String, fingerprint: String) async throws -> StoredResponse?
    /// Stores the answer of a write that has nothing else to store, under its key; answers the
    /// stored answer, which is another one when a concurrent request with that key stored first.
    func storeResponse(programId: String, key: String, fingerprint: String, response: StoredResponse, now: Date) async throws -> StoredResponse
}
