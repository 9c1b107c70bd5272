import Foundation

/// The NUL character (U+0000) in request bodies. SQLite's C strings end at it and PostgreSQL's
/// text refuses it, so a string holding one would be stored as something other than what was
/// acknowledged (`a\u0000b` became `a`): every body that carries one is refused instead.
enum NULCharacter {
    static let problem = Problem(.unprocessableContent, "invalid_field", "strings must not contain the NUL character (U+0000)")

    /// Whether `body` holds a raw NUL byte or a JSON `\u0000` escape (one whose backslash is not itself escaped).
    static func isIn(_ body: Data) -> Bool {
        body.withUnsafeBytes { bytes in
            guard bytes.count > 0 else { return false }
            let backslash = UInt8(ascii: "\\")
            for index in 0..<bytes.count {
                if bytes[index] == 0 { return true }
                guard bytes[index] == backslash, index + 5 < bytes.count, bytes[index + 1] | 0x20 == UInt8(ascii: "u"),
                      bytes[index + 2] == UInt8(ascii: "0"), bytes[index + 3] == UInt8(ascii: "0"),
                      bytes[index + 4] == UInt8(ascii: "0"), bytes[index + 5] == UInt8(ascii: "0") else { continue }
                // Count the backslashes that end here: an even run is escaped backslashes followed by a plain `u0000`.
                var run = 0
                var back = index
                while back >= 0 && bytes[back] == backslash {
                    run += 1
                    back -= 1
                }
                if run % 2 == 1 { return true }
            }
            return false
        }
    }
}
