import Foundation
import JWTKit

/// The claims of a member token. `iss` is Laurel, `aud` the program, `sub` the member; the times
/// are whole seconds. The clock-dependent checks (`exp`, `nbf`, `iat`) and `iss` / `aud` run in
/// `MemberTokenVerifier` against the server's clock, which jwt-kit's check cannot take.
struct MemberTokenClaims: JWTPayload {
    var iss: IssuerClaim
    var aud: AudienceClaim
    var sub: SubjectClaim
    var iat: IssuedAtClaim
    var nbf: NotBeforeClaim
    var exp: ExpirationClaim
    var jti: IDClaim

    /// Called by jwt-kit after the signature matched: only HS256, the one algorithm member tokens use.
    func verify(using algorithm: some JWTAlgorithm) async throws {
        guard algorithm.name == MemberTokens.algorithm else { throw JWTError.unsupportedAlgorithm(alg: algorithm.name) }
    }
}
