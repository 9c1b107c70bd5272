/// Points before rounding: an exact fraction, so "1 point per 3.00" or "×1.5" lose nothing
/// until the single rounding step (`rounded(_:)`) that every award goes through.
public struct ExactPoints: Hashable, Sendable, CustomStringConvertible {
    public private(set) var numerator: Int128
    public private(set) var denominator: Int128

    public init(_ numerator: Int128, over denominator: Int128 = 1) {
        precondition(denominator != 0)
        if denominator == 1 || numerator == 0 {
            // Already in lowest terms: whole points, or zero (kept as 0/1).
            self.numerator = numerator
            self.denominator = numerator == 0 ? 1 : denominator
            return
        }
        if let small = Int64(exactly: numerator), let smallDenominator = Int64(exactly: denominator), small != .min, smallDenominator != .min {
            // Almost every value fits 64 bits, where division is several times cheaper.
            let divisor = Int64(ExactPoints.gcd(small.magnitude, smallDenominator.magnitude))
            let sign: Int64 = smallDenominator < 0 ? -1 : 1
            self.numerator = Int128(sign * small / divisor)
            self.denominator = Int128(sign * smallDenominator / divisor)
            return
        }
        let sign: Int128 = denominator < 0 ? -1 : 1
        let divisor = ExactPoints.gcd(numerator.magnitude, denominator.magnitude)
        self.numerator = sign * numerator / Int128(divisor)
        self.denominator = sign * denominator / Int128(divisor)
    }

    public init(points: Int) { self.init(Int128(points)) }
    public init(_ amount: Amount) { self.init(Int128(amount.units), over: Int128(Amount.scale)) }

    public static let zero = ExactPoints(0)

    public static func + (lhs: ExactPoints, rhs: ExactPoints) -> ExactPoints {
        // Sums start from zero: adding it needs no reduction.
        if lhs.numerator == 0 { return rhs }
        if rhs.numerator == 0 { return lhs }
        if lhs.denominator == rhs.denominator { return ExactPoints(lhs.numerator + rhs.numerator, over: lhs.denominator) }
        return ExactPoints(lhs.numerator * rhs.denominator + rhs.numerator * lhs.denominator, over: lhs.denominator * rhs.denominator)
    }
    public static func - (lhs: ExactPoints, rhs: ExactPoints) -> ExactPoints { lhs + ExactPoints(-rhs.numerator, over: rhs.denominator) }
    public static func * (lhs: ExactPoints, rhs: ExactPoints) -> ExactPoints {
        // A rate of one point per 1.00 is common: multiplying by one needs no reduction.
        if rhs.numerator == 1 && rhs.denominator == 1 { return lhs }
        if lhs.numerator == 1 && lhs.denominator == 1 { return rhs }
        return ExactPoints(lhs.numerator * rhs.numerator, over: lhs.denominator * rhs.denominator)
    }
    public static func / (lhs: ExactPoints, rhs: ExactPoints) -> ExactPoints {
        ExactPoints(lhs.numerator * rhs.denominator, over: lhs.denominator * rhs.numerator)
    }
    public var isZero: Bool { numerator == 0 }
    public var isPositive: Bool { numerator > 0 }

    /// The one place points are rounded, by the program's rounding mode.
    public func rounded(_ mode: RoundingMode) -> Int {
        // Almost every value fits 64 bits, where division is several times cheaper.
        let (quotient, remainder) = if let small = Int64(exactly: numerator), let smallDenominator = Int64(exactly: denominator) {
            (Int128(small / smallDenominator), Int128(small % smallDenominator))   // truncates toward zero
        } else {
            (numerator / denominator, numerator % denominator)
        }
        if remainder == 0 { return Int(quotient) }
        let positive = numerator > 0
        let twice = remainder.magnitude * 2
        let half = twice.magnitude == denominator.magnitude ? 0 : (twice > denominator.magnitude ? 1 : -1)
        let awayFromZero: Bool
        switch mode {
        case .down: awayFromZero = false
        case .up: awayFromZero = true
        case .halfUp: awayFromZero = half >= 0
        case .halfEven: awayFromZero = half > 0 || (half == 0 && quotient % 2 != 0)
        }
        return Int(awayFromZero ? quotient + (positive ? 1 : -1) : quotient)
    }

    public var description: String { denominator == 1 ? "\(numerator)" : "\(numerator)/\(denominator)" }

    /// Binary GCD: shifts and subtractions instead of a division per step. 1 for gcd(0, 0).
    private static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        if a == 0 || b == 0 { return max(a | b, 1) }
        var (x, y) = (a >> a.trailingZeroBitCount, b)
        repeat {
            y >>= y.trailingZeroBitCount
            if x > y { swap(&x, &y) }
            y -= x
        } while y != 0
        return x << (a | b).trailingZeroBitCount
    }

    private static func gcd(_ a: UInt128, _ b: UInt128) -> UInt128 {
        if a <= UInt64.max && b <= UInt64.max { return UInt128(gcd(UInt64(a), UInt64(b))) }
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a == 0 ? 1 : a
    }
}

/// How fractional points become whole points. `down` truncates toward zero ("1 point per
/// full euro"); `half_even` is banker's rounding.
public enum RoundingMode: String, Sendable, Codable, CaseIterable {
    case down
    case up
    case halfUp = "half_up"
    case halfEven = "half_even"
}
