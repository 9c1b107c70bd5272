import Foundation
import Synchronization

/// Object ids: a type prefix, then 10 characters of millisecond time and 16 random ones in
/// Crockford base32, so ids sort by creation time (cursor pagination relies on it). Ids made
/// in the same millisecond by this process count up from the previous one, so they too sort
/// in creation order.
public enum Identifiers {
    /// Crockford base32's digits, as UTF-8.
    private static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)
    /// The random part (16 base32 digits, 80 bits) of the last id made in each recently used
    /// millisecond (several, since callers pass their own clock), with when each was last used, so
    /// the least recently used can be forgotten.
    private static let recent = Mutex<(uses: UInt64, random: [UInt64: (value: UInt128, used: UInt64)])>((0, [:]))

    /// Made for every event (on the event loops), so written byte by byte from two random words.
    public static func make(_ prefix: String, now: Date = Date()) -> String {
        let time = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        let random = recent.withLock { recent -> UInt128 in
            recent.uses += 1
            var random: UInt128
            if let previous = recent.random[time] {
                random = previous.value + 1
            } else {
                var generator = SystemRandomNumberGenerator()
                // Below 2^79 (the first digit below 16), so counting up within a millisecond never wraps around.
                random = UInt128(generator.next() & 0x7FFF) << 64 | UInt128(generator.next())
                // A millisecond is forgotten after a thousand others were used since (about a second
                // of real time); 128 was too few when a loaded machine paused a caller for longer.
                if recent.random.count >= 2048 {
                    let kept = recent.random.sorted { $0.value.used > $1.value.used }.prefix(1024)
                    recent.random = Dictionary(uniqueKeysWithValues: kept.map { ($0.key, $0.value) })
                }
            }
            recent.random[time] = (random, recent.uses)
            return random
        }
        var prefix = prefix
        return prefix.withUTF8 { prefixBytes in
            let count = prefixBytes.count + 1 + 10 + 16
            return String(unsafeUninitializedCapacity: count) { text in
                _ = text.initialize(fromContentsOf: prefixBytes)
                text[prefixBytes.count] = UInt8(ascii: "_")
                var remaining = time
                for index in stride(from: prefixBytes.count + 10, through: prefixBytes.count + 1, by: -1) {
                    text[index] = alphabet[Int(remaining & 31)]
                    remaining >>= 5
                }
                var digits = random
                for index in stride(from: count - 1, through: count - 16, by: -1) {
                    text[index] = alphabet[Int(digits & 31)]
                    digits >>= 5
                }
                return count
            }
        }
    }

    /// Whether `id` is one `make(prefix)` could have made: the prefix, `_`, 26 base32 digits.
    /// Imports keep such ids from an export so that the file's references still hold.
    public static func isWellFormed(_ id: String, prefix: String) -> Bool {
        let digits = id.utf8.dropFirst(prefix.utf8.count + 1)
        return id.hasPrefix(prefix + "_") && digits.count == 26 && digits.allSatisfy { alphabet.contains($0) }
    }

    /// A secret for API keys: 32 random bytes in base32.
    public static func secret(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = (0..<52).map { _ in alphabet[Int(generator.next(upperBound: UInt8(32)))] }
        return "\(prefix)_" + String(decoding: digits, as: UTF8.self)
    }
}
