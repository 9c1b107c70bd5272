/// Makes reward codes from a pattern: `X` is a letter or digit (without the look-alikes 0, O, 1, I),
/// `#` a digit, every other character is kept. The generator is passed in: the core has no randomness of its own.
public enum RewardCode {
    static let letters = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
    static let digits = Array("0123456789")

    public static func make(pattern: String, using generator: inout some RandomNumberGenerator) -> String {
        String(pattern.map { character -> Character in
            switch character {
            case "X": letters.randomElement(using: &generator)!
            case "#": digits.randomElement(using: &generator)!
            default: character
            }
        })
    }

    /// How many different codes a pattern can make (capped), so a pattern too small for its stock is refused.
    public static func variety(of pattern: String) -> Double {
        pattern.reduce(1.0) { product, character in
            switch character {
            case "X": product * Double(letters.count)
            case "#": product * 10
            default: product
            }
        }
    }
}
