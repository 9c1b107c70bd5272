import Foundation
import Synchronization

/// Object ids: a type prefix, then 10 characters of millisecond time and 16 random ones in
/// Crockford base32, so ids sort by creation time (cursor pagination relies on it). Ids made
/// in the same millisecond by this process count up from the previous one, so they too sort
/// in creation order.
public enum Identifiers {
    private static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")
    /// The random digits of the last id made in each recently used millisecond (several, since callers pass
    /// their own clock), with when each was last used, so the least recently used can be forgotten.
    private static let recent = Mutex<(uses: UInt64, digits: [UInt64: (digits: [Int], used: UInt64)])>((0, [:]))

    public static func make(_ prefix: String, now: Date = Date()) -> String {
        let time = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        let digits = recent.withLock { recent -> [Int] in
            recent.uses += 1
            var digits: [Int]
            if let previous = recent.digits[time] {
                digits = previous.digits
                var index = digits.count - 1
                while index >= 0 {
                    digits[index] += 1
                    if digits[index] < 32 { break }
                    digits[index] = 0
                    index -= 1
                }
            } else {
                var generator = SystemRandomNumberGenerator()
                // The first digit starts below 16, so counting up within a millisecond never wraps around.
                digits = (0..<16).map { Int(generator.next(upperBound: UInt8($0 == 0 ? 16 : 32))) }
                // A millisecond is forgotten after a thousand others were used since (about a second
                // of real time); 128 was too few when a loaded machine paused a caller for longer.
                if recent.digits.count >= 2048 {
                    let kept = recent.digits.sorted { $0.value.used > $1.value.used }.prefix(1024)
                    recent.digits = Dictionary(uniqueKeysWithValues: kept.map { ($0.key, $0.value) })
                }
            }
            recent.digits[time] = (digits, recent.uses)
            return digits
        }
        var timePart = [Character](repeating: "0", count: 10)
        var remaining = time
        for index in stride(from: 9, through: 0, by: -1) {
            timePart[index] = alphabet[Int(remaining & 31)]
            remaining >>= 5
        }
        return "\(prefix)_" + String(timePart) + String(digits.map { alphabet[$0] })
    }

    /// A secret for API keys: 32 random bytes in base32.
    public static func secret(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        var text = ""
        for _ in 0..<52 { text.append(alphabet[Int(generator.next(upperBound: UInt8(32)))]) }
        return "\(prefix)_" + text
    }
}
