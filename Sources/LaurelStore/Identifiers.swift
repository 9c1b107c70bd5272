import Foundation

/// Object ids: a type prefix, then 10 characters of millisecond time and 16 random ones in
/// Crockford base32, so ids sort by creation time (cursor pagination relies on it).
public enum Identifiers {
    private static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")

    public static func make(_ prefix: String, now: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        var time = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        var timePart = [Character](repeating: "0", count: 10)
        for index in stride(from: 9, through: 0, by: -1) {
            timePart[index] = alphabet[Int(time & 31)]
            time >>= 5
        }
        var random = generator.next() as UInt64
        var randomPart = [Character](repeating: "0", count: 16)
        for index in 0..<16 {
            if index == 12 { random = generator.next() }
            randomPart[index] = alphabet[Int(random & 31)]
            random >>= 5
        }
        return "\(prefix)_" + String(timePart) + String(randomPart)
    }

    /// A secret for API keys: 32 random bytes in base32.
    public static func secret(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        var text = ""
        for _ in 0..<52 { text.append(alphabet[Int(generator.next(upperBound: UInt8(32)))]) }
        return "\(prefix)_" + text
    }
}
