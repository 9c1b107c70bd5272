import Crypto
import CryptoExtras
import Foundation

/// Staff passwords, stored as one self-describing string `pbkdf2-sha256$<iterations>$<salt>$<hash>`
/// (salt and hash base64): PBKDF2-HMAC-SHA256 with 16 random bytes of salt and a 32-byte key.
/// The iteration count travels with each hash, so it can be raised later: old hashes still verify,
/// and `needsRehash` says when to store a new one.
public enum PasswordHash {
    static let algorithm = "pbkdf2-sha256"
    /// OWASP's 2023 figure for PBKDF2-HMAC-SHA256.
    public static let defaultIterations = 600_000
    /// The least a stored hash may claim (OWASP's figure for PBKDF2-HMAC-SHA512, and swift-crypto's floor);
    /// a string claiming fewer, or absurdly many, is refused rather than computed.
    static let iterationRange = 210_000...10_000_000
    static let keyBytes = 32
    /// Passwords longer than this are refused before hashing (PBKDF2's cost grows with the password's blocks).
    public static let maxPasswordBytes = 1024

    /// A new hash of `password` with a fresh salt.
    public static func make(_ password: String, iterations: Int = defaultIterations) throws -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let key = try derive(Array(password.utf8), salt: salt, iterations: iterations)
        return "\(algorithm)$\(iterations)$\(Data(salt).base64EncodedString())$\(Data(key).base64EncodedString())"
    }

    /// Whether `password` matches `stored` (compared in constant time); false for a malformed string.
    public static func verify(_ password: String, against stored: String) -> Bool {
        guard let parsed = Parsed(stored), password.utf8.count <= maxPasswordBytes,
              let key = try? derive(Array(password.utf8), salt: parsed.salt, iterations: parsed.iterations) else { return false }
        return constantTimeEqual(key, parsed.hash)
    }

    /// Spends the time of one verification without a hash to check, so that an unknown email
    /// answers as slowly as a wrong password (no timing tells which emails have accounts).
    public static func verifyNothing(_ password: String) {
        _ = try? derive(Array(password.utf8.prefix(maxPasswordBytes)), salt: Array(repeating: 0, count: 16), iterations: defaultIterations)
    }

    /// True when `stored` was made with fewer iterations than today's default.
    public static func needsRehash(_ stored: String) -> Bool { (Parsed(stored)?.iterations ?? 0) < defaultIterations }

    /// PBKDF2-HMAC-SHA256 (RFC 8018), 32 bytes, through swift-crypto (BoringSSL).
    static func derive(_ password: [UInt8], salt: [UInt8], iterations: Int, bytes: Int = keyBytes) throws -> [UInt8] {
        let key = try KDF.Insecure.PBKDF2.deriveKey(from: password, salt: salt, using: .sha256, outputByteCount: bytes,
                                                    unsafeUncheckedRounds: iterations)
        return key.withUnsafeBytes { Array($0) }
    }

    /// Equal lengths and bytes, looking at every byte whatever the first difference.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    private struct Parsed {
        let iterations: Int
        let salt: [UInt8]
        let hash: [UInt8]

        init?(_ text: String) {
            let parts = text.split(separator: "$", omittingEmptySubsequences: false)
            guard parts.count == 4, parts[0] == PasswordHash.algorithm, let iterations = Int(parts[1]),
                  PasswordHash.iterationRange.contains(iterations),
                  let salt = Data(base64Encoded: String(parts[2])), salt.count >= 16,
                  let hash = Data(base64Encoded: String(parts[3])), hash.count == PasswordHash.keyBytes else { return nil }
            self.iterations = iterations
            self.salt = Array(salt)
            self.hash = Array(hash)
        }
    }
}
