import Crypto
import Foundation
import JWTKit
import LaurelCore
import LaurelStore
import Synchronization

/// Issues and verifies member tokens: JWTs signed with HS256 by the program's current key from
/// the database, so any node verifies what any node issued. Keys are cached for a few seconds;
/// a rotation reaches every node within that time.
final class MemberTokens: Sendable {
    /// The one algorithm accepted: the keys are secrets only Laurel holds, so no public-key scheme is needed.
    static let algorithm = "HS256"
    /// `iss` of every member token.
    static let issuer = "laurel"
    /// Lifetime when the request asks for none, and the most it may ask for.
    static let defaultLifetime: TimeInterval = 900
    static let maxLifetime: TimeInterval = 3600
    static let minLifetime: TimeInterval = 60
    /// How far another node's clock may be ahead: a token is accepted that much before its `nbf` / `iat`.
    static let clockSkew: TimeInterval = 30
    /// Keys that stopped verifying are deleted by the next rotation this long after.
    static let keepExpiredKeys: TimeInterval = 7 * 86_400
    static let cacheSeconds: TimeInterval = 5

    let store: any LaurelStore
    let clock: any WallClock
    private let cache = Mutex<[String: (key: MemberTokenKeyRecord, signer: JWTKeyCollection, loadedAt: Date)]>([:])

    init(store: any LaurelStore, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    /// A fresh signing key for a program: 32 random bytes.
    static func newKey(programId: String, now: Date) -> MemberTokenKeyRecord {
        let secret = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
        return MemberTokenKeyRecord(id: Identifiers.make("mtk", now: now), programId: programId, secret: secret, createdAt: now)
    }

    /// A token for `member`, valid for `lifetime` seconds from now, signed with the program's signing key.
    func issue(for member: MemberRecord, lifetime: TimeInterval) async throws -> IssuedMemberToken {
        let now = Date(timeIntervalSince1970: clock.now().timeIntervalSince1970.rounded(.down))
        let key = try await store.signingMemberTokenKey(programId: member.programId, candidate: Self.newKey(programId: member.programId, now: now))
        let claims = MemberTokenClaims(iss: IssuerClaim(value: Self.issuer), aud: AudienceClaim(value: [member.programId]),
                                       sub: SubjectClaim(value: member.id), iat: IssuedAtClaim(value: now), nbf: NotBeforeClaim(value: now),
                                       exp: ExpirationClaim(value: now.addingTimeInterval(lifetime)),
                                       jti: IDClaim(value: Identifiers.make("mtok", now: now)))
        let token = try await signer(for: key).sign(claims, kid: JWKIdentifier(string: key.id))
        return IssuedMemberToken(token: token, claims: claims, keyId: key.id)
    }

    /// The holder of a member token, or a 401 `invalid_token` problem saying what is wrong with it.
    /// (Whether its member still exists and is active is the authenticator's check.)
    func verify(_ token: String) async throws -> MemberTokenHolder {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let header = try? DefaultJWTParser().parse(Array(token.utf8), as: MemberTokenClaims.self).header else {
            throw Self.refusal("the member token is malformed: it must be a JWT (header.claims.signature) with Laurel's claims")
        }
        guard header.alg == Self.algorithm else {
            throw Self.refusal("member tokens are signed with \(Self.algorithm); this one says alg \(header.alg ?? "(none)")")
        }
        if let type = header.typ, type != "JWT" { throw Self.refusal("the member token's typ must be JWT, not \(type)") }
        guard header.fields["crit"] == nil else { throw Self.refusal("the member token has critical header extensions Laurel does not know") }
        guard let keyId = header.kid, !keyId.isEmpty else { throw Self.refusal("the member token has no kid header") }
        guard let key = try await key(keyId) else { throw Self.refusal("the member token's key \(keyId) is unknown") }
        let now = clock.now()
        guard key.verifies(at: now) else {
            throw Self.refusal("the member token's key \(keyId) was rotated out at \(Timestamps.format(key.expiresAt ?? now)); ask for a new token")
        }
        let claims: MemberTokenClaims
        do {
            claims = try await signer(for: key).verify(token, as: MemberTokenClaims.self)
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            throw Self.refusal("the member token's signature does not match: it was altered or not issued by this server")
        } catch {
            throw Self.refusal("the member token is malformed: it must be a JWT (header.claims.signature) with Laurel's claims")
        }
        guard claims.iss.value == Self.issuer else { throw Self.refusal("the member token was issued by \(claims.iss.value), not \(Self.issuer)") }
        guard claims.aud.value == [key.programId] else {
            throw Self.refusal("the member token is for another audience (\(claims.aud.value.joined(separator: ", "))), not this program")
        }
        guard now < claims.exp.value else { throw Self.refusal("the member token expired at \(Timestamps.format(claims.exp.value)); ask for a new one") }
        guard claims.nbf.value <= now.addingTimeInterval(Self.clockSkew), claims.iat.value <= now.addingTimeInterval(Self.clockSkew) else {
            throw Self.refusal("the member token is not valid before \(Timestamps.format(max(claims.nbf.value, claims.iat.value)))")
        }
        guard claims.exp.value.timeIntervalSince(claims.iat.value) <= Self.maxLifetime, !claims.sub.value.isEmpty else {
            throw Self.refusal("the member token's claims are not ones Laurel issues")
        }
        return MemberTokenHolder(programId: key.programId, memberId: claims.sub.value, tokenId: claims.jti.value, keyId: key.id,
                                 expiresAt: claims.exp.value)
    }

    static func refusal(_ detail: String) -> Problem { Problem(.unauthorized, "invalid_token", detail) }

    /// The key a token names, from the cache while it is fresh.
    private func key(_ id: String) async throws -> MemberTokenKeyRecord? {
        let now = clock.now()
        if let cached = cache.withLock({ $0[id] }), now.timeIntervalSince(cached.loadedAt) < Self.cacheSeconds { return cached.key }
        guard let key = try await store.memberTokenKey(id: id) else { return nil }
        let signer = await Self.collection(key)
        cache.withLock { $0[id] = (key, signer, now) }
        return key
    }

    /// jwt-kit's signer of one key (cached with it).
    private func signer(for key: MemberTokenKeyRecord) async -> JWTKeyCollection {
        if let cached = cache.withLock({ $0[key.id] }), cached.key.secret == key.secret { return cached.signer }
        return await Self.collection(key)
    }

    private static func collection(_ key: MemberTokenKeyRecord) async -> JWTKeyCollection {
        let secret = Data(base64Encoded: key.secret) ?? Data()
        return await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: JWKIdentifier(string: key.id))
    }
}

