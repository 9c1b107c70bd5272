/// An exact ratio of two integers as decimal text with four places, rounded half away from zero
/// ("0.2345"); nil when the denominator is not positive. The fraction is divided in 128 bits, so
/// any two point totals give an answer without overflow.
public enum Ratio {
    public static func text(_ numerator: Int, over denominator: Int) -> String? {
        guard denominator > 0 else { return nil }
        let divisor = UInt(denominator), magnitude = numerator.magnitude
        var whole = magnitude / divisor
        // remainder < divisor, so remainder × 10 000 / divisor < 10 000: the quotient fits.
        let (tenThousandths, rest) = divisor.dividingFullWidth((magnitude % divisor).multipliedFullWidth(by: 10_000))
        var fraction = tenThousandths
        if rest >= divisor - rest { fraction += 1 }
        if fraction == 10_000 { whole += 1; fraction = 0 }
        let digits = String(fraction)
        let sign = numerator < 0 && (whole > 0 || fraction > 0) ? "-" : ""
        return "\(sign)\(whole).\(String(repeating: "0", count: 4 - digits.count))\(digits)"
    }
}
