import Foundation

/// Referral codes: 8 characters of Crockford's base32 (no I, L, O, U), derived from the member id so
/// that no randomness is needed; the store keeps them unique per program and asks for the next
/// `attempt` when one is taken.
public enum ReferralCode {
    public static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    public static let length = 8

    /// The `attempt`-th candidate code of a member (0 first).
    public static func candidate(programId: String, memberId: String, attempt: Int) -> String {
        // FNV-1a, 64 bits, over the program, the member and the attempt.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(programId)\u{1F}\(memberId)\u{1F}\(attempt)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        var code = ""
        for _ in 0..<length {
            code.append(alphabet[Int(hash & 31)])
            hash >>= 5
        }
        return code
    }

    /// A code as typed by a person: upper-cased, without spaces and dashes, with the letters Crockford
    /// reads as digits (O → 0, I and L → 1). Nil when it cannot be a code.
    public static func normalised(_ text: String) -> String? {
        var code = ""
        for character in text.uppercased() where character != "-" && character != " " {
            switch character {
            case "O": code.append("0")
            case "I", "L": code.append("1")
            default:
                guard alphabet.contains(character) else { return nil }
                code.append(character)
            }
        }
        return code.count == length ? code : nil
    }
}