/// Rotation of a program's member token keys, for the API and the CLI.
public enum MemberTokenKeyRotation {
    /// Makes a fresh key the program's signing key. The previous keys verify the tokens they signed
    /// until those expire (`MemberTokens.maxLifetime` at most), or, with `revokePrevious`, no longer.
    public static func rotate(store: any LaurelStore, programId: String, revokePrevious: Bool, now: Date,
                              idempotency: Idempotency<[MemberTokenKeyRecord]>? = nil) async throws -> Idempotent<[MemberTokenKeyRecord]> {
        // Revoked at the whole millisecond at or before `now`: the store keeps milliseconds, rounded, and a
        // revocation rounded up would let the revoked keys verify for a moment longer.
        let revokedAt = Timestamps.date(millis: Int64((now.timeIntervalSince1970 * 1000).rounded(.down)))
        return try await store.rotateMemberTokenKeys(programId: programId, key: MemberTokens.newKey(programId: programId, now: now), now: now,
                                                     previousExpiresAt: revokePrevious ? revokedAt : now.addingTimeInterval(MemberTokens.maxLifetime),
                                                     pruneBefore: now.addingTimeInterval(-MemberTokens.keepExpiredKeys), idempotency: idempotency)
    }
}

/// A token just issued, with its claims.
struct IssuedMemberToken: Sendable {
    var token: String
    var claims: MemberTokenClaims
    var keyId: String
}
